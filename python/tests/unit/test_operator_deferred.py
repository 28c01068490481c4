"""The deferred side of KubernetesJobOperator: completing from a kjo serve trigger event (no log
replay), the execution timeout, and a deferral that timed out."""

from datetime import timedelta
from typing import Any, Dict, List, Tuple

import pytest

from airflow_kjo import KubernetesJobOperator
from airflow_kjo._compat import AIRFLOW_MAJOR, AirflowException
from airflow_kjo.kjo_args import run_args

from tests.conftest import result_event


class FakeTI:
    dag_id, task_id, run_id, map_index, try_number = "d", "t", "manual__1", -1, 1

    def __init__(self, pulled: Dict[str, Any] = None) -> None:
        self.pushed: Dict[str, Any] = {}
        self.pulls: List[Tuple[str, Dict[str, Any]]] = []
        self.pulled = pulled or {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value

    def xcom_pull(self, key: str, **kwargs: Any) -> Any:
        self.pulls.append((key, kwargs))
        return self.pulled.get(key)


def serve_event(state="Succeeded", code=0, **extra):
    return {
        "status": "done", "run_id": "r1", "namespace": "ns", "state": state, "exit_code": code,
        "reason": None, "message": None, "summary": [], "resources": ["Job/j"], "xcom": {"a": 1, "b": 2},
        "api_events": [
            {"type": "api_event", "name": "xcom", "value": '{"a": 1}', "parsed": {"a": 1}, "pod": "p", "container": "c"},
            {"type": "api_event", "name": "progress", "value": "50", "pod": "p", "container": "c"},
        ],
        "followed": "serve", **extra,
    }


def test_execution_timeout_becomes_kjo_execution_timeout_and_active_deadline():
    op = KubernetesJobOperator(task_id="t", image="busybox", execution_timeout=timedelta(minutes=2))
    request = op.build_run_request(None)
    args = run_args(request)
    assert "--execution-timeout=120" in args and "--active-deadline=120" in args
    request.detach = True  # a detached run is followed elsewhere: only the Job's own deadline
    args = run_args(request)
    assert "--execution-timeout=120" not in args and "--active-deadline=120" in args
    plain = run_args(KubernetesJobOperator(task_id="u", image="busybox").build_run_request(None))
    assert not [a for a in plain if a.startswith(("--execution-timeout", "--active-deadline"))]


def test_complete_from_a_serve_event_replays_no_log_and_applies_the_delete_policy(fake_kjo):
    fake_kjo.script([result_event()])
    seen = []
    op = KubernetesJobOperator(
        task_id="t", image="busybox", on_kube_api_event=lambda event, context: seen.append((event.name, event.value))
    )
    ti = FakeTI()
    returned = op.execute_complete({"ti": ti}, serve_event())
    assert returned == {"a": 1, "b": 2}  # from the api events, and the rest of kjo's merged XCom
    assert ti.pushed == {"a": 1, "b": 2, "kjo_run_id": "r1", "kjo_namespace": "ns", "kjo_resources": ["Job/j"]}
    assert seen == [("xcom", '{"a": 1}'), ("progress", "50")]
    (attach,) = fake_kjo.calls()
    assert attach[:2] == ["attach", "--run-id=r1"]
    assert "--no-logs" in attach and "--delete-policy=IfSucceeded" in attach and "--namespace=ns" in attach


def test_complete_with_policy_never_starts_no_kjo_and_a_failed_run_fails_the_task(fake_kjo):
    op = KubernetesJobOperator(task_id="t", image="busybox", delete_policy="Never")
    with pytest.raises(AirflowException, match="BackoffLimitExceeded"):
        op.execute_complete({"ti": FakeTI()}, serve_event("Failed", 1, reason="BackoffLimitExceeded"))
    assert fake_kjo.calls() == []


def test_a_trigger_that_lost_the_run_falls_back_to_attach_with_logs(fake_kjo):
    fake_kjo.script([{"type": "log", "pod": "p", "container": "c", "line": "hi"}, result_event()])
    op = KubernetesJobOperator(task_id="t", image="busybox", startup_timeout_seconds=600)
    op.execute_complete({"ti": FakeTI()}, serve_event(status="error", state="Error", code=3))
    (attach,) = fake_kjo.calls()
    assert "--no-logs" not in attach and "--startup-timeout=600" in attach


@pytest.mark.parametrize("policy, deletes", [("IfFailed", True), ("Never", False)])
def test_a_deferral_timeout_ends_the_run_as_timed_out_per_its_policy(fake_kjo, policy, deletes):
    fake_kjo.script([result_event("TimedOut", 1, reason="ExecutionTimeout")], exit=1)
    op = KubernetesJobOperator(task_id="t", image="busybox", delete_policy=policy)
    ti = FakeTI({"kjo_run_id": "r1", "kjo_namespace": "ns"})
    error = "Trigger timeout" if AIRFLOW_MAJOR >= 3 else "Trigger/execution timeout"
    with pytest.raises(Exception) as raised:
        op.resume_execution("__fail__", {"error": error}, {"ti": ti})
    assert type(raised.value).__name__ in ("TaskDeferralTimeout", "TaskDeferralError")
    calls = fake_kjo.calls()
    if deletes:
        (attach,) = calls
        assert attach[:2] == ["attach", "--run-id=r1"]
        assert "--delete-policy=IfFailed" in attach and "--execution-timeout=1" in attach and "--no-logs" in attach
    else:
        assert calls == []  # nothing to delete; the Job's activeDeadlineSeconds stops it
    assert ti.pulls[0] == ("kjo_run_id", {"task_ids": "t"})


def test_another_trigger_failure_leaves_the_run_alone(fake_kjo):
    op = KubernetesJobOperator(task_id="t", image="busybox", delete_policy="Always")
    with pytest.raises(Exception):
        op.resume_execution("__fail__", {"error": "the trigger crashed"}, {"ti": FakeTI({"kjo_run_id": "r1"})})
    assert fake_kjo.calls() == []
