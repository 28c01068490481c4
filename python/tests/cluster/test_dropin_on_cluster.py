"""Drop-in on the local cluster: a DAG written for the original operator
(airflow_kubernetes_job_operator 2.0.14) runs unchanged, and KubernetesPodOperator
tasks run as Jobs after only the class name changed; both reach the cluster
through an Airflow Connection alone (no KUBECONFIG, no ~/.kube/config). While
they run, ``ps`` shows none of the secrets (env values, the connection's kube
config)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.cluster.conftest import KUBECONFIG, cleanup_dag, objects
from tests.conftest import DAG_IMPORTS

#: Written as for the original package: only its imports, its arguments, its callback signature.
ORIGINAL_DAG = DAG_IMPORTS + '''
from datetime import datetime
from airflow_kubernetes_job_operator.kubernetes_job_operator import KubernetesJobOperator
from airflow_kubernetes_job_operator.kubernetes_legacy_job_operator import KubernetesLegacyJobOperator
from airflow_kubernetes_job_operator.job_runner import JobRunnerDeletePolicy

def on_event(event, context):
    print(f"ORIGINAL EVENT {{event.name}}={{event.value}} from {{event.line.pod_name}} task={{context['ti'].task_id}}")

def check(ti):
    whole = ti.xcom_pull(task_ids="from-image")
    rows = ti.xcom_pull(task_ids="from-image", key="rows")
    print(f"PULLED whole={{whole!r}} rows={{rows!r}}")
    assert whole == {{"rows": 42, "name": "original"}} and rows == 42

default_args = {{"owner": "tester", "start_date": datetime(2024, 1, 1), "retries": 0}}
dag = DAG("{dag_id}", default_args=default_args, description="Test base job operator", schedule=None)

job_task = KubernetesJobOperator(
    task_id="from-image",
    dag=dag,
    image="ubuntu",
    command=["bash", "-c", 'echo "all ok {{{{ ds }}}} $TOKEN_LEN"; sleep 4; echo \\'::kube_api:xcom={{"rows": 42, "name": "original"}}\\'; echo ::kube_api:progress=done'],
    envs={{"TOKEN": "{secret}", "TOKEN_LEN": "14"}},
    on_kube_api_event=on_event,
    delete_policy=JobRunnerDeletePolicy.Always,
)
job_task_from_body = KubernetesJobOperator(
    dag=dag,
    task_id="from-body",
    body={{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "from-body"}},
          "spec": {{"restartPolicy": "Never", "containers": [{{"name": "main", "image": "busybox",
                   "command": ["sh", "-c", "echo body ran"]}}]}}}},
    delete_policy="Always",
)
job_task_from_yaml = KubernetesJobOperator(dag=dag, task_id="from-yaml", body_filepath="./my_yaml_file.yaml",
                                           delete_policy="Always")
config_path = KubernetesJobOperator(
    dag=dag, task_id="config-path", image="busybox", command=["sh", "-c", "echo reading /etc/app/config.yaml"],
    delete_policy="Always",
)
legacy_job_task = KubernetesLegacyJobOperator(
    task_id="legacy-image-job",
    image="ubuntu",
    cmds=["bash", "-c", 'echo "legacy all ok"'],
    dag=dag,
    is_delete_operator_pod=True,
)
job_task >> PythonOperator(task_id="check", python_callable=check, dag=dag)
'''

MY_YAML = """apiVersion: batch/v1
kind: Job
metadata:
  name: test-job
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: job-executor
          image: ubuntu
          command: ["bash", "-c", "echo yaml ran for {{ ds }}"]
  backoffLimit: 0
"""

#: KubernetesPodOperator tasks as written for the provider; only the class name differs.
POD_OPERATOR_DAG = DAG_IMPORTS + '''
from datetime import datetime
from airflow_kjo import KubernetesLegacyJobOperator as KubernetesPodOperator

with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1), default_args={{"retries": 0}}) as dag:
    pod = KubernetesPodOperator(
        task_id="pod",
        kubernetes_conn_id="kubernetes_default",
        name="kpo-style",
        namespace="default",
        image="ubuntu",
        cmds=["bash", "-c"],
        arguments=["echo kpo says $GREETING on $(hostname); echo '::kube_api:xcom={{\\"from\\": \\"kpo\\"}}'"],
        env_vars={{"GREETING": "hello {{{{ ds }}}}"}},
        labels={{"origin": "kpo"}},
        annotations={{"note": "kept"}},
        container_resources={{"requests": {{"cpu": "10m"}}}},
        hostname="kpo-host",
        startup_timeout_seconds=120,
        get_logs=True,
        on_finish_action="keep_pod",
        do_xcom_push=True,
    )
    skipped = KubernetesPodOperator(
        task_id="skipped", name="skip", image="busybox", cmds=["sh", "-c", "exit 42"], skip_on_exit_code=42,
        on_finish_action="delete_pod",
    )
    deadline = KubernetesPodOperator(
        task_id="deadline", name="deadline", image="busybox", cmds=["sh", "-c", "sleep 60"], active_deadline_seconds=3,
        on_finish_action="delete_pod",
    )
    deferred = KubernetesPodOperator(
        task_id="deferred", name="deferred", image="busybox", cmds=["sh", "-c", "echo deferred kpo"], deferrable=True,
        on_finish_action="delete_pod",
    )
    pod >> PythonOperator(task_id="pull", python_callable=lambda ti: print(f"KPO PULLED {{ti.xcom_pull(task_ids='pod')!r}}"))
'''


def connection_only_env(home) -> dict:
    """The cluster reachable only through the default Connection: no KUBECONFIG, an empty HOME."""
    (home / "empty-home").mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW_CONN_KUBERNETES_DEFAULT": json.dumps(
            {"conn_type": "kubernetes", "extra": {"kube_config": KUBECONFIG.read_text()}}
        ),
        "KUBECONFIG": None,
        "HOME": str(home / "empty-home"),
    }


def ps_snapshots(process, secrets_to_hide, seen):
    """Polls ``ps`` until the DAG run ends, recording any command line holding a secret."""
    snapshots = 0
    deadline = time.monotonic() + 900
    while process.poll() is None and time.monotonic() < deadline:
        listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, timeout=30).stdout
        snapshots += 1
        for line in listing.splitlines():
            if "kjo" in line and any(s in line for s in secrets_to_hide):
                seen.append(line[:300])
        time.sleep(0.3)
    return snapshots


@pytest.fixture(scope="module")
def original(cluster, token, tmp_path_factory, migrated_db):
    from tests.conftest import DagRunner

    dag_id = f"kjo_original_{token}"
    secret = f"tok-{token}-s3cr3t"
    runner = DagRunner(tmp_path_factory.mktemp("original") / "airflow", migrated_db)
    runner.write("original.py", ORIGINAL_DAG.format(dag_id=dag_id, secret=secret))
    runner.write("my_yaml_file.yaml", MY_YAML)
    env = connection_only_env(runner.home)
    process = runner.start("original.py", dag_id, env=env)
    seen: list = []
    kube_secrets = [line.split(":", 1)[1].strip()[:40] for line in KUBECONFIG.read_text().splitlines() if "-data:" in line]
    snapshots = ps_snapshots(process, [secret, *kube_secrets], seen)
    run = runner.finish(process, dag_id, timeout=900)
    run.ps_snapshots, run.ps_seen = snapshots, seen
    yield run, dag_id
    cleanup_dag(dag_id)


def test_original_dag_runs_unchanged_through_the_connection_alone(original):
    run, _ = original
    for task_id in ("from-image", "from-body", "from-yaml", "config-path", "legacy-image-job", "check"):
        assert run.task_state(task_id) == "success", (task_id, run.task_log(task_id)[-4000:])
    assert "| all ok 2024-01-01 14" in run.task_log("from-image")
    assert "| body ran" in run.task_log("from-body")
    assert "| yaml ran for 2024-01-01" in run.task_log("from-yaml")
    assert "| reading /etc/app/config.yaml" in run.task_log("config-path")  # not taken for a template file
    assert "| legacy all ok" in run.task_log("legacy-image-job")


def test_original_callback_and_xcom(original):
    run, _ = original
    text = run.task_log("from-image")
    assert "ORIGINAL EVENT progress=done from from-image-" in text and "task=from-image" in text
    assert "PULLED whole={'rows': 42, 'name': 'original'} rows=42" in run.log
    assert run.xcom("from-image")["return_value"] == {"rows": 42, "name": "original"}


def test_original_is_delete_operator_pod_deletes_a_succeeded_job(original):
    _, dag_id = original
    assert objects("jobs", f"kjo/dag-id={dag_id},kjo/task-id=legacy-image-job") == []


def test_ps_shows_no_secret_during_the_run(original):
    run, _ = original
    assert run.ps_snapshots >= 5, "ps was not sampled while the DAG ran"
    assert run.ps_seen == []


@pytest.fixture(scope="module")
def pod_operator(cluster, token, tmp_path_factory, migrated_db):
    from tests.conftest import DagRunner

    dag_id = f"kjo_kpo_{token}"
    runner = DagRunner(tmp_path_factory.mktemp("kpo") / "airflow", migrated_db)
    runner.write("kpo.py", POD_OPERATOR_DAG.format(dag_id=dag_id))
    run = runner.run("kpo.py", dag_id, env=connection_only_env(runner.home), timeout=900)
    yield run, dag_id
    cleanup_dag(dag_id)


def test_pod_operator_task_runs_as_a_job(pod_operator):
    run, dag_id = pod_operator
    assert run.task_state("pod") == "success", run.task_log("pod")[-4000:]
    assert "| kpo says hello 2024-01-01 on " in run.task_log("pod")
    (job,) = objects("jobs", f"kjo/dag-id={dag_id},kjo/task-id=pod")  # keep_pod
    assert job["metadata"]["name"].startswith("kpo-style-") and job["metadata"]["labels"]["origin"] == "kpo"
    template = job["spec"]["template"]
    container = template["spec"]["containers"][0]
    assert template["metadata"]["annotations"]["note"] == "kept" and template["spec"]["hostname"] == "kpo-host"
    assert container["name"] == "base" and container["resources"]["requests"]["cpu"] == "10m"
    xcom = run.xcom("pod")
    assert xcom["return_value"] == {"from": "kpo"} and xcom["pod_namespace"] == "default"
    assert xcom["pod_name"] == job["metadata"]["name"]
    assert "KPO PULLED {'from': 'kpo'}" in run.log


def test_pod_operator_skip_on_exit_code(pod_operator):
    run, _ = pod_operator
    assert run.task_state("skipped") == "skipped", run.task_log("skipped")[-4000:]


def test_pod_operator_active_deadline_seconds(pod_operator):
    run, _ = pod_operator
    assert run.task_state("deadline") == "failed"
    assert "DeadlineExceeded" in run.task_log("deadline")


def test_pod_operator_deferrable_resolves_the_connection_in_the_trigger(pod_operator):
    run, _ = pod_operator
    assert run.task_state("deferred") == "success", run.task_log("deferred")[-4000:]
    assert "| deferred kpo" in run.task_log("deferred")
