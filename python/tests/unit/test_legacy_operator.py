"""KubernetesLegacyJobOperator against KubernetesPodOperator 10.x and the original 2.0.14:
every argument is mapped onto the Job, accepted as having no effect (with a
warning naming it), or rejected when the DAG is parsed (an error naming it)."""

import inspect
import json
import logging

import pytest

from airflow_kjo import KubernetesLegacyJobOperator
from airflow_kjo._compat import AirflowException, AirflowSkipException
from airflow_kjo.events import EventRelay
from airflow_kjo.kjo_args import run_args
from airflow_kjo.legacy_operator import NO_EFFECT_ARGS, REJECTED_ARGS, base_container_exit_code, reconcile_pods

#: KubernetesPodOperator.__init__ of apache-airflow-providers-cncf-kubernetes 10.25.0, in order.
POD_OPERATOR_ARGUMENTS = """
kubernetes_conn_id namespace image name random_name_suffix cmds arguments ports volume_mounts volumes env_vars
env_from secrets in_cluster cluster_context labels reattach_on_restart durable startup_timeout_seconds
startup_check_interval_seconds schedule_timeout_seconds get_logs base_container_name
base_container_status_polling_interval init_container_logs container_logs image_pull_policy annotations
container_resources affinity config_file runtime_class_name node_selector image_pull_secrets service_account_name
automount_service_account_token hostnetwork host_aliases tolerations security_context container_security_context
xcom_sidecar_container_security_context dnspolicy dns_config hostname subdomain schedulername full_pod_spec
init_containers log_events_on_failure log_events_on_startup do_xcom_push pod_template_file pod_template_dict
priority_class_name pod_runtime_info_envs termination_grace_period configmaps skip_on_exit_code deferrable
poll_interval log_pod_spec_on_failure on_finish_action on_kill_action is_delete_operator_pod
termination_message_policy active_deadline_seconds callbacks progress_callback logging_interval trigger_kwargs
container_name_log_prefix_enabled log_formatter
""".split()

#: KubernetesLegacyJobOperator.__init__ of airflow_kubernetes_job_operator 2.0.14 (the original).
ORIGINAL_LEGACY_ARGUMENTS = """
namespace image name random_name_suffix cmds arguments ports volume_mounts volumes env_vars env_from secrets
in_cluster cluster_context labels reattach_on_restart startup_timeout_seconds get_logs image_pull_policy annotations
container_resources affinity config_file node_selector image_pull_secrets service_account_name is_delete_operator_pod
hostnetwork tolerations security_context container_security_context dnspolicy schedulername full_pod_spec
init_containers log_events_on_failure do_xcom_push pod_template_file priority_class_name pod_runtime_info_envs
termination_grace_period configmaps body body_filepath delete_policy validate_body_on_init enable_jinja
jinja_job_args on_kube_api_event parse_xcom_event
""".split()


def accepted_names():
    own = set(inspect.signature(KubernetesLegacyJobOperator.__init__).parameters)
    base = set(inspect.signature(KubernetesLegacyJobOperator.__mro__[1].__init__).parameters)
    from airflow_kjo._compat import BaseOperator

    operator = set(inspect.signature(BaseOperator.__init__).parameters)
    return own | base | operator | set(NO_EFFECT_ARGS) | set(REJECTED_ARGS)


@pytest.mark.parametrize("argument", sorted(set(POD_OPERATOR_ARGUMENTS) | set(ORIGINAL_LEGACY_ARGUMENTS)))
def test_every_argument_is_known(argument):
    assert argument in accepted_names()


def job(**kwargs):
    kwargs.setdefault("image", "ubuntu")
    task = KubernetesLegacyJobOperator(task_id="t", **kwargs)
    body = task.job_body()
    return task, body, body["spec"]["template"]["spec"]


@pytest.mark.parametrize(
    "kwargs, where, expected",
    [
        ({"hostname": "h1"}, "hostname", "h1"),
        ({"subdomain": "s"}, "subdomain", "s"),
        ({"dns_config": {"nameservers": ["1.1.1.1"]}}, "dnsConfig", {"nameservers": ["1.1.1.1"]}),
        ({"host_aliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}]}, "hostAliases", [{"ip": "10.0.0.1", "hostnames": ["db"]}]),
        ({"runtime_class_name": "gvisor"}, "runtimeClassName", "gvisor"),
        ({"automount_service_account_token": False}, "automountServiceAccountToken", False),
        ({"hostnetwork": True}, "hostNetwork", True),
        ({"dnspolicy": "ClusterFirst"}, "dnsPolicy", "ClusterFirst"),
        ({"schedulername": "sched"}, "schedulerName", "sched"),
        ({"priority_class_name": "high"}, "priorityClassName", "high"),
        ({"termination_grace_period": 5}, "terminationGracePeriodSeconds", 5),
        ({"service_account_name": "sa"}, "serviceAccountName", "sa"),
        ({"node_selector": {"a": "b"}}, "nodeSelector", {"a": "b"}),
        ({"tolerations": [{"key": "k", "operator": "Exists"}]}, "tolerations", [{"key": "k", "operator": "Exists"}]),
        ({"affinity": {"nodeAffinity": {}}}, "affinity", {"nodeAffinity": {}}),
        ({"security_context": {"runAsUser": 1000}}, "securityContext", {"runAsUser": 1000}),
        ({"volumes": [{"name": "v", "emptyDir": {}}]}, "volumes", [{"name": "v", "emptyDir": {}}]),
        ({"init_containers": [{"name": "init", "image": "busybox"}]}, "initContainers", [{"name": "init", "image": "busybox"}]),
    ],
)
def test_pod_spec_arguments(kwargs, where, expected):
    _, _, spec = job(**kwargs)
    assert spec[where] == expected


@pytest.mark.parametrize(
    "kwargs, where, expected",
    [
        ({"cmds": ["sh"]}, "command", ["sh"]),
        ({"arguments": ["-c", "x"]}, "args", ["-c", "x"]),
        ({"image_pull_policy": "Never"}, "imagePullPolicy", "Never"),
        ({"ports": [{"containerPort": 80}]}, "ports", [{"containerPort": 80}]),
        ({"volume_mounts": [{"name": "v", "mountPath": "/v"}]}, "volumeMounts", [{"name": "v", "mountPath": "/v"}]),
        ({"env_vars": {"A": 1}}, "env", [{"name": "A", "value": "1"}]),
        ({"env_from": [{"secretRef": {"name": "s"}}]}, "envFrom", [{"secretRef": {"name": "s"}}]),
        ({"configmaps": ["cm"]}, "envFrom", [{"configMapRef": {"name": "cm"}}]),
        ({"container_resources": {"limits": {"cpu": "1"}}}, "resources", {"limits": {"cpu": "1"}}),
        ({"container_security_context": {"privileged": False}}, "securityContext", {"privileged": False}),
        ({"termination_message_policy": "FallbackToLogsOnError"}, "terminationMessagePolicy", "FallbackToLogsOnError"),
        ({"base_container_name": "main"}, "name", "main"),
    ],
)
def test_container_arguments(kwargs, where, expected):
    _, _, spec = job(**kwargs)
    assert spec["containers"][0][where] == expected


def test_active_deadline_seconds_is_the_jobs():
    _, body, spec = job(active_deadline_seconds=30)
    assert body["spec"]["activeDeadlineSeconds"] == 30 and "activeDeadlineSeconds" not in spec


def test_annotations_labels_name_namespace_and_cluster_arguments():
    task, body, _ = job(annotations={"a": "1"}, labels={"l": "v"}, name="my-pod", namespace="ns", random_name_suffix=False,
                        kubernetes_conn_id="conn", in_cluster=True, cluster_context="c", config_file=None)
    assert body["spec"]["template"]["metadata"]["annotations"] == {"a": "1"}
    args = run_args(task.build_run_request(None))
    assert {"--label=l=v", "--name-prefix=my-pod", "--namespace=ns", "--random-name-postfix-length=0"} <= set(args)
    assert (task.hook.kubernetes_conn_id, task.hook.in_cluster, task.hook.cluster_context) == ("conn", True, "c")


def test_pod_template_file_dict_and_full_pod_spec_are_reconciled(tmp_path):
    template = tmp_path / "pod.yaml"
    template.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-file\n  labels: {t: file}\n"
        "spec:\n  containers:\n  - name: base\n    image: file-image\n    env: [{name: F, value: f}]\n"
        "  volumes: [{name: vf, emptyDir: {}}]\n"
    )
    task, body, spec = job(image=None, pod_template_file=str(template), env_vars={"A": "a"}, cmds=["run"],
                           full_pod_spec={"spec": {"nodeSelector": {"x": "y"}, "containers": [{"name": "base", "args": ["1"]}]}})
    container = spec["containers"][0]
    assert container["image"] == "file-image" and container["command"] == ["run"] and container["args"] == ["1"]
    assert container["env"] == [{"name": "F", "value": "f"}, {"name": "A", "value": "a"}]
    assert spec["nodeSelector"] == {"x": "y"} and spec["volumes"] == [{"name": "vf", "emptyDir": {}}]
    assert body["spec"]["template"]["metadata"]["labels"] == {"t": "file"}
    assert task.build_run_request(None).name_prefix == "from-file"  # the template's pod name, as the original did
    _, _, spec = job(pod_template_dict={"spec": {"containers": [{"name": "base", "image": "d"}], "hostname": "hd"}})
    assert spec["containers"][0]["image"] == "ubuntu" and spec["hostname"] == "hd"


def test_reconcile_pods_like_the_provider():
    merged = reconcile_pods(
        {"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "base", "image": "a", "env": [{"name": "X"}]}]}},
        {"metadata": {"labels": {"b": "2"}}, "spec": {"containers": [{"name": "base", "env": [{"name": "Y"}]}]}},
    )
    assert merged["metadata"]["labels"] == {"a": "1", "b": "2"}
    assert merged["spec"]["containers"] == [{"name": "base", "image": "a", "env": [{"name": "X"}, {"name": "Y"}]}]


def test_delete_arguments():
    assert job(is_delete_operator_pod=True)[0].delete_policy == "IfSucceeded"  # the original's meaning
    assert job(is_delete_operator_pod=False)[0].delete_policy == "Never"
    for action, policy in [("delete_pod", "Always"), ("delete_succeeded_pod", "IfSucceeded"), ("keep_pod", "Never")]:
        assert job(on_finish_action=action)[0].delete_policy == policy
    with pytest.raises(ValueError, match="on_finish_action"):
        job(on_finish_action="explode")
    with pytest.raises(ValueError, match="on_kill_action"):
        job(on_kill_action="explode")


def test_timeouts_and_reattach():
    assert job(startup_timeout_seconds=30)[0].startup_timeout_seconds == 30
    # The provider waits schedule_timeout_seconds to be scheduled, then startup_timeout_seconds to start.
    assert job(startup_timeout_seconds=30, schedule_timeout_seconds=60)[0].startup_timeout_seconds == 90
    assert job(reattach_on_restart=False)[0].reattach is False
    assert job(durable=False, reattach_on_restart=True)[0].reattach is False


def test_rejected_argument_fails_at_parse_time_naming_it():
    with pytest.raises(ValueError, match="'callbacks' is not supported"):
        job(callbacks=[object])


def test_no_effect_arguments_warn_naming_them(caplog):
    with caplog.at_level(logging.WARNING):
        job(poll_interval=10, logging_interval=5, trigger_kwargs={"x": 1}, log_events_on_failure=True)
    text = caplog.text
    for name in ("poll_interval", "logging_interval", "trigger_kwargs", "log_events_on_failure"):
        assert f"{name}=" in text and "has no effect" in text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        job(poll_interval=2)  # the provider's default: nothing to say
    assert "has no effect" not in caplog.text


class Log:
    def __init__(self):
        self.lines = []

    def log(self, level, message, *args):
        self.lines.append(message % args if args else message)

    info = error = warning = lambda self, message, *args: self.lines.append(message % args if args else message)


def failed_relay(summary):
    relay = EventRelay(log=Log())
    relay.handle({"type": "result", "state": "Failed", "exitCode": 1, "reason": "BackoffLimitExceeded", "summary": summary})
    return relay


def test_skip_on_exit_code_skips_the_task():
    task, _, _ = job(skip_on_exit_code=[3, 4])
    with pytest.raises(AirflowSkipException, match="exited with code 3"):
        task._raise_for_result(failed_relay(["pod p: container base exited with code 3"]), 1)
    with pytest.raises(AirflowException) as error:
        task._raise_for_result(failed_relay(["pod p: container base exited with code 1"]), 1)
    assert not isinstance(error.value, AirflowSkipException)
    assert base_container_exit_code({"summary": ["pod p: main: terminated, exit code 7 (Error)"]}, "main") == 7


def test_container_logs_and_log_options():
    task, _, _ = job()
    assert task._relay_options()["log_containers"] == ["base"]
    assert job(container_logs=True)[0]._relay_options()["log_containers"] is None
    assert job(container_logs=["base", "side"])[0]._relay_options()["log_containers"] == ["base", "side"]
    task, _, _ = job(init_container_logs=True, init_containers=[{"name": "init", "image": "i"}],
                     container_name_log_prefix_enabled=False, progress_callback=print)
    options = task._relay_options()
    assert options["log_containers"] == ["base", "init"] and options["log_prefix"] is False
    assert options["progress_callback"] is print


def test_on_kill_action_keep_pod_kills_kjo_without_cleanup():
    class Process:
        returncode = None
        stopped = killed = False

        def stop(self):
            self.stopped = True

        def kill(self):
            self.killed = True
            self.returncode = -9

    process = Process()
    job(on_kill_action="keep_pod")[0]._stop_kjo(process)
    assert process.killed and not process.stopped
    process = Process()
    job()[0]._stop_kjo(process)
    assert process.stopped and not process.killed


def test_original_body_arguments_keep_the_body():
    task = KubernetesLegacyJobOperator(task_id="b", body={"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
        {"name": "main", "image": "busybox"}]}}, validate_body_on_init=False)
    body, image = task.build_body()
    assert json.loads(body)["kind"] == "Pod" and image is None


def test_validate_body_on_init_builds_with_the_subclass_attributes_set(fake_kjo):
    fake_kjo.script([{"stderr": "ok"}], exit=0)
    KubernetesLegacyJobOperator(task_id="v", image="ubuntu", env_vars={"A": "1"}, validate_body_on_init=True,
                                enable_jinja=False)
    argv = fake_kjo.calls()[0]
    body = json.loads(fake_kjo.files_of(argv)["--body-file"]["text"])
    assert body[0]["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "A", "value": "1"}]


def test_validate_body_on_init_with_a_jinja_string_body_is_refused():
    with pytest.raises(ValueError, match="l: validate_body_on_init=True needs enable_jinja=False"):
        KubernetesLegacyJobOperator(task_id="l", body="kind: Job", validate_body_on_init=True)


class WithTeam(KubernetesLegacyJobOperator):
    """A user's subclass that adds to the legacy arguments after super().__init__."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.env_vars = {**(self.env_vars or {}), "TEAM": "data"}


def test_a_subclass_of_the_legacy_operator_is_validated_with_what_it_sets_after_super_init(fake_kjo):
    fake_kjo.script([], exit=0)
    WithTeam(task_id="w", image="ubuntu", env_vars={"A": "1"}, validate_body_on_init=True, enable_jinja=False)
    calls = fake_kjo.calls()
    assert len(calls) == 1 and calls[0][0] == "render"
    body = json.loads(fake_kjo.files_of(calls[0])["--body-file"]["text"])
    env = body[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "A", "value": "1"}, {"name": "TEAM", "value": "data"}]


def test_pod_template_file_relative_to_the_dags_template_searchpath(tmp_path):
    from datetime import datetime

    from airflow_kjo._compat import AIRFLOW_MAJOR

    if AIRFLOW_MAJOR >= 3:
        from airflow.sdk import DAG
    else:  # pragma: no cover
        from airflow import DAG

    (tmp_path / "pods").mkdir()
    (tmp_path / "pods" / "pod.yaml").write_text("spec:\n  containers:\n  - name: base\n    image: from-template\n")
    with DAG(dag_id="t", schedule=None, start_date=datetime(2024, 1, 1), template_searchpath=str(tmp_path)):
        task = KubernetesLegacyJobOperator(task_id="p", pod_template_file="pods/pod.yaml")
    assert task.pod_template_file == str(tmp_path / "pods" / "pod.yaml")
    assert task.job_body()["spec"]["template"]["spec"]["containers"][0]["image"] == "from-template"
