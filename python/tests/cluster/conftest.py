"""Fixtures for tests against the local cluster (scripts/devcluster): its
kubeconfig, kubectl, and the real kjo (KJO_BINARY, set by scripts/test.sh).

Every fixture here fails the test loudly when something is missing; nothing
is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import REPO

KUBECONFIG = Path(os.environ.get("KJO_TEST_KUBECONFIG", REPO / ".devcluster" / "kubeconfig"))
KUBECTL = os.environ.get("KUBECTL", shutil.which("kubectl") or "/usr/bin/kubectl")


def kubectl(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [KUBECTL, f"--kubeconfig={KUBECONFIG}", *args], capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def objects(kinds: str, selector: str, namespace: str = "default") -> List[Dict[str, Any]]:
    """Objects of ``kinds`` (e.g. "jobs,pods") matching a label selector, not being deleted."""
    done = kubectl("get", kinds, "-n", namespace, "-l", selector, "-o", "json")
    items = json.loads(done.stdout).get("items", [])
    return [i for i in items if not i["metadata"].get("deletionTimestamp")]


def wait_for(predicate, timeout: float = 60, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def cluster() -> Path:
    """The local cluster's kubeconfig, once its node is Ready; fails loudly otherwise."""
    if not KUBECONFIG.is_file():
        pytest.fail(f"no kubeconfig at {KUBECONFIG}: start the local cluster (bash scripts/devcluster/up.sh)")
    if not os.path.exists(KUBECTL):
        pytest.fail("kubectl not found (looked on PATH and at /usr/bin/kubectl)")
    nodes = kubectl("get", "nodes", "-o", "json", check=False)
    if nodes.returncode != 0:
        pytest.fail(f"the local cluster does not answer: {nodes.stderr.strip()}")
    ready = [
        n["metadata"]["name"]
        for n in json.loads(nodes.stdout)["items"]
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
    ]
    if not ready:
        pytest.fail("the local cluster has no Ready node (is the node agent running? scripts/devcluster/status.sh)")
    binary = os.environ.get("KJO_BINARY")
    if not binary or not Path(binary).is_file():
        pytest.fail("KJO_BINARY must name the kjo binary or dist/kjo.js (python/scripts/test.sh sets it)")
    return KUBECONFIG


@pytest.fixture(scope="session")
def token() -> str:
    """A short random token: keeps DAG ids (and so labels) of this session apart from earlier ones."""
    return secrets.token_hex(3)


def cleanup_dag(dag_id: str, attempts: int = 5) -> None:
    """Deletes what a test DAG left (retrying while the API server is briefly away)."""
    for attempt in range(attempts):
        done = kubectl(
            "delete", "jobs,pods,services,configmaps,secrets", "-n", "default", "-l", f"kjo/dag-id={dag_id}",
            "--wait=false", "--ignore-not-found", check=False,
        )
        if done.returncode == 0:
            return
        time.sleep(2 * (attempt + 1))
