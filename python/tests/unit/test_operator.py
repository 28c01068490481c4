"""The operators in-process: arguments, Jinja, the kjo request, the legacy Job body."""

import inspect
import json
from datetime import datetime
from pathlib import Path

import pytest

from airflow_kjo import KubernetesJobOperator, KubernetesLegacyJobOperator
from airflow_kjo._compat import AIRFLOW_MAJOR
from airflow_kjo.kjo_args import run_args

if AIRFLOW_MAJOR >= 3:
    from airflow.sdk import DAG
else:  # pragma: no cover
    from airflow import DAG

EVERY_ORIGINAL_ARGUMENT = [
    "command", "arguments", "image", "namespace", "name_prefix", "name_postfix", "random_name_postfix_length",
    "envs", "labels", "body", "body_filepath", "image_pull_policy", "image_pull_secrets", "delete_policy",
    "in_cluster", "config_file", "get_logs", "cluster_context", "startup_timeout_seconds",
    "validate_body_on_init", "enable_jinja", "jinja_job_args", "on_kube_api_event", "parse_xcom_event",
    "mount_files_from_secret",
]


class FakeTI:
    dag_id, task_id, run_id, map_index, try_number = "d", "t", "manual__1", -1, 2


def dag(**kwargs):
    return DAG(dag_id="unit", schedule=None, start_date=datetime(2024, 1, 1), **kwargs)


def test_takes_every_original_argument():
    import inspect

    params = inspect.signature(KubernetesJobOperator.__init__).parameters
    assert [a for a in EVERY_ORIGINAL_ARGUMENT if a not in params] == []


def test_needs_a_body_source():
    with pytest.raises(ValueError, match="give one of body, body_filepath or image"):
        KubernetesJobOperator(task_id="nothing")


def test_rejects_bad_delete_policy():
    with pytest.raises(ValueError, match="delete_policy"):
        KubernetesJobOperator(task_id="x", image="i", delete_policy="Sometimes")


def test_template_fields_and_ext():
    for name in ["command", "arguments", "image", "envs", "body", "namespace", "config_file", "cluster_context",
                 "kubernetes_conn_id"]:
        assert name in KubernetesJobOperator.template_fields
    # Only the body file is a template file (read when the task is built), no other field.
    assert tuple(KubernetesJobOperator.template_ext) == ()


def test_a_command_naming_a_yaml_file_is_not_taken_for_a_template(tmp_path):
    with dag(template_searchpath=[str(tmp_path)]) as d:
        task = KubernetesJobOperator(task_id="cfg", image="app", command=["app", "--config", "/etc/app/config.yaml"],
                                     arguments=["settings.json"], envs={"F": "x.yml"})
    d.resolve_template_files() if hasattr(d, "resolve_template_files") else task.resolve_template_files()
    task.render_template_fields({"ds": "2024-01-01"})
    assert task.command == ["app", "--config", "/etc/app/config.yaml"] and task.arguments == ["settings.json"]
    assert task.envs == {"F": "x.yml"}


def test_body_filepath_relative_to_dag_file_and_rendered(tmp_path):
    (tmp_path / "templates").mkdir()
    body = tmp_path / "templates" / "job.yaml"
    body.write_text("metadata:\n  name: {{ job.name }}-{{ ds }}\n")
    with dag(template_searchpath=[str(tmp_path)]):
        task = KubernetesJobOperator(
            task_id="file", body_filepath="templates/job.yaml", jinja_job_args={"name": "n1"}, envs={"D": "{{ ds }}"}
        )
    assert task.body_filepath == str(body)
    task.render_template_fields({"ds": "2024-01-01"})
    assert task.body.strip() == "metadata:\n  name: n1-2024-01-01"
    assert task.envs == {"D": "2024-01-01"}


def test_body_filepath_relative_to_calling_file():
    here = Path(__file__).parent
    (here / "_job_for_test.yaml").write_text("kind: Job\n")
    try:
        task = KubernetesJobOperator(task_id="rel", body_filepath="_job_for_test.yaml")
        assert task.body == "kind: Job\n"
    finally:
        (here / "_job_for_test.yaml").unlink()


def test_body_path_given_as_body(tmp_path):
    (tmp_path / "b.json").write_text('{"kind": "Pod"}')
    task = KubernetesJobOperator(task_id="p", body=str(tmp_path / "b.json"))
    assert task.body.strip() == '{"kind": "Pod"}'


def test_enable_jinja_false_leaves_templates_alone():
    with dag():
        task = KubernetesJobOperator(task_id="raw", body="a: '{{ ds }}'", enable_jinja=False, command=["{{ ds }}"])
    task.render_template_fields({"ds": "2024-01-01"})
    assert task.body == "a: '{{ ds }}'" and task.command == ["{{ ds }}"]


def test_request_carries_identity_and_try_number(monkeypatch):
    task = KubernetesJobOperator(
        task_id="t", image="busybox", command=["sh", "-c", "echo"], labels={"a": "b"}, delete_policy="Never"
    )
    request = task.build_run_request({"ti": FakeTI()})
    args = run_args(request)
    assert "--label=kjo/try-number=2" in args and "--label=a=b" in args
    assert "--identity-label=kjo/dag-id=d" in args and "--identity-label=kjo/task-id=t" in args
    assert "--reattach" in args and "--delete-policy=Never" in args and "--name-prefix=t" in args
    assert "--kind=Job" in args


def test_image_with_body_overrides_the_main_container():
    task = KubernetesJobOperator(
        task_id="t",
        image="new:1",
        body={"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "m", "image": "old"}]}},
    )
    body, image = task.build_body()
    assert image is None and json.loads(body)[0]["spec"]["containers"][0]["image"] == "new:1"


def test_config_defaults_apply(monkeypatch):
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DELETE_POLICY", "Never")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__STARTUP_TIMEOUT_SECONDS", "45")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DEFERRABLE", "True")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DEFAULT_EXECUTION_OBJECT", "Pod")
    task = KubernetesJobOperator(task_id="t", image="i")
    assert (task.delete_policy, task.startup_timeout_seconds, task.deferrable) == ("Never", 45, True)
    assert task.build_run_request(None).kind == "Pod"
    assert KubernetesJobOperator(task_id="t2", image="i", delete_policy="Always", deferrable=False).deferrable is False


def test_validate_body_on_init_with_jinja_string_is_refused():
    with pytest.raises(ValueError, match="validate_body_on_init=True needs enable_jinja=False"):
        KubernetesJobOperator(task_id="t", body="kind: Job", validate_body_on_init=True)


def test_validate_body_on_init_reports_kjo_errors(fake_kjo):
    fake_kjo.script([{"stderr": "kjo: document 1 (Pod): apiVersion: is required"}], exit=2)
    with pytest.raises(ValueError, match="apiVersion: is required"):
        KubernetesJobOperator(task_id="t", body={"kind": "Pod"}, validate_body_on_init=True)
    assert fake_kjo.calls()[0][:3] == ["render", "-o", "json"]


def test_legacy_builds_a_job_from_pod_operator_arguments():
    """The common KubernetesPodOperator arguments, mapped onto the Job and kjo's flags."""
    task = KubernetesLegacyJobOperator(
        task_id="legacy",
        name="legacy-pod",
        namespace="jobs",
        image="ubuntu",
        cmds=["bash", "-c"],
        arguments=["echo $A"],
        env_vars={"A": "1"},
        labels={"l": "v"},
        annotations={"note": "x"},
        image_pull_policy="IfNotPresent",
        image_pull_secrets="s1, s2",
        startup_timeout_seconds=60,
        get_logs=False,
        on_finish_action="delete_succeeded_pod",
        node_selector={"disk": "ssd"},
        tolerations=[{"key": "k", "operator": "Exists"}],
        container_resources={"limits": {"cpu": "1"}},
        service_account_name="runner",
        config_file="/k",
        cluster_context="ctx",
        in_cluster=False,
        log_events_on_failure=True,
        kubernetes_conn_id="k8s",
    )
    job = task.job_body()
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert job["kind"] == "Job" and pod["restartPolicy"] == "Never"
    assert container["image"] == "ubuntu" and container["env"] == [{"name": "A", "value": "1"}]
    assert container["name"] == "base" and container["command"] == ["bash", "-c"] and container["args"] == ["echo $A"]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["resources"] == {"limits": {"cpu": "1"}}
    assert pod["nodeSelector"] == {"disk": "ssd"} and pod["serviceAccountName"] == "runner"
    assert job["spec"]["template"]["metadata"]["annotations"] == {"note": "x"}
    args = run_args(task.build_run_request({"ti": FakeTI()}))
    for expected in [
        "--namespace=jobs", "--name-prefix=legacy-pod",
        "--label=l=v", "--image-pull-secret=s1", "--image-pull-secret=s2",
        "--delete-policy=IfSucceeded", "--no-logs", "--startup-timeout=60",
    ]:
        assert expected in args, expected
    assert not any(a.startswith(("--image=", "--command", "--arg")) for a in args)
    assert task.cmds == ["bash", "-c"]
    hook = task.hook
    assert (hook.kubernetes_conn_id, hook.config_file, hook.cluster_context, hook.in_cluster) == ("k8s", "/k", "ctx", False)


def test_legacy_delete_mapping():
    # is_delete_operator_pod keeps the original's meaning: True deletes a succeeded Job only.
    assert KubernetesLegacyJobOperator(task_id="a", image="i", is_delete_operator_pod=True).delete_policy == "IfSucceeded"
    assert KubernetesLegacyJobOperator(task_id="a2", image="i", on_finish_action="delete_pod").delete_policy == "Always"
    assert (
        KubernetesLegacyJobOperator(task_id="a3", image="i", on_finish_action="delete_active_pod").delete_policy == "Never"
    )
    assert KubernetesLegacyJobOperator(task_id="b", image="i", is_delete_operator_pod=False).delete_policy == "Never"
    assert KubernetesLegacyJobOperator(task_id="c", image="i", on_finish_action="keep_pod").delete_policy == "Never"
    assert (
        KubernetesLegacyJobOperator(task_id="d", image="i", on_finish_action="keep_pod", delete_policy="Always").delete_policy
        == "Always"
    )
    assert KubernetesLegacyJobOperator(task_id="e", image="i", random_name_suffix=False).random_name_postfix_length == 0


def test_legacy_accepts_kubernetes_client_models():
    class V1EnvVar:  # the shape of kubernetes.client models
        openapi_types = {"name": "str", "value": "str", "value_from": "V1EnvVarSource"}
        attribute_map = {"name": "name", "value": "value", "value_from": "valueFrom"}

        def __init__(self, name, value=None, value_from=None):
            self.name, self.value, self.value_from = name, value, value_from

    class Secret:
        def __init__(self, deploy_type, deploy_target, secret, key=None):
            self.deploy_type, self.deploy_target, self.secret, self.key, self.items = deploy_type, deploy_target, secret, key, None

    task = KubernetesLegacyJobOperator(
        task_id="m",
        image="i",
        env_vars=[V1EnvVar("A", "1"), V1EnvVar("B", value_from={"fieldRef": {"fieldPath": "metadata.name"}})],
        secrets=[Secret("env", "TOKEN", "creds", "token"), Secret("volume", "/etc/creds", "creds")],
    )
    container = task.job_body()["spec"]["template"]["spec"]["containers"][0]
    assert container["env"][:2] == [
        {"name": "A", "value": "1"},
        {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    assert container["env"][2] == {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}
    assert container["volumeMounts"][0]["mountPath"] == "/etc/creds"


def test_logged_command_cuts_long_values():
    from airflow_kjo.operator import _short_command

    text = _short_command(["kjo", "run", "--label=a=" + "x" * 1000])
    assert "(1010 chars)" in text and len(text) < 300


# ------------------------------------------- subclasses and __init__ order


def recording_subclass(base):
    """A subclass of ``base`` overriding every method and property of the operator
    classes it inherits, recording each call with whether its own ``__init__``
    (which sets ``built`` after ``super().__init__``) had finished."""
    calls = []
    namespace = {}
    for klass in reversed(base.__mro__[: base.__mro__.index(KubernetesJobOperator) + 1]):
        for name, member in vars(klass).items():
            if name.startswith("__"):
                continue
            if inspect.isfunction(member):
                def method(self, *args, _name=name, **kwargs):
                    calls.append((_name, self.__dict__.get("built", False)))
                    return getattr(super(recording, self), _name)(*args, **kwargs)

                namespace[name] = method
            elif isinstance(member, property):
                def getter(self, _name=name):
                    calls.append((_name, self.__dict__.get("built", False)))
                    return getattr(super(recording, self), _name)

                namespace[name] = property(getter)

    def __init__(self, **kwargs):
        super(recording, self).__init__(**kwargs)
        self.built = True

    namespace["__init__"] = __init__
    recording = type(base)(f"Recording{base.__name__}", (base,), namespace)
    return recording, calls


@pytest.mark.parametrize(
    "base, kwargs",
    [
        (KubernetesJobOperator, {"body": {"apiVersion": "v1", "kind": "Pod"}}),
        (KubernetesLegacyJobOperator, {"image": "ubuntu", "env_vars": {"A": "1"}}),
    ],
    ids=["KubernetesJobOperator", "KubernetesLegacyJobOperator"],
)
def test_init_calls_no_method_a_subclass_overrides(fake_kjo, base, kwargs):
    fake_kjo.script([], exit=0)
    recording, calls = recording_subclass(base)
    task = recording(task_id="r", validate_body_on_init=True, enable_jinja=False, **kwargs)
    assert task.built
    assert [name for name, built in calls if not built] == []
    # The checks of the built task did run, through the subclass's overrides.
    assert ("validate_body", True) in calls and ("build_body", True) in calls
    assert [argv[0] for argv in fake_kjo.calls()] == ["render"]


class Greeting(KubernetesJobOperator):
    """Builds its own body from an attribute it sets after super().__init__."""

    def __init__(self, *, greeting, **kwargs):
        super().__init__(**kwargs)
        self.greeting = greeting

    def _builds_own_body(self):
        return True

    def build_body(self, context=None):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "g"},
               "spec": {"containers": [{"name": "main", "image": "busybox", "args": [self.greeting]}]}}
        return json.dumps([pod]), None


class LoudGreeting(Greeting):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.greeting = self.greeting.upper()


def test_subclass_setting_its_attributes_after_super_init_is_validated_with_them(fake_kjo):
    fake_kjo.script([], exit=0)
    task = Greeting(task_id="g", greeting="hi", validate_body_on_init=True)
    argv = fake_kjo.calls()[0]
    assert argv[:3] == ["render", "-o", "json"]
    body = json.loads(fake_kjo.files_of(argv)["--body-file"]["text"])
    assert body[0]["spec"]["containers"][0]["args"] == ["hi"]
    assert "_kjo_init_depth" not in vars(task)  # nothing of the check stays on the task


def test_a_deeper_subclass_is_validated_once_when_its_own_init_returns(fake_kjo):
    fake_kjo.script([], exit=0)
    LoudGreeting(task_id="g", greeting="hi", validate_body_on_init=True)
    calls = fake_kjo.calls()
    assert len(calls) == 1
    body = json.loads(fake_kjo.files_of(calls[0])["--body-file"]["text"])
    assert body[0]["spec"]["containers"][0]["args"] == ["HI"]


def test_subclass_body_rejected_by_kjo_fails_the_task_at_parse_time(fake_kjo):
    fake_kjo.script([{"stderr": "kjo: document 1 (Pod): spec.containers[0].args: bad"}], exit=2)
    with pytest.raises(ValueError, match=r"g: invalid body: .*spec.containers\[0\].args: bad"):
        Greeting(task_id="g", greeting="hi", validate_body_on_init=True)


def test_validate_body_on_init_from_the_config_checks_a_subclass_body(fake_kjo, monkeypatch):
    fake_kjo.script([], exit=0)
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__VALIDATE_BODY_ON_INIT", "True")
    Greeting(task_id="g", greeting="hi")
    assert [argv[0] for argv in fake_kjo.calls()] == ["render"]
    # The config asks for it, not the task: a Jinja body is left for when the task runs.
    KubernetesJobOperator(task_id="t", body="kind: Job\nmetadata: {name: '{{ ds }}'}\n")
    assert len(fake_kjo.calls()) == 1
    Greeting(task_id="g2", greeting="hi", validate_body_on_init=False)
    assert len(fake_kjo.calls()) == 1


def test_a_subclass_that_builds_no_body_still_needs_a_body_source():
    class Plain(KubernetesJobOperator):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.extra = 1

    with pytest.raises(ValueError, match="p: give one of body, body_filepath or image"):
        Plain(task_id="p")
    assert Plain(task_id="p2", image="busybox").extra == 1


@pytest.mark.parametrize("operator", [KubernetesJobOperator, KubernetesLegacyJobOperator])
def test_partial_and_expand_take_the_arguments_of_every_init(operator):
    own = "envs" if operator is KubernetesJobOperator else "env_vars"
    with dag():
        operator.partial(task_id="m", image="busybox", **{own: {"A": "1"}}).expand(arguments=[["a"], ["b"]])
        with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
            operator.partial(task_id="bad", image="busybox", bogus=1)
