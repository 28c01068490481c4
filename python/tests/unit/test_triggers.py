"""KjoRunTrigger with a fake kjo: the event, cancellation, on_kill."""

import asyncio
import json

from airflow_kjo.triggers import KjoRunTrigger

from tests.conftest import result_event


def trigger(**kwargs):
    kwargs.setdefault("config_file", "/k")
    return KjoRunTrigger(run_id="r1", namespace="ns", kjo_env={"KJO_SHOW_RUNNER_ID": "true"}, **kwargs)


def test_serialize_round_trip_carries_the_connection_id_not_credentials():
    path, kwargs = trigger(kubernetes_conn_id="k8s_prod").serialize()
    assert path == "airflow_kjo.triggers.KjoRunTrigger"
    assert kwargs["kubernetes_conn_id"] == "k8s_prod" and kwargs["config_file"] == "/k"
    again = KjoRunTrigger(**kwargs)
    assert again.serialize() == (path, kwargs)


def test_a_trigger_serialized_by_airflow_kjo_0_1_still_loads():
    old = KjoRunTrigger(run_id="r1", namespace="ns", connection={"config_file": "/old", "cluster_context": "c"})
    assert (old.config_file, old.cluster_context, old.kubernetes_conn_id) == ("/old", "c", "kubernetes_default")


def test_the_triggerer_resolves_the_connection(fake_kjo, monkeypatch):
    config = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [{"name": "u", "user": {"token": "trig-secret"}}]}
    monkeypatch.setenv("AIRFLOW_CONN_K8S_TRIG", json.dumps({"conn_type": "kubernetes", "extra": {"kube_config": json.dumps(config)}}))
    fake_kjo.script([result_event()])
    event = asyncio.run(_first_event(trigger(kubernetes_conn_id="k8s_trig", config_file=None)))
    assert event.payload["status"] == "done"
    argv = fake_kjo.calls()[0]
    assert not any("trig-secret" in a for a in argv)
    kube = fake_kjo.files_of(argv)["--kubeconfig"]
    assert json.loads(kube["text"]) == config and kube["mode"] == "0o600"


async def _first_event(t):
    async for event in t.run():
        return event


def test_run_fires_one_event_when_the_run_ends(fake_kjo):
    fake_kjo.script(
        [{"type": "status", "resource": "Job/j", "state": "Running"}, result_event("Failed", 1, reason="BackoffLimitExceeded")],
        exit=1,
    )
    event = asyncio.run(_first_event(trigger()))
    assert event.payload == {
        "status": "done",
        "run_id": "r1",
        "namespace": "ns",
        "state": "Failed",
        "exit_code": 1,
        "reason": "BackoffLimitExceeded",
        "message": None,
    }
    argv = fake_kjo.calls()[0]
    assert argv == ["attach", "--run-id=r1", "-o", "jsonl", "--namespace=ns", "--delete-policy=Never", "--no-logs", "--kubeconfig=/k"]


def test_run_without_result_is_an_error_event(fake_kjo):
    fake_kjo.script([{"stderr": "cannot reach the cluster"}], exit=3)
    event = asyncio.run(_first_event(trigger()))
    assert event.payload["status"] == "error" and event.payload["exit_code"] == 3


def test_cancel_leaves_the_run_alone(fake_kjo, tmp_path):
    marker = tmp_path / "terminated"
    fake_kjo.script(
        [{"type": "status", "resource": "Job/j", "state": "Running"}, {"sleep": 60}],
        on_term={"events": [{"touch": str(marker)}], "exit": 143},
    )

    async def scenario():
        task = asyncio.ensure_future(_first_event(trigger()))
        await asyncio.sleep(1.5)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"

    assert asyncio.run(scenario()) == "cancelled"
    assert not marker.exists(), "kjo attach got SIGTERM (it would delete the run); it must be SIGKILLed"


def test_on_kill_cleans_up_the_run(fake_kjo):
    fake_kjo.script([{"raw": "deleted Job/j"}])
    asyncio.run(trigger().on_kill())
    assert fake_kjo.calls()[0] == ["cleanup", "--run-id=r1", "--namespace=ns", "--kubeconfig=/k"]
