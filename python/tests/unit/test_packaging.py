"""Packaging from a clean checkout: the build bundles kjo itself (deno bundle, with
the PyPI deno as a build requirement); the wheel ships the bundle, run by the
PyPI deno; an sdist carries the bundle and builds the same wheel."""

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

PYTHON_DIR = REPO / "python"
#: What a clean checkout holds for the build: the Deno sources and the package (no dist/).
CHECKOUT_PARTS = ["cli.ts", "mod.ts", "deno.json", "deno.lock", "src", "python"]
IGNORE = shutil.ignore_patterns("*.egg-info", "build", "_bundle", "__pycache__", ".pytest_cache", "dist")


def _wheel(source: Path, out: Path, env=None):
    # No build isolation: the test venv has the build requirements (hatchling, deno).
    return subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the repository as a clean checkout has it: no dist/kjo.js, no bundle."""
    root = tmp_path_factory.mktemp("checkout")
    for part in CHECKOUT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=IGNORE)
        else:
            shutil.copy(source, root / part)
    assert not (root / "dist").exists()
    return root


@pytest.fixture(scope="module")
def wheel(checkout, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = _wheel(checkout / "python", out, env={"KJO_BUNDLE": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("airflow_kjo-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_bundle_and_entry_point(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "airflow_kjo/_bundle/kjo.js" in names
        assert archive.getinfo("airflow_kjo/_bundle/kjo.js").file_size > 100_000
        assert "airflow_kubernetes_job_operator/kubernetes_job_operator.py" in names
        assert "airflow_kubernetes_job_operator/kubernetes_legacy_job_operator.py" in names
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


def test_sdist_carries_the_bundle_and_builds_the_same_wheel(checkout, wheel, tmp_path):
    out = tmp_path / "sdist"
    done = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
        cwd=checkout / "python", capture_output=True, text=True, timeout=900, env={**os.environ, "KJO_BUNDLE": ""},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = out.glob("airflow_kjo-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("src/airflow_kjo/_bundle/kjo.js") for n in names)
    assert any(n.endswith("src/airflow_kubernetes_job_operator/__init__.py") for n in names)
    # a wheel from the sdist alone (no Deno sources next to it) ships the sdist's bundle
    wheel_out = tmp_path / "wheel-from-sdist"
    done = _wheel(sdist, wheel_out, env={"KJO_BUNDLE": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    (from_sdist,) = wheel_out.glob("airflow_kjo-*.whl")
    with zipfile.ZipFile(from_sdist) as a, zipfile.ZipFile(wheel) as b:
        assert a.read("airflow_kjo/_bundle/kjo.js") == b.read("airflow_kjo/_bundle/kjo.js")


def test_wheel_build_without_sources_or_bundle_fails_clearly(tmp_path):
    copy = tmp_path / "python"
    shutil.copytree(PYTHON_DIR, copy, ignore=IGNORE)
    shutil.rmtree(copy / "src" / "airflow_kjo" / "_bundle", ignore_errors=True)
    done = _wheel(copy, tmp_path / "out", env={"KJO_BUNDLE": ""})
    assert done.returncode != 0
    assert "the kjo bundle is missing" in done.stdout + done.stderr
