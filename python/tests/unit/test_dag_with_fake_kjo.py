"""Whole DAGs under ``dag.test()`` with a fake kjo printing canned events:
task logs, XCom to a downstream task (per key and the returned dict),
failures, deferral, lines kjo should never print, secrets kept off the
command line, a Connection with an inline kube config, on_kill. No cluster
needed.
"""

import json
from pathlib import Path
import os
import signal
import time

import pytest

from tests.conftest import DAG_IMPORTS, result_event

DAG_FILE = DAG_IMPORTS + """
from datetime import datetime, timedelta
from airflow_kjo import KubernetesJobOperator, KubernetesLegacyJobOperator

API_EVENTS = []

def record(event, context):  # as the original operator calls it
    API_EVENTS.append((event.name, event.value, context["ti"].task_id))
    print(f"API EVENT {event.name}={event.value} pod={event.line.pod_name} task={context['ti'].task_id}")

def check_pulled(ti):
    a = ti.xcom_pull(task_ids="ok", key="a")
    nested = ti.xcom_pull(task_ids="ok", key="nested")
    deferred = ti.xcom_pull(task_ids="deferred", key="d")
    whole = ti.xcom_pull(task_ids="ok")
    whole_deferred = ti.xcom_pull(task_ids="deferred")
    print(f"PULLED a={a!r} nested={nested!r} deferred={deferred!r} whole={whole!r} whole_deferred={whole_deferred!r}")
    assert a == 2 and nested == {"x": [1, 2]} and deferred == "yes"
    assert whole == {"a": 2, "nested": {"x": [1, 2]}} and whole_deferred == {"d": "yes"}

with DAG("fake_kjo_dag", schedule=None, start_date=datetime(2024, 1, 1), default_args={"retries": 0}) as dag:
    ok = KubernetesJobOperator(
        task_id="ok", image="busybox", command=["sh", "-c", "echo {{ ds }}"], on_kube_api_event=record
    )
    fails = KubernetesJobOperator(task_id="fails", image="busybox", command=["false"])
    deferred = KubernetesJobOperator(
        task_id="deferred", image="busybox", command=["true"], deferrable=True, startup_timeout_seconds=450
    )
    robust = KubernetesJobOperator(task_id="robust", image="busybox", command=["true"])
    secret = KubernetesJobOperator(
        task_id="secret", image="busybox", command=["true"], envs={"TOKEN": "s3cr3t-token-value", "PLAIN": "{{ ds }}"},
        body={"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [
            {"name": "main", "image": "busybox", "env": [{"name": "INLINE", "value": "b0dy-secret-value"}]}]}}}},
    )
    via_conn = KubernetesJobOperator(task_id="via_conn", image="busybox", command=["true"], kubernetes_conn_id="k8s_fake")
    via_conn_deferred = KubernetesJobOperator(
        task_id="via_conn_deferred", image="busybox", command=["true"], kubernetes_conn_id="k8s_fake", deferrable=True
    )
    templated = KubernetesJobOperator(
        task_id="templated", body_filepath="job.yaml", jinja_job_args={"greeting": "hola"}
    )
    legacy = KubernetesLegacyJobOperator(
        task_id="legacy", name="legacy-name", image="ubuntu", cmds=["bash", "-c"], arguments=["echo {{ ds }}"],
        env_vars={"A": "{{ ds }}"}, is_delete_operator_pod=False,
    )
    # Dynamic task mapping: Airflow builds each mapped task when it runs; validate_body_on_init
    # then builds the legacy Job from the subclass's own (mapped) arguments.
    mapped = KubernetesJobOperator.partial(task_id="mapped", image="busybox").expand(
        command=[["echo", "a"], ["echo", "b"]]
    )
    mapped_legacy = KubernetesLegacyJobOperator.partial(
        task_id="mapped_legacy", name="mapped-legacy", image="ubuntu", env_vars={"A": "1"},
        validate_body_on_init=True, enable_jinja=False,
    ).expand(arguments=[["x"], ["y"]])
    pull = PythonOperator(task_id="pull", python_callable=check_pulled)
    [ok, deferred] >> pull
    output = PythonOperator(task_id="output", python_callable=lambda value: print(f"OUTPUT {value!r}"), op_args=[ok.output])
"""

#: An inline kube config in a Connection, and how the fake kjo must receive it.
INLINE_KUBE_CONFIG = """apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {server: "https://127.0.0.1:1", certificate-authority-data: "Q0E="}
users:
- name: fake
  user: {token: "c0nn-token-value"}
contexts:
- name: fake-ctx
  context: {cluster: fake, user: fake}
current-context: fake-ctx
"""
CONNECTION = json.dumps({
    "conn_type": "kubernetes",
    "extra": {
        "kube_config": INLINE_KUBE_CONFIG,
        "extra__kubernetes__cluster_context": "fake-ctx",
        "namespace": "conn-ns",
        "disable_verify_ssl": "true",
    },
})

JOB_YAML = """apiVersion: batch/v1
kind: Job
metadata:
  name: t
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["sh", "-c", "echo {{ job.greeting }} {{ ds }}"]
"""


def log(line, pod="pod-1", container="main"):
    return {"type": "log", "pod": pod, "container": container, "line": line}


def api(name, value, parsed=None):
    event = {"type": "api_event", "name": name, "value": value, "pod": "pod-1", "container": "main"}
    if parsed is not None:
        event["parsed"] = parsed
    return event


SCRIPTS = {
    "ok": {
        "events": [
            {"type": "status", "resource": "Job/ok-1", "state": "Created"},
            log("hello from the pod"),
            {"stderr": "a line on kjo's stderr"},
            api("xcom", '{"a": 2, "nested": {"x": [1, 2]}}', {"a": 2, "nested": {"x": [1, 2]}}),
            api("progress", "50%"),
            log("bye"),
            result_event(xcom={"a": 2}, runId="run-ok", namespace="default"),
        ]
    },
    "fails": {
        "events": [
            log("something broke", "pod-f"),
            {"type": "status", "resource": "Job/fails-1", "state": "Failed", "reason": "BackoffLimitExceeded"},
            result_event(
                "Failed",
                1,
                reason="BackoffLimitExceeded",
                message="Job has reached the specified backoff limit",
                summary=["pod pod-f: container main exited with code 3", "last line: something broke"],
            ),
        ],
        "exit": 1,
    },
    "deferred": {
        "events": [
            {"type": "status", "resource": "Job/deferred-1", "state": "Created"},
            result_event("Submitted", 0, runId="run-deferred", namespace="ns-d"),
        ]
    },
    "run-deferred": {
        "by_subcommand": {
            "attach": {
                "events": [
                    log("deferred pod says hi", "pod-d"),
                    api("xcom", '{"d": "yes"}', {"d": "yes"}),
                    result_event(runId="run-deferred", namespace="ns-d"),
                ]
            }
        }
    },
    "robust": {
        "events": [
            {"raw": '{"type": "api_event", "name": "xcom", "value": "x", "parsed": ' + "[" * 30000 + "]" * 30000 + "}"},
            {"raw": "\u0000\u0001\u00ff binary garbage {"},
            log("still reading"),
            result_event(),
        ]
    },
    "secret": {"events": [log("the token is s3cr3t-token-value"), result_event()]},
    "via_conn": {"events": [result_event()]},
    "via_conn_deferred": {"events": [result_event("Submitted", 0, runId="run-conn", namespace="conn-ns")]},
    "run-conn": {"events": [result_event(runId="run-conn", namespace="conn-ns")]},
    "templated": {"events": [result_event()]},
    "legacy-name": {"events": [log("legacy ran"), result_event()]},
    "mapped": {"events": [result_event()]},
    "mapped-legacy": {"by_subcommand": {"render": {"events": [], "exit": 0}, "run": {"events": [result_event()]}}},
}


def calls_for(fake, key):
    return [c for c in fake.calls() if any(a in (f"--name-prefix={key}", f"--run-id={key}") for a in c)]


@pytest.fixture(scope="module")
def fake_dag_run(tmp_path_factory, migrated_db):
    from tests.conftest import DagRunner, FakeKjo

    base = tmp_path_factory.mktemp("fake-dag")
    fake = FakeKjo(base)
    fake.script_path.write_text(json.dumps({"by_task": SCRIPTS}))
    runner = DagRunner(base / "airflow", migrated_db)
    runner.write("fake_kjo_dag.py", DAG_FILE)
    runner.write("job.yaml", JOB_YAML)
    run = runner.run("fake_kjo_dag.py", "fake_kjo_dag", env={**fake.env(), "AIRFLOW_CONN_K8S_FAKE": CONNECTION})
    return run, fake


def test_log_lines_reach_the_task_log(fake_dag_run):
    run, _ = fake_dag_run
    assert run.task_state("ok") == "success", run.task_log("ok")[-3000:]
    text = run.task_log("ok")
    assert "pod-1/main | hello from the pod" in text
    assert "pod-1/main | bye" in text
    assert "Job/ok-1: Created" in text
    assert "kjo: a line on kjo's stderr" in text


def test_arguments_are_an_argument_list_with_no_templating(fake_dag_run):
    _, fake = fake_dag_run
    argv = calls_for(fake, "ok")[0]
    assert argv[:3] == ["run", "-o", "jsonl"] and "--no-templating" in argv
    assert "--command=echo 2024-01-01" in argv  # Jinja ran in Airflow
    assert "--identity-label=kjo/task-id=ok" in argv and "--reattach" in argv
    assert "--label=kjo/try-number=1" in argv


def test_xcom_and_api_events(fake_dag_run):
    run, _ = fake_dag_run
    assert {k: v for k, v in run.xcom("ok").items() if k in ("a", "nested")} == {"a": 2, "nested": {"x": [1, 2]}}
    assert run.task_state("pull") == "success", run.task_log("pull")[-3000:]
    assert "PULLED a=2 nested={'x': [1, 2]} deferred='yes'" in run.log
    assert "API EVENT xcom=" in run.task_log("ok") and "API EVENT progress=50% pod=pod-1 task=ok" in run.task_log("ok")


def test_the_task_returns_its_xcom_dict_and_names_the_run(fake_dag_run):
    run, _ = fake_dag_run
    xcom = run.xcom("ok")
    assert xcom["return_value"] == {"a": 2, "nested": {"x": [1, 2]}}
    assert (xcom["kjo_run_id"], xcom["kjo_namespace"], xcom["kjo_resources"]) == ("run-ok", "default", ["Job/x"])
    assert run.xcom("deferred")["return_value"] == {"d": "yes"}
    assert run.task_state("output") == "success" and "OUTPUT {'a': 2, 'nested': {'x': [1, 2]}}" in run.log


def test_failure_raises_with_reason_and_summary(fake_dag_run):
    run, _ = fake_dag_run
    assert run.task_state("fails") == "failed"
    text = run.task_log("fails")
    assert "Task fails: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit" in text
    assert "pod pod-f: container main exited with code 3" in text
    assert "AirflowException" in text


def test_deferrable_submits_defers_and_completes(fake_dag_run):
    run, fake = fake_dag_run
    assert run.task_state("deferred") == "success", run.task_log("deferred")[-3000:]
    submit = calls_for(fake, "deferred")[0]
    assert "--detach" in submit
    serve_calls = Path(str(fake.calls_path) + ".serve").read_text().splitlines()
    follows = [json.loads(line)["request"] for line in serve_calls]
    follows = [r for r in follows if r.get("op") == "follow" and r["runId"] == "run-deferred"]
    assert len(follows) == 1, serve_calls  # the trigger, through kjo serve
    assert follows[0]["deletePolicy"] == "Never" and follows[0]["logs"] is True
    assert follows[0]["namespace"] == "ns-d"
    # The operator's startup timeout holds while deferred, as in the submit.
    assert "--startup-timeout=450" in submit and follows[0]["startupTimeoutSeconds"] == 450
    # execute_complete replays no log: it only applies the delete policy.
    (attach,) = calls_for(fake, "run-deferred")
    assert attach[:2] == ["attach", "--run-id=run-deferred"]
    assert "--delete-policy=IfSucceeded" in attach and "--no-logs" in attach and "--namespace=ns-d" in attach
    assert "pod-d/main | deferred pod says hi" in run.task_log("deferred")  # written by the trigger
    # The run's XCom, and the run id and namespace pushed before deferring (a deferral timeout needs them).
    xcom = run.xcom("deferred")
    assert xcom["d"] == "yes" and xcom["kjo_run_id"] == "run-deferred" and xcom["kjo_namespace"] == "ns-d"


def test_lines_that_are_not_events_are_logged_and_reading_goes_on(fake_dag_run):
    run, _ = fake_dag_run
    assert run.task_state("robust") == "success", run.task_log("robust")[-3000:]
    text = run.task_log("robust")
    assert "kjo printed a line that is not an event (nested too deeply to parse)" in text
    assert "kjo printed a line that is not an event (not JSON" in text and "binary garbage" in text
    assert "pod-1/main | still reading" in text


def test_secrets_never_reach_the_command_line(fake_dag_run):
    run, fake = fake_dag_run
    assert run.task_state("secret") == "success", run.task_log("secret")[-3000:]
    argv = calls_for(fake, "secret")[0]
    assert not any("s3cr3t-token-value" in a or "b0dy-secret-value" in a for a in argv), argv
    files = fake.files_of(argv)
    assert json.loads(files["--env-file"]["text"]) == {"TOKEN": "s3cr3t-token-value", "PLAIN": "2024-01-01"}
    assert "b0dy-secret-value" in files["--body-file"]["text"]
    assert files["--env-file"]["mode"] == files["--body-file"]["mode"] == "0o600"
    assert not os.path.exists(files["--env-file"]["path"]) and not os.path.exists(files["--body-file"]["path"])
    assert "s3cr3t-token-value" not in next(line for line in run.task_log("secret").splitlines() if "running: " in line)


def test_connection_reaches_kjo_as_a_private_kube_config_file(fake_dag_run):
    run, fake = fake_dag_run
    for task_id, key in [("via_conn", "via_conn"), ("via_conn_deferred", "via_conn_deferred"),
                         ("via_conn_deferred", "run-conn")]:
        assert run.task_state(task_id) == "success", run.task_log(task_id)[-3000:]
        for argv in calls_for(fake, key):
            assert not any("c0nn-token-value" in a for a in argv), argv
            assert "--context=fake-ctx" in argv and "--namespace=conn-ns" in argv, argv
            kube = fake.files_of(argv)["--kubeconfig"]
            assert kube["mode"] == "0o600" and not os.path.exists(kube["path"])
            config = json.loads(kube["text"])
            assert config["users"][0]["user"]["token"] == "c0nn-token-value"
            cluster = config["clusters"][0]["cluster"]  # disable_verify_ssl, written into the cluster entry
            assert cluster["insecure-skip-tls-verify"] is True and "certificate-authority-data" not in cluster
    # execute_complete's attach; the trigger carries the connection id, not the credentials, and
    # resolved them itself into a private kube config named in its kjo serve follow
    assert len(calls_for(fake, "run-conn")) == 1
    serve_calls = [json.loads(line) for line in Path(str(fake.calls_path) + ".serve").read_text().splitlines()]
    (follow,) = [c for c in serve_calls if c["request"].get("runId") == "run-conn"]
    assert "c0nn-token-value" not in json.dumps(follow["request"])
    assert follow["request"]["cluster"]["context"] == "fake-ctx"
    assert follow["kubeconfig"]["mode"] == "0o600" and "c0nn-token-value" in follow["kubeconfig"]["text"]
    assert not os.path.exists(follow["request"]["cluster"]["kubeconfig"])


def test_body_file_rendered_by_airflow_jinja(fake_dag_run):
    run, fake = fake_dag_run
    assert run.task_state("templated") == "success", run.task_log("templated")[-3000:]
    argv = calls_for(fake, "templated")[0]
    body = fake.files_of(argv)["--body-file"]["text"]
    assert 'echo hola 2024-01-01' in body and "{{" not in body


def test_legacy_operator_arguments(fake_dag_run):
    run, fake = fake_dag_run
    assert run.task_state("legacy") == "success", run.task_log("legacy")[-3000:]
    argv = calls_for(fake, "legacy-name")[0]
    body = json.loads(fake.files_of(argv)["--body-file"]["text"])
    container = body[0]["spec"]["template"]["spec"]["containers"][0]
    assert body[0]["kind"] == "Job" and container["env"] == [{"name": "A", "value": "2024-01-01"}]
    assert container["command"] == ["bash", "-c"] and container["args"] == ["echo 2024-01-01"]
    assert "--delete-policy=Never" in argv and not any(a.startswith("--command") for a in argv)


def test_mapped_tasks_run_one_kjo_each_and_validate_the_body_they_build(fake_dag_run):
    run, fake = fake_dag_run
    for task in ("mapped[0]", "mapped[1]", "mapped_legacy[0]", "mapped_legacy[1]"):
        assert run.task_state(task) == "success", run.log[-6000:]
    commands = sorted([a for a in c if a.startswith("--command=")] for c in calls_for(fake, "mapped") if c[0] == "run")
    assert commands == [["--command=echo", "--command=a"], ["--command=echo", "--command=b"]]

    def args_of(argv):
        body = json.loads(fake.files_of(argv)["--body-file"]["text"])
        container = body[0]["spec"]["template"]["spec"]["containers"][0]
        assert container["env"] == [{"name": "A", "value": "1"}]
        return container["args"]

    legacy = calls_for(fake, "mapped-legacy")
    assert sorted(args_of(c) for c in legacy if c[0] == "run") == [["x"], ["y"]]
    # Each mapped task, built from its own arguments, had its Job checked by kjo render.
    assert sorted({tuple(args_of(c)) for c in legacy if c[0] == "render"}) == [("x",), ("y",)]


KILL_DAG = DAG_IMPORTS + """
from datetime import datetime
from airflow_kjo import KubernetesJobOperator

with DAG("fake_kill_dag", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    KubernetesJobOperator(task_id="killed", image="busybox", command=["sleep", "60"])
"""


def test_on_kill_stops_kjo_and_waits(dag_runner, fake_kjo):
    fake_kjo.script(
        [log("started"), {"sleep": 120}],
        on_term={
            "delay": 1.0,
            "events": [
                {"type": "status", "resource": "Job/killed-1", "state": "Deleted"},
                result_event("Interrupted", 143, reason="SIGTERM", message="interrupted by SIGTERM; the run's resources were deleted"),
            ],
            "exit": 143,
        },
    )
    dag_runner.write("kill_dag.py", KILL_DAG)
    process = dag_runner.start("kill_dag.py", "fake_kill_dag", env=fake_kjo.env())
    deadline = time.monotonic() + 120
    while not fake_kjo.calls() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert fake_kjo.calls(), "the task never started kjo"
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGTERM)  # what the supervisor does to a task being killed
    run = dag_runner.finish(process, "fake_kill_dag", timeout=120)
    assert run.task_state("killed") == "failed", run.log[-4000:]
    text = run.task_log("killed")
    assert "task killed: stopping kjo" in text
    assert "kjo exited with code 143" in text
    assert "Job/killed-1: Deleted" in text
    assert "Interrupted (SIGTERM)" in text
