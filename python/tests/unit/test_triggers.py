"""KjoRunTrigger with a fake kjo: the event, cancellation, on_kill."""

import asyncio

from airflow_kjo.triggers import KjoRunTrigger

from tests.conftest import result_event


def trigger():
    return KjoRunTrigger(run_id="r1", namespace="ns", connection={"config_file": "/k"}, kjo_env={"KJO_SHOW_RUNNER_ID": "true"})


def test_serialize_round_trip():
    path, kwargs = trigger().serialize()
    assert path == "airflow_kjo.triggers.KjoRunTrigger"
    again = KjoRunTrigger(**kwargs)
    assert again.serialize() == (path, kwargs)


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
