"""KjoRunTrigger with a fake ``kjo serve``: the event, logs as they come, cancellation, on_kill."""

import asyncio
import json
import logging
import os
import sys
import time

import pytest

from airflow_kjo.triggers import KjoRunTrigger

from tests.conftest import SUPPORT, result_event


def trigger(**kwargs):
    kwargs.setdefault("config_file", "/k")
    return KjoRunTrigger(run_id="r1", namespace="ns", kjo_env={"KJO_SHOW_RUNNER_ID": "true"}, **kwargs)


@pytest.fixture
def fake_serve(tmp_path, monkeypatch):
    """KJO_BINARY is the fake kjo serve; returns (write the script, read the calls)."""
    binary = tmp_path / "kjo"
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {SUPPORT / 'fake_serve.py'} \"$@\"\n")
    binary.chmod(0o755)
    script, calls = tmp_path / "serve.json", tmp_path / "serve_calls.jsonl"
    monkeypatch.setenv("KJO_BINARY", str(binary))
    monkeypatch.setenv("FAKE_SERVE_SCRIPT", str(script))
    monkeypatch.setenv("FAKE_SERVE_CALLS", str(calls))

    def write(runs):
        script.write_text(json.dumps({"runs": runs}))

    def read(full=False):
        lines = [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []
        return lines if full else [line["request"] for line in lines]

    return write, read


def test_serialize_round_trip_carries_the_connection_id_not_credentials():
    path, kwargs = trigger(
        kubernetes_conn_id="k8s_prod", get_logs=False, raw_xcom=True, execution_deadline=123.5, startup_timeout_seconds=600
    ).serialize()
    assert path == "airflow_kjo.triggers.KjoRunTrigger"
    assert kwargs["kubernetes_conn_id"] == "k8s_prod" and kwargs["config_file"] == "/k"
    again = KjoRunTrigger(**kwargs)
    assert again.serialize() == (path, kwargs)
    assert kwargs["execution_deadline"] == 123.5 and kwargs["get_logs"] is False
    assert kwargs["startup_timeout_seconds"] == 600


def test_a_trigger_serialized_by_airflow_kjo_0_1_still_loads():
    old = KjoRunTrigger(run_id="r1", namespace="ns", connection={"config_file": "/old", "cluster_context": "c"})
    assert (old.config_file, old.cluster_context, old.kubernetes_conn_id) == ("/old", "c", "kubernetes_default")


def test_the_triggerer_resolves_the_connection_into_a_private_file_kept_while_following(fake_serve, monkeypatch):
    config = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [{"name": "u", "user": {"token": "trig-secret"}}]}
    monkeypatch.setenv("AIRFLOW_CONN_K8S_TRIG", json.dumps({"conn_type": "kubernetes", "extra": {"kube_config": json.dumps(config)}}))
    write, read = fake_serve
    write({"r1": [{"sleep": 0.2}, result_event()]})
    event = asyncio.run(_first_event(trigger(kubernetes_conn_id="k8s_trig", config_file=None)))
    assert event.payload["status"] == "done"
    (call,) = read(full=True)
    assert "trig-secret" not in json.dumps(call["request"])
    assert json.loads(call["kubeconfig"]["text"]) == config and call["kubeconfig"]["mode"] == "0o600"
    assert not os.path.exists(call["request"]["cluster"]["kubeconfig"])  # removed once the trigger ended


async def _first_event(t):
    async for event in t.run():
        return event


def test_run_writes_logs_as_they_come_and_fires_the_result_with_xcom(fake_serve, caplog, capsys):
    write, read = fake_serve
    xcom = {"type": "api_event", "name": "xcom", "value": '{"a": 1}', "parsed": {"a": 1}, "pod": "p", "container": "main"}
    write({"r1": [
        {"type": "status", "resource": "Job/j", "state": "Running"},
        {"type": "log", "pod": "p", "container": "main", "line": "hello from the pod"},
        xcom,
        result_event("Failed", 1, reason="BackoffLimitExceeded", xcom={"a": 1}, summary=["exit 1"]),
    ]})
    caplog.set_level(logging.INFO)
    event = asyncio.run(_first_event(trigger(execution_deadline=time.time() + 600)))
    assert event.payload == {
        "status": "done",
        "run_id": "r1",
        "namespace": "ns",
        "state": "Failed",
        "exit_code": 1,
        "reason": "BackoffLimitExceeded",
        "message": None,
        "summary": ["exit 1"],
        "resources": ["Job/x"],
        "xcom": {"a": 1},
        "api_events": [{**xcom, "time": "2026-01-01T00:00:00.000Z"}],
        "followed": "serve",
    }
    # Airflow 2: a logging logger; Airflow 3: structlog, printed.
    assert "p/main | hello from the pod" in caplog.text + capsys.readouterr().out
    (request,) = read()
    assert request["op"] == "follow" and request["runId"] == "r1" and request["namespace"] == "ns"
    assert request["cluster"] == {"kubeconfig": "/k"} and request["deletePolicy"] == "Never"
    assert request["logs"] is True and request["parseXcom"] is True
    assert 590 < request["executionTimeoutSeconds"] <= 600
    assert "startupTimeoutSeconds" not in request  # kjo serve's default


def test_the_follow_request_carries_the_startup_timeout(fake_serve):
    write, read = fake_serve
    write({"r1": [result_event()]})
    asyncio.run(_first_event(trigger(startup_timeout_seconds=900)))
    (request,) = read()
    assert request["startupTimeoutSeconds"] == 900


def test_a_run_kjo_cannot_follow_is_an_error_event(fake_serve):
    write, _ = fake_serve
    write({})  # the fake answers an unknown run with an Error result, as kjo does for a missing run
    event = asyncio.run(_first_event(trigger()))
    assert event.payload["status"] == "error" and event.payload["exit_code"] == 2


def test_many_triggers_share_one_kjo_serve(fake_serve):
    write, read = fake_serve
    write({f"r{k}": [{"sleep": 0.2}, result_event(runId=f"r{k}", xcom={"k": k})] for k in range(10)})

    async def scenario():
        triggers = [KjoRunTrigger(run_id=f"r{k}", namespace="ns") for k in range(10)]
        return await asyncio.gather(*(_first_event(t) for t in triggers))

    events = asyncio.run(scenario())
    assert [e.payload["xcom"] for e in events] == [{"k": k} for k in range(10)]
    assert len(read()) == 10


def test_cancel_detaches_and_leaves_the_run_alone(fake_serve):
    write, read = fake_serve
    write({"r1": [{"type": "status", "resource": "Job/j", "state": "Running"}, {"sleep": 60}, result_event()]})

    async def scenario():
        task = asyncio.ensure_future(_first_event(trigger()))
        await asyncio.sleep(1.5)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        for _ in range(50):  # the detach request is written by a task of its own
            if len(read()) == 2:
                break
            await asyncio.sleep(0.1)
        return "cancelled"

    assert asyncio.run(scenario()) == "cancelled"
    follow, detach = read()
    assert detach == {"op": "detach", "id": follow["id"]}


def test_on_kill_cleans_up_the_run(fake_kjo):
    fake_kjo.script([{"raw": "deleted Job/j"}])
    asyncio.run(trigger().on_kill())
    assert fake_kjo.calls()[0] == ["cleanup", "--run-id=r1", "--namespace=ns", "--kubeconfig=/k"]
