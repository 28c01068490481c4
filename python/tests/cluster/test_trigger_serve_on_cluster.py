"""KjoRunTrigger on the local cluster: many deferred runs followed by the real
triggers in one asyncio loop through one shared ``kjo serve``, which is
SIGKILLed mid-run and restarted by the client; and the execution timeout."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

from airflow_kjo.kjo_args import RunRequest, run_args
from airflow_kjo.kjo_process import kjo_environment, parse_event_line, resolve_kjo_command
from airflow_kjo.serve_client import shared_serve_client
from airflow_kjo.triggers import KjoRunTrigger

from tests.cluster.conftest import cleanup_dag, objects

LINES = 25


def submit(kubeconfig, label: str, script: str, **extra) -> str:
    """``kjo run --detach`` of a busybox Job; returns its run id."""
    request = RunRequest(
        image="busybox",
        command=["sh", "-c", script],
        namespace="default",
        name_prefix="trig",
        labels={"kjo/dag-id": label},
        detach=True,
        **extra,
    )
    done = subprocess.run(
        resolve_kjo_command() + run_args(request) + [f"--kubeconfig={kubeconfig}"],
        capture_output=True, text=True, timeout=180, env=kjo_environment(),
    )
    results = [e for e in map(parse_event_line, done.stdout.splitlines()) if e.get("type") == "result"]
    assert results and results[-1]["state"] == "Submitted", done.stdout[-2000:] + done.stderr[-2000:]
    return str(results[-1]["runId"])


def script_of(k: int) -> str:
    lines = f'i=1; while [ $i -le {LINES} ]; do echo "run {k} line $i"; i=$((i+1)); sleep 0.25; done'
    if k % 6 == 5:
        return f"{lines}; exit 3"
    return f"{lines}; echo '::kube_api:xcom={{\"k\": {k}}}'"


def test_sixteen_deferred_runs_through_one_kjo_serve_survive_its_sigkill(cluster, token, caplog, capsys):
    label = f"trigger-serve-{token}"
    count = 16
    try:
        with ThreadPoolExecutor(4) as pool:
            run_ids = list(pool.map(lambda k: submit(cluster, label, script_of(k)), range(count)))

        async def scenario():
            triggers = [
                KjoRunTrigger(run_id=run_id, namespace="default", config_file=str(cluster))
                for run_id in run_ids
            ]

            async def first(trigger):
                async for event in trigger.run():
                    return event

            tasks = [asyncio.ensure_future(first(t)) for t in triggers]
            client = shared_serve_client(resolve_kjo_command() + ["serve"], env=kjo_environment({}))
            deadline = time.monotonic() + 240
            # Mid-run: some lines of the runs came, none has ended yet.
            while client.lines < count * 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert client.lines >= count * 3, f"only {client.lines} lines came within 240s"
            assert not any(t.done() for t in tasks)
            killed = client.pid
            os.kill(killed, signal.SIGKILL)
            events = await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
            starts = client.starts
            await client.close()
            return events, starts, killed

        caplog.set_level(logging.INFO)
        events, starts, killed = asyncio.run(scenario())
        assert starts == 2, f"kjo serve was started {starts} times"
        for k, event in enumerate(events):
            payload = event.payload
            assert payload["run_id"] == run_ids[k] and payload["status"] == "done", payload
            if k % 6 == 5:
                assert (payload["state"], payload["exit_code"]) == ("Failed", 1), payload
            else:
                assert (payload["state"], payload["exit_code"], payload["xcom"]) == ("Succeeded", 0, {"k": k}), payload
        # Every line of every run reached the log exactly once, across the restart.
        # (Airflow 2: logging, in caplog; Airflow 3: structlog, printed.)
        texts = [caplog.text, capsys.readouterr().out]
        for k in range(count):
            for i in range(1, LINES + 1):
                seen = [t.count(f"| run {k} line {i}\n") + t.count(f"| run {k} line {i} ") for t in texts]
                assert max(seen) == 1, (k, i, seen)
        # Nothing was deleted by the restart (the triggers follow with deletePolicy Never).
        assert len(objects("jobs", f"kjo/dag-id={label}")) == count
    finally:
        cleanup_dag(label)


def test_execution_deadline_ends_the_run_as_timed_out_and_the_job_has_an_active_deadline(cluster, token):
    label = f"trigger-timeout-{token}"
    try:
        run_id = submit(cluster, label, "sleep 600", active_deadline_seconds=300)
        (job,) = objects("jobs", f"kjo/run-id={run_id}")
        assert job["spec"]["activeDeadlineSeconds"] == 300

        async def scenario():
            trigger = KjoRunTrigger(
                run_id=run_id, namespace="default", config_file=str(cluster),
                execution_deadline=time.time() + 8,
            )
            async for event in trigger.run():
                return event

        event = asyncio.run(asyncio.wait_for(scenario(), timeout=180))
        assert event.payload["state"] == "TimedOut" and event.payload["reason"] == "ExecutionTimeout", event.payload
        # The trigger deletes nothing: execute_complete (or the deferral timeout) applies the policy.
        assert objects("jobs", f"kjo/run-id={run_id}")
    finally:
        cleanup_dag(label)
