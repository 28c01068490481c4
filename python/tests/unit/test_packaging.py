"""The wheel ships the kjo bundle, run by the PyPI deno; no bundle, no wheel."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

PYTHON_DIR = REPO / "python"
BUNDLE = REPO / "dist" / "kjo.js"


def _wheel(source: Path, out: Path, env=None):
    return subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not BUNDLE.is_file():
        pytest.fail(f"{BUNDLE} is missing: build it with `deno task bundle` (python/scripts/test.sh does)")
    out = tmp_path_factory.mktemp("wheel")
    done = _wheel(PYTHON_DIR, out)
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("airflow_kjo-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_bundle_and_entry_point(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "airflow_kjo/_bundle/kjo.js" in names
        assert archive.getinfo("airflow_kjo/_bundle/kjo.js").file_size == BUNDLE.stat().st_size
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        text = archive.read(entry_points).decode()
        assert "[apache_airflow_provider]" in text and "airflow_kjo.provider_info:get_provider_info" in text
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
        assert "Requires-Dist: deno" in metadata and "Requires-Dist: apache-airflow>=2.10" in metadata


def test_installed_wheel_runs_the_bundle_with_pypi_deno(wheel, tmp_path):
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    code = (
        "import subprocess, airflow_kjo.kjo_process as k\n"
        "argv = k.resolve_kjo_command()\n"
        "print(argv)\n"
        "print(subprocess.run(argv + ['--version'], capture_output=True, text=True, check=True).stdout.strip())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("KJO_BINARY", "KJO_DENO")}
    env["PATH"] = "/usr/bin:/bin"  # no kjo on PATH
    env["PYTHONPATH"] = str(target)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    argv_line, version = run.stdout.strip().splitlines()[-2:]
    assert str(target / "airflow_kjo" / "_bundle" / "kjo.js") in argv_line and "'run', '-A'" in argv_line
    assert version.startswith("kjo ")


def test_wheel_build_without_bundle_fails_clearly(tmp_path):
    copy = tmp_path / "python"
    shutil.copytree(PYTHON_DIR, copy, ignore=shutil.ignore_patterns("tests", "*.egg-info", "build", "_bundle", "__pycache__"))
    done = _wheel(copy, tmp_path / "out", env={"KJO_BUNDLE": ""})
    assert done.returncode != 0
    assert "the kjo bundle is missing" in done.stdout + done.stderr
