"""A DAG written for the original airflow_kubernetes_job_operator 2.0.14 keeps working:
its import paths, and each of its KubernetesJobOperator arguments with the
meaning its signature and README give it."""

import inspect
import json

import pytest

from airflow_kjo import KubernetesJobOperator, KubernetesLegacyJobOperator
from airflow_kjo.kjo_args import render_args, run_args


class FakeTI:
    dag_id, task_id, run_id, map_index, try_number = "d", "t", "manual__1", -1, 1


def test_original_import_paths():
    from airflow_kubernetes_job_operator import JobRunnerDeletePolicy, resolve_relative_path
    from airflow_kubernetes_job_operator import KubernetesJobOperator as Top
    from airflow_kubernetes_job_operator.exceptions import KubernetesJobOperatorException
    from airflow_kubernetes_job_operator.job_runner import JobRunnerDeletePolicy as FromRunner
    from airflow_kubernetes_job_operator.kubernetes_job_operator import KubeLogApiEvent, xcom_value_parser
    from airflow_kubernetes_job_operator.kubernetes_job_operator import KubernetesJobOperator as Original
    from airflow_kubernetes_job_operator.kubernetes_legacy_job_operator import KubernetesLegacyJobOperator as Legacy

    assert Original is KubernetesJobOperator and Top is KubernetesJobOperator and Legacy is KubernetesLegacyJobOperator
    assert FromRunner is JobRunnerDeletePolicy and str(JobRunnerDeletePolicy.IfFailed) == "IfFailed"
    assert xcom_value_parser('{"a": 1}') == {"a": 1} and KubeLogApiEvent.__name__ == "KubeApiEvent"
    from airflow_kjo._compat import AirflowException

    assert issubclass(KubernetesJobOperatorException, AirflowException)
    assert resolve_relative_path("x.yaml").endswith("/tests/unit/x.yaml")
    from airflow_kubernetes_job_operator.kube_api import KubeLogApiEvent as FromKubeApi
    from airflow_kubernetes_job_operator.kube_api import KubeResourceState

    assert FromKubeApi is KubeLogApiEvent and str(KubeResourceState.Failed) == "Failed"


#: The original's KubernetesJobOperator.__init__ (2.0.14) with its defaults (config-driven ones as None).
ORIGINAL_SIGNATURE = {
    "task_id": inspect.Parameter.empty, "command": None, "arguments": None, "image": None, "name_prefix": None,
    "name_postfix": None, "random_name_postfix_length": 8, "namespace": None, "envs": None, "body": None,
    "body_filepath": None, "image_pull_policy": None, "image_pull_secrets": None, "delete_policy": None,
    "in_cluster": None, "config_file": None, "get_logs": True, "cluster_context": None,
    "startup_timeout_seconds": None, "validate_body_on_init": None, "enable_jinja": True, "jinja_job_args": None,
    "on_kube_api_event": None, "parse_xcom_event": "xcom_value_parser", "labels": None,
    "mount_files_from_secret": None,
}


@pytest.mark.parametrize("name", sorted(ORIGINAL_SIGNATURE))
def test_each_original_argument_exists_with_its_default(name):
    params = inspect.signature(KubernetesJobOperator.__init__).parameters
    assert name in params
    default = ORIGINAL_SIGNATURE[name]
    if default == "xcom_value_parser":
        assert params[name].default.__name__ == "xcom_value_parser"
    elif default is not inspect.Parameter.empty:
        assert params[name].default == default


def argv_for(**kwargs):
    kwargs.setdefault("image", "busybox")
    task = KubernetesJobOperator(task_id="t", **kwargs)
    request = task.build_run_request({"ti": FakeTI()})
    return task, request, run_args(request)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"command": ["sh", "-c", "x"]}, ["--command=sh", "--command=-c", "--command=x"]),
        ({"arguments": ["-v"]}, ["--arg=-v"]),
        ({"image": "ubuntu:22.04"}, ["--image=ubuntu:22.04"]),
        ({"name_prefix": "pre"}, ["--name-prefix=pre"]),
        ({"name_postfix": "post"}, ["--name-postfix=post"]),
        ({"random_name_postfix_length": 0}, ["--random-name-postfix-length=0"]),
        ({"namespace": "ns"}, ["--namespace=ns"]),
        ({"labels": {"team": "x"}}, ["--label=team=x"]),
        ({"image_pull_policy": "Always"}, ["--image-pull-policy=Always"]),
        ({"image_pull_secrets": ["reg"]}, ["--image-pull-secret=reg"]),
        ({"delete_policy": "IfFailed"}, ["--delete-policy=IfFailed"]),
        ({"get_logs": False}, ["--no-logs"]),
        ({"startup_timeout_seconds": 10}, ["--startup-timeout=10"]),
        ({"mount_files_from_secret": {"s": {"k": "/etc/k"}}}, ["--secret-file=s:k=/etc/k"]),
        ({"parse_xcom_event": lambda raw: {"raw": raw}}, ["--no-parse-xcom"]),
    ],
)
def test_original_argument_reaches_kjo(kwargs, expected):
    _, _, args = argv_for(**kwargs)
    for flag in expected:
        assert flag in args


def test_name_prefix_defaults_to_the_task_id_and_delete_policy_takes_the_enum():
    from airflow_kubernetes_job_operator import JobRunnerDeletePolicy

    assert "--name-prefix=t" in argv_for()[2]
    task, _, args = argv_for(delete_policy=JobRunnerDeletePolicy.Never)
    assert task.delete_policy == "Never" and "--delete-policy=Never" in args


def test_envs_and_body_go_to_kjo_in_files():
    task, request, args = argv_for(envs={"A": "1"}, body={"apiVersion": "v1", "kind": "Pod"}, image=None)
    assert request.envs == {"A": "1"} and json.loads(request.body) == {"apiVersion": "v1", "kind": "Pod"}
    assert not any(a.startswith(("--env", "--body")) for a in args)


def test_cluster_arguments_go_to_the_hook():
    task, _, _ = argv_for(in_cluster=False, config_file="/k", cluster_context="ctx")
    hook = task.hook
    assert (hook.in_cluster, hook.config_file, hook.cluster_context, hook.kubernetes_conn_id) == (
        False, "/k", "ctx", "kubernetes_default")


def test_jinja_arguments(tmp_path):
    task = KubernetesJobOperator(task_id="j", body="a: '{{ job.x }} {{ ds }}'\n", jinja_job_args={"x": "y"})
    task.render_template_fields({"ds": "2024-01-01"})
    assert task.body.strip() == "a: 'y 2024-01-01'"
    off = KubernetesJobOperator(task_id="k", body="a: '{{ ds }}'\n", enable_jinja=False)
    off.render_template_fields({"ds": "2024-01-01"})
    assert "{{ ds }}" in off.body


def test_body_filepath_and_validate_body_on_init(tmp_path, fake_kjo):
    path = tmp_path / "job.yaml"
    path.write_text("apiVersion: batch/v1\nkind: Job\n")
    task = KubernetesJobOperator(task_id="f", body_filepath=str(path), enable_jinja=False, validate_body_on_init=True)
    assert task.body.startswith("apiVersion: batch/v1")
    argv = fake_kjo.calls()[0]
    assert argv[:3] == render_args(task.build_run_request(None))[:3]
    assert fake_kjo.files_of(argv)["--body-file"]["text"].startswith("apiVersion: batch/v1")


def test_on_kube_api_event_is_called_with_event_and_context():
    from airflow_kjo.events import EventRelay

    seen = []

    class Log:
        def log(self, *args):
            pass

    relay = EventRelay(log=Log(), context={"c": 1}, on_kube_api_event=lambda event, context: seen.append((event, context)))
    relay.handle({"type": "api_event", "name": "progress", "value": "50", "pod": "p", "container": "main"})
    event, context = seen[0]
    assert (event.name, event.value, event.line.pod_name, context) == ("progress", "50", "p", {"c": 1})
