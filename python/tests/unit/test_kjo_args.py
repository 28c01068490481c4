"""Command lines and identity labels."""

import re

import pytest

from airflow_kjo.config import Settings, load_settings
from airflow_kjo.identity import identity_labels, sanitize_label_value
from airflow_kjo.kjo_args import RunRequest, attach_args, cleanup_args, render_args, run_args

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def test_run_args_image_request():
    request = RunRequest(
        image="busybox",
        kind="Job",
        command=["sh", "-c", "echo hi"],
        arguments=["-x", "--y"],
        namespace="jobs",
        name_prefix="my_task",
        name_postfix="p",
        random_name_postfix_length=0,
        envs={"A": 1, "B": "two words"},
        labels={"team": "data"},
        image_pull_policy="IfNotPresent",
        image_pull_secrets=["regcred"],
        secret_files={"creds": {"token": "/etc/creds/token"}},
        delete_policy="Always",
        get_logs=False,
        startup_timeout_seconds=30.0,
        show_timestamps=True,
        run_id="abc",
        identity_labels={"kjo/dag-id": "d"},
        reattach=True,
    )
    assert run_args(request) == [
        "run", "-o", "jsonl",
        "--image=busybox", "--kind=Job",
        "--command=sh", "--command=-c", "--command=echo hi",
        "--arg=-x", "--arg=--y",
        "--namespace=jobs", "--name-prefix=my_task", "--name-postfix=p", "--random-name-postfix-length=0",
        "--label=team=data",
        "--image-pull-policy=IfNotPresent", "--image-pull-secret=regcred",
        "--secret-file=creds:token=/etc/creds/token",
        "--run-id=abc", "--no-templating",
        "--identity-label=kjo/dag-id=d", "--reattach",
        "--delete-policy=Always", "--no-logs", "--startup-timeout=30", "--show-timestamps",
    ]
    # Env values and the cluster flags are never arguments here: KjoHook passes them in files.
    assert not any("two words" in a for a in run_args(request))


def test_body_is_never_an_argument_and_wins_over_image_flag():
    args = run_args(RunRequest(body='{"kind": "Pod", "secret": "s3cret-body"}', image="ignored"))
    assert not any("s3cret-body" in a for a in args)
    assert not any(a.startswith(("--image=", "--body")) for a in args)
    assert "--no-templating" in args


def test_detach_and_no_reattach_without_identity():
    args = run_args(RunRequest(body="x", reattach=True, detach=True))
    assert "--detach" in args and "--reattach" not in args


def test_render_attach_cleanup_args():
    assert render_args(RunRequest(body="x"))[:3] == ["render", "-o", "json"]
    assert attach_args(
        run_id="r1", namespace="ns", delete_policy="Never", get_logs=False
    ) == ["attach", "--run-id=r1", "-o", "jsonl", "--namespace=ns", "--delete-policy=Never", "--no-logs"]
    assert cleanup_args(run_id="r1", namespace=None) == ["cleanup", "--run-id=r1"]


def test_events_reach_kjo_as_flag_and_as_setting(monkeypatch):
    assert "--events=warnings" in run_args(RunRequest(image="busybox", events="warnings"))
    assert not any(a.startswith("--events") for a in run_args(RunRequest(image="busybox")))
    assert "--events=none" in attach_args(run_id="a", namespace=None, events="none")
    assert load_settings().kjo_environment()["KJO_EVENTS"] == "all"
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__EVENTS", "warnings")
    assert load_settings().kjo_environment()["KJO_EVENTS"] == "warnings"
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__EVENTS", "normal")
    with pytest.raises(ValueError, match=r"\[kubernetes_job_operator\] events: must be one of all, warnings, none"):
        load_settings()
    assert Settings(events="none").kjo_environment()["KJO_EVENTS"] == "none"


def test_sanitize_label_value():
    assert sanitize_label_value("etl_daily.v2") == "etl_daily.v2"
    for text in ["my dag/é", "-lead", "x" * 100, "__", "a" * 63 + "b"]:
        value = sanitize_label_value(text)
        assert LABEL_VALUE.match(value) and len(value) <= 63, (text, value)
    # different ids that clean up the same stay different
    assert sanitize_label_value("a b") != sanitize_label_value("a/b")


def test_identity_labels():
    labels = identity_labels(dag_id="etl", task_id="group.load", run_id="manual__2024-01-01T00:00:00+00:00", map_index=-1)
    assert labels["kjo/dag-id"] == "etl"
    assert labels["kjo/task-id"] == "group.load"
    assert labels["kjo/map-index"] == "none"
    assert len(labels["kjo/run-key"]) == 16
    other = identity_labels(dag_id="etl", task_id="group.load", run_id="manual__2024-01-02T00:00:00+00:00", map_index=3)
    assert other["kjo/run-key"] != labels["kjo/run-key"] and other["kjo/map-index"] == "3"
    assert all(LABEL_VALUE.match(v) for v in labels.values())
