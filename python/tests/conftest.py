"""Shared fixtures: an isolated Airflow home, a fake kjo, running DAGs with
``dag.test()`` in a subprocess, and the local cluster.

Airflow reads its config when imported, so this module points AIRFLOW_HOME at
a private directory before anything imports Airflow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
SUPPORT = HERE / "support"
REPO = HERE.parent.parent
FAKE_KJO = SUPPORT / "fake_kjo.py"

#: The Airflow imports of a test DAG file, on Airflow 3 and on Airflow 2.10
#: (prepended to the DAG sources; no braces, so ``str.format`` leaves it alone).
DAG_IMPORTS = """
try:  # Airflow 3
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2.10
    from airflow import DAG
    from airflow.operators.python import PythonOperator
"""

_session_home = Path(tempfile.mkdtemp(prefix="kjo-pytest-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_session_home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(_session_home / "dags")
(_session_home / "dags").mkdir(exist_ok=True)
for _name in [n for n in os.environ if n.startswith("AIRFLOW__KUBERNETES_JOB_OPERATOR__")]:
    del os.environ[_name]


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_session_home, ignore_errors=True)


# ------------------------------------------------ tests of one Airflow major

_deselected_airflow3_only: List[str] = []


def _airflow_version() -> str:
    from airflow_kjo._compat import AIRFLOW_VERSION

    return AIRFLOW_VERSION


def pytest_collection_modifyitems(config, items):
    """Deselects (never skips) the tests marked ``airflow3_only`` on Airflow 2:
    they test what Airflow 2 does not have. The count is in pytest's summary
    (``N deselected``) and in the line ``airflow3_only: ...`` after it."""
    if int(_airflow_version().split(".")[0]) >= 3:
        return
    dropped = [item for item in items if item.get_closest_marker("airflow3_only")]
    if dropped:
        items[:] = [item for item in items if not item.get_closest_marker("airflow3_only")]
        config.hook.pytest_deselected(items=dropped)
        _deselected_airflow3_only.extend(item.nodeid for item in dropped)


def pytest_report_header(config):
    return f"airflow: {_airflow_version()}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if int(_airflow_version().split(".")[0]) >= 3:
        return
    names = ", ".join(_deselected_airflow3_only) or "none"
    terminalreporter.write_line(
        f"airflow3_only: {len(_deselected_airflow3_only)} deselected on Airflow {_airflow_version()}: {names}"
    )


# ----------------------------------------------------------------- fake kjo


class FakeKjo:
    """Writes the fake kjo's script and reads back the argv of each call."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.script_path = directory / "fake_kjo_script.json"
        self.calls_path = directory / "fake_kjo_calls.jsonl"

    def script(self, events: Optional[List[Dict[str, Any]]] = None, exit: int = 0, **extra: Any) -> "FakeKjo":
        self.script_path.write_text(json.dumps({"events": events or [], "exit": exit, **extra}))
        return self

    def by_subcommand(self, **scripts: Dict[str, Any]) -> "FakeKjo":
        self.script_path.write_text(json.dumps({"by_subcommand": scripts}))
        return self

    def env(self) -> Dict[str, str]:
        return {
            "KJO_BINARY": str(FAKE_KJO),
            "FAKE_KJO_SCRIPT": str(self.script_path),
            "FAKE_KJO_CALLS": str(self.calls_path),
        }

    def call_files(self) -> List[Dict[str, Any]]:
        """Each call's argv with the files it was given (``--body-file``, ``--env-file``, ``--kubeconfig``)."""
        path = Path(str(self.calls_path) + ".files")
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def files_of(self, argv: List[str]) -> Dict[str, Dict[str, str]]:
        """The files of the call with this argv."""
        return next(c["files"] for c in self.call_files() if c["argv"] == argv)

    def calls(self) -> List[List[str]]:
        if not self.calls_path.exists():
            return []
        return [json.loads(line) for line in self.calls_path.read_text().splitlines() if line.strip()]


@pytest.fixture
def fake_kjo(tmp_path, monkeypatch) -> FakeKjo:
    fake = FakeKjo(tmp_path)
    fake.script([{"type": "result", "state": "Succeeded", "exitCode": 0, "xcom": {}, "resources": []}])
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    return fake


def result_event(state: str = "Succeeded", code: int = 0, **extra: Any) -> Dict[str, Any]:
    return {"type": "result", "state": state, "exitCode": code, "xcom": {}, "resources": ["Job/x"], **extra}


# ------------------------------------------------------------ dag.test runs


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """An Airflow metadata DB (sqlite), migrated once per session; tests copy it."""
    home = tmp_path_factory.mktemp("airflow-template")
    (home / "dags").mkdir()
    env = airflow_env(home)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        pytest.fail(f"airflow db migrate failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return home / "airflow.db"


def airflow_env(home: Path, extra: Optional[Dict[str, Optional[str]]] = None) -> Dict[str, str]:
    """The environment of a ``dag.test()`` subprocess; a None value in ``extra`` removes that variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__KUBERNETES_JOB_OPERATOR__")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class DagRun:
    """The outcome of one ``dag.test()``: summary, the whole log, and per-task logs."""

    def __init__(self, summary: Dict[str, Any], log: str, returncode: int) -> None:
        self.summary = summary
        self.log = log
        self.returncode = returncode

    @property
    def state(self) -> str:
        return self.summary.get("state", "")

    def task_state(self, task_id: str) -> Optional[str]:
        return (self.summary.get("tasks", {}).get(task_id) or {}).get("state")

    def try_number(self, task_id: str) -> Optional[int]:
        return (self.summary.get("tasks", {}).get(task_id) or {}).get("try_number")

    def xcom(self, task_id: str) -> Dict[str, Any]:
        return self.summary.get("xcom", {}).get(task_id, {})

    def task_log(self, task_id: str) -> str:
        """Every line logged while task ``task_id`` ran (all tries)."""
        start, end = f"[DAG TEST] starting task_id={task_id} ", f"[DAG TEST] end task task_id={task_id} "
        out: List[str] = []
        inside = False
        for line in self.log.splitlines():
            if start in line:
                inside = True
            if inside:
                out.append(line)
            if end in line:
                inside = False
        return "\n".join(out)


class DagRunner:
    """Writes a DAG file into a fresh Airflow home and runs it with dag.test() in a subprocess."""

    def __init__(self, home: Path, db: Path) -> None:
        self.home = home
        (home / "dags").mkdir(parents=True, exist_ok=True)
        shutil.copy(db, home / "airflow.db")

    def write(self, name: str, text: str) -> Path:
        path = self.home / "dags" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def start(self, dag_file: str, dag_id: str, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        out = self.home / f"{dag_id}.summary.json"
        log = open(self.home / f"{dag_id}.log", "w")
        return subprocess.Popen(
            [sys.executable, str(SUPPORT / "run_dag.py"), str(self.home / "dags" / dag_file), dag_id, str(out)],
            env=airflow_env(self.home, env),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.home,
            start_new_session=True,
        )

    def finish(self, process: subprocess.Popen, dag_id: str, timeout: float = 600) -> DagRun:
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            code = process.wait()
        log = (self.home / f"{dag_id}.log").read_text()
        summary_path = self.home / f"{dag_id}.summary.json"
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
        return DagRun(summary, log, code)

    def run(self, dag_file: str, dag_id: str, env: Optional[Dict[str, str]] = None, timeout: float = 600) -> DagRun:
        result = self.finish(self.start(dag_file, dag_id, env), dag_id, timeout)
        if not result.summary:
            pytest.fail(f"dag.test() of {dag_id} wrote no summary (exit {result.returncode}):\n{result.log[-6000:]}")
        return result


@pytest.fixture
def dag_runner(tmp_path, migrated_db) -> DagRunner:
    return DagRunner(tmp_path / "airflow", migrated_db)
