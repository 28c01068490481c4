"""Real DAGs under ``dag.test()`` against the local cluster, with the real kjo
(the bundle, run by the PyPI deno).

One DAG holds most cases (each task checked by its own test): an image task,
a Jinja-rendered body file, a multi-resource body, XCom to a PythonOperator,
a failing task, each delete policy on success and on failure, a secret file,
a deferrable task and the legacy operator. on_kill and the retry that
reattaches run their own DAGs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time

import pytest

from tests.cluster.conftest import KUBECONFIG, cleanup_dag, kubectl, objects, wait_for
from tests.conftest import DAG_IMPORTS

POLICIES = ["Always", "Never", "IfFailed", "IfSucceeded"]

BASICS_DAG = DAG_IMPORTS + '''
from datetime import datetime, timedelta
from airflow_kjo import KubernetesJobOperator, KubernetesLegacyJobOperator

TOKEN = "{token}"
KUBECONFIG = "{kubeconfig}"

def check_xcom(ti):
    values = {{k: ti.xcom_pull(task_ids="xcom_push", key=k) for k in ("count", "items", "who")}}
    print(f"PULLED {{values}}")
    assert values == {{"count": 3, "items": ["a", "b"], "who": "pod"}}, values

default_args = {{"retries": 0, "config_file": KUBECONFIG}}
with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1), default_args=default_args, params={{"token": TOKEN}}) as dag:
    KubernetesJobOperator(
        task_id="image_ok",
        image="busybox",
        command=["sh", "-c", "echo hello {{{{ ds }}}}; echo second line"],
        delete_policy="Always",
    )
    KubernetesJobOperator(
        task_id="body_file",
        body_filepath="bodies/job.yaml",
        jinja_job_args={{"greeting": "hola"}},
        envs={{"RUN_DS": "{{{{ ds }}}}"}},
        delete_policy="Always",
    )
    KubernetesJobOperator(
        task_id="multi",
        body_filepath="bodies/multi.yaml",
        random_name_postfix_length=0,
        name_postfix=TOKEN,
        delete_policy="Always",
    )
    push = KubernetesJobOperator(
        task_id="xcom_push",
        image="busybox",
        command=["sh", "-c", """echo '::kube_api:xcom={{"count": 3, "items": ["a", "b"]}}'; echo '::kube_api:xcom={{"who": "pod"}}'"""],
        delete_policy="Always",
    )
    push >> PythonOperator(task_id="xcom_pull", python_callable=check_xcom)
    KubernetesJobOperator(
        task_id="fails",
        image="busybox",
        command=["sh", "-c", "echo about to fail; exit 3"],
        delete_policy="Always",
    )
    for policy in {policies!r}:
        KubernetesJobOperator(task_id=f"policy_{{policy}}_ok", image="busybox", command=["true"], delete_policy=policy)
        KubernetesJobOperator(task_id=f"policy_{{policy}}_fail", image="busybox", command=["false"], delete_policy=policy)
    KubernetesJobOperator(
        task_id="secret_file",
        image="busybox",
        command=["sh", "-c", "echo secret: $(cat /etc/kjo/token)"],
        mount_files_from_secret={{"{secret}": {{"token": "/etc/kjo/token"}}}},
        delete_policy="Always",
    )
    KubernetesJobOperator(
        task_id="deferred",
        image="busybox",
        command=["sh", "-c", "echo deferred start; sleep 3; echo '::kube_api:xcom={{\\"deferred\\": true}}'; echo deferred end"],
        deferrable=True,
        delete_policy="Always",
    )
    KubernetesLegacyJobOperator(
        task_id="legacy",
        name="legacy-{{{{ ds_nodash }}}}",
        namespace="default",
        image="ubuntu",
        cmds=["sh", "-c"],
        arguments=["echo legacy says $GREETING"],
        env_vars={{"GREETING": "hello {{{{ ds }}}}"}},
        labels={{"origin": "pod-operator"}},
        image_pull_policy="IfNotPresent",
        startup_timeout_seconds=60,
        get_logs=True,
        on_finish_action="keep_pod",
        in_cluster=False,
        cluster_context=None,
    )
'''

JOB_YAML = """apiVersion: batch/v1
kind: Job
metadata:
  name: templated
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["sh", "-c", "echo {{ job.greeting }} for {{ ds }}; echo env $RUN_DS"]
"""

MULTI_YAML = """apiVersion: batch/v1
kind: Job
metadata:
  name: reader
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        app: reader
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["sh", "-c", "echo message: $(cat /config/message); echo resources: $KUBERNETES_JOB_OPERATOR_RESOURCES"]
          volumeMounts:
            - name: config
              mountPath: /config
      volumes:
        - name: config
          configMap:
            name: multi-greeting-{{ params.token }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
data:
  message: hello from a ConfigMap
---
apiVersion: v1
kind: Service
metadata:
  name: reader
spec:
  selector:
    app: reader
  ports:
    - port: 8080
      targetPort: 8080
"""


@pytest.fixture(scope="module")
def basics(cluster, token, tmp_path_factory, migrated_db):
    from tests.conftest import DagRunner

    dag_id = f"kjo_basics_{token}"
    secret = f"kjo-test-secret-{token}"
    kubectl("create", "secret", "generic", secret, "-n", "default", "--from-literal=token=s3cret-value")
    kubectl("label", "secret", secret, "-n", "default", f"kjo/dag-id={dag_id}")
    runner = DagRunner(tmp_path_factory.mktemp("basics") / "airflow", migrated_db)
    runner.write(
        "basics.py",
        BASICS_DAG.format(token=token, kubeconfig=KUBECONFIG, dag_id=dag_id, policies=POLICIES, secret=secret),
    )
    runner.write("bodies/job.yaml", JOB_YAML)
    runner.write("bodies/multi.yaml", MULTI_YAML)
    started = time.monotonic()
    run = runner.run("basics.py", dag_id, timeout=900)
    run.seconds = time.monotonic() - started
    yield run, dag_id
    cleanup_dag(dag_id)


def _task_objects(dag_id: str, task_id: str, kinds: str = "jobs") -> list:
    return objects(kinds, f"kjo/dag-id={dag_id},kjo/task-id={task_id}")


def test_image_task_succeeds_with_its_lines_in_the_task_log(basics):
    run, _ = basics
    assert run.task_state("image_ok") == "success", run.task_log("image_ok")[-4000:]
    text = run.task_log("image_ok")
    assert "/main | hello 2024-01-01" in text and "/main | second line" in text


def test_body_file_rendered_with_jinja(basics):
    run, _ = basics
    assert run.task_state("body_file") == "success", run.task_log("body_file")[-4000:]
    text = run.task_log("body_file")
    assert "| hola for 2024-01-01" in text and "| env 2024-01-01" in text


def test_multi_resource_body(basics):
    run, dag_id = basics
    assert run.task_state("multi") == "success", run.task_log("multi")[-4000:]
    text = run.task_log("multi")
    assert "| message: hello from a ConfigMap" in text
    resources = [line for line in text.splitlines() if "| resources: " in line][0]
    assert "multi-reader-" in resources and "multi-greeting-" in resources
    assert _task_objects(dag_id, "multi", "jobs,configmaps,services") == []  # Always


def test_xcom_pushed_by_the_pod_pulled_downstream(basics):
    run, _ = basics
    assert run.task_state("xcom_push") == "success", run.task_log("xcom_push")[-4000:]
    xcom = run.xcom("xcom_push")
    assert {k: xcom[k] for k in ("count", "items", "who")} == {"count": 3, "items": ["a", "b"], "who": "pod"}
    assert xcom["return_value"] == {"count": 3, "items": ["a", "b"], "who": "pod"}
    assert run.task_state("xcom_pull") == "success", run.task_log("xcom_pull")[-4000:]


def test_failing_task_raises_with_the_reason(basics):
    run, _ = basics
    assert run.task_state("fails") == "failed"
    text = run.task_log("fails")
    assert "AirflowException" in text
    assert "Task fails: Failed (BackoffLimitExceeded)" in text
    assert "exit code 3" in text and "| about to fail" in text


@pytest.mark.parametrize("policy", POLICIES)
def test_delete_policy(basics, policy):
    run, dag_id = basics
    assert run.task_state(f"policy_{policy}_ok") == "success"
    assert run.task_state(f"policy_{policy}_fail") == "failed"
    kept_ok = bool(_task_objects(dag_id, f"policy_{policy}_ok"))
    kept_fail = bool(_task_objects(dag_id, f"policy_{policy}_fail"))
    expected = {
        "Always": (False, False),
        "Never": (True, True),
        "IfFailed": (True, False),
        "IfSucceeded": (False, True),
    }[policy]
    assert (kept_ok, kept_fail) == expected, f"{policy}: (succeeded kept, failed kept) = {(kept_ok, kept_fail)}"


def test_mount_files_from_secret(basics):
    run, _ = basics
    assert run.task_state("secret_file") == "success", run.task_log("secret_file")[-4000:]
    assert "| secret: s3cret-value" in run.task_log("secret_file")


def test_deferrable_run_to_completion(basics):
    run, dag_id = basics
    text = run.task_log("deferred")
    assert run.task_state("deferred") == "success", text[-4000:]
    assert "deferring until it ends" in text and "running trigger in line" in text
    assert "| deferred start" in text and "| deferred end" in text
    xcom = run.xcom("deferred")
    assert xcom["deferred"] is True and xcom["return_value"] == {"deferred": True}
    assert xcom["kjo_run_id"] and xcom["kjo_namespace"] == "default"  # pushed before deferring, too
    assert _task_objects(dag_id, "deferred", "jobs,pods") == []  # the delete policy ran


def test_legacy_operator_with_pod_operator_arguments(basics):
    run, dag_id = basics
    assert run.task_state("legacy") == "success", run.task_log("legacy")[-4000:]
    assert "| legacy says hello 2024-01-01" in run.task_log("legacy")
    jobs = _task_objects(dag_id, "legacy")  # keep_pod: still there
    assert len(jobs) == 1
    job = jobs[0]
    assert job["metadata"]["name"].startswith("legacy-20240101-")
    assert job["metadata"]["labels"]["origin"] == "pod-operator"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ubuntu" and container["imagePullPolicy"] == "IfNotPresent"
    assert container["command"] == ["sh", "-c"] and container["args"] == ["echo legacy says $GREETING"]


KILL_DAG = DAG_IMPORTS + '''
from datetime import datetime
from airflow_kjo import KubernetesJobOperator

with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    KubernetesJobOperator(
        task_id="long",
        body="""
apiVersion: batch/v1
kind: Job
metadata:
  name: long
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["sh", "-c", "echo started; sleep 300"]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
data:
  a: b
""",
        config_file="{kubeconfig}",
        delete_policy="Never",
    )
'''


def test_on_kill_leaves_nothing_behind(cluster, token, dag_runner):
    dag_id = f"kjo_kill_{token}"
    dag_runner.write("kill.py", KILL_DAG.format(dag_id=dag_id, kubeconfig=KUBECONFIG))
    process = dag_runner.start("kill.py", dag_id)
    try:
        selector = f"kjo/dag-id={dag_id}"
        wait_for(
            lambda: any(p["status"].get("phase") == "Running" for p in objects("pods", selector)),
            timeout=120,
            what="the task's pod to run",
        )
        assert objects("configmaps", selector), "the second resource was not created"
        os.kill(process.pid, signal.SIGTERM)  # the supervisor's way of killing a task
        run = dag_runner.finish(process, dag_id, timeout=180)
        assert run.task_state("long") == "failed", run.log[-4000:]
        text = run.task_log("long")
        assert "task killed: stopping kjo" in text and "kjo exited with code 143" in text
        wait_for(lambda: not objects("jobs,pods,configmaps", selector), timeout=60, what="the run's resources to go")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        cleanup_dag(dag_id)


RETRY_DAG = DAG_IMPORTS + '''
from datetime import datetime, timedelta
from airflow_kjo import KubernetesJobOperator
from airflow_kjo.kjo_args import run_args


class CrashesOnFirstTry(KubernetesJobOperator):
    """Try 1 starts the run, then dies like a worker would (kjo SIGKILLed, the run left alive)."""

    def execute(self, context):
        if context["ti"].try_number == 1:
            request = self.build_run_request(context)
            with self.hook.kjo_process(run_args(request), body=request.body, envs=request.envs) as process:
                for event in process.events():
                    if event.get("type") == "log":
                        self.log.info("first try saw: %s", event["line"])
                        break
                process.kill()
            raise RuntimeError(f"simulated worker crash; run {{request.run_id}} left running")
        return super().execute(context)


with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    CrashesOnFirstTry(
        task_id="resumable",
        image="busybox",
        command=["sh", "-c", "echo line one; sleep 6; echo line two"],
        config_file="{kubeconfig}",
        delete_policy="Never",
        retries=1,
        retry_delay=timedelta(seconds=0),
    )
'''


def test_retry_reattaches_to_the_live_run(cluster, token, dag_runner):
    dag_id = f"kjo_retry_{token}"
    dag_runner.write("retry.py", RETRY_DAG.format(dag_id=dag_id, kubeconfig=KUBECONFIG))
    try:
        run = dag_runner.run("retry.py", dag_id, timeout=600)
        text = run.task_log("resumable")
        assert run.task_state("resumable") == "success", text[-5000:]
        assert run.try_number("resumable") == 2
        assert "first try saw: line one" in text and "simulated worker crash" in text
        assert "| line two" in text
        first_run = re.search(r"simulated worker crash; run (\w+) left running", text).group(1)
        assert f"Succeeded: Job/" in text and f"(run {first_run})" in text, "try 2 did not follow try 1's run"
        jobs = objects("jobs", f"kjo/dag-id={dag_id}")
        assert len(jobs) == 1, f"the retry started a second run: {[j['metadata']['name'] for j in jobs]}"
        assert jobs[0]["metadata"]["labels"]["kjo/try-number"] == "1"  # the first try's run, reattached
    finally:
        cleanup_dag(dag_id)
