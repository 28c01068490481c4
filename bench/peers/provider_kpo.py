"""Drive the Airflow cncf.kubernetes provider's KubernetesPodOperator without a scheduler.

The benchmark bodies are Jobs; this peer is pod-based, so it runs the Job's pod template
(image, command) as the operator's pod, with get_logs=True (follow the log while the pod
runs) and on_finish_action="delete_pod". execute() is called with a minimal context (a
stand-in task instance that keeps XCom in memory): what is measured is the operator's own
create / wait / follow-logs / delete path. No Airflow connection is used
(kubernetes_conn_id=None); config_file is the local kubeconfig.

usage: provider_kpo.py BODY_FILE KUBECONFIG NAMESPACE
exit 0 if the pod succeeded, 1 otherwise.
"""

import time

_STARTED = time.perf_counter()

import logging  # noqa: E402
from _import_stats import report_imports  # noqa: E402
import sys  # noqa: E402
import uuid


class _TaskInstance:
    """What KubernetesPodOperator reads from context["ti"]: ids, try number, XCom push."""

    def __init__(self, dag_id: str, task_id: str, run_id: str):
        self.dag_id = dag_id
        self.task_id = task_id
        self.run_id = run_id
        self.try_number = 1
        self.map_index = -1
        self.xcom = {}

    def xcom_push(self, key, value, **_kwargs):
        self.xcom[key] = value


def _report_import_cost() -> None:
    """One stderr line for bench/run.ts: what start-up and the imports cost this process.

    Inside an Airflow worker these imports are already done once per worker, not per task.
    """
    report_imports(_STARTED)


def main() -> int:
    body_file, kubeconfig, namespace = sys.argv[1:4]
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)

    import yaml
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    _report_import_cost()

    with open(body_file, encoding="utf-8") as f:
        job = yaml.safe_load(f)
    container = job["spec"]["template"]["spec"]["containers"][0]
    run_id = f"bench__{uuid.uuid4().hex[:12]}"
    op = KubernetesPodOperator(
        task_id="bench",
        name=job["metadata"]["name"],
        namespace=namespace,
        image=container["image"],
        cmds=container["command"],
        arguments=container.get("args"),
        get_logs=True,
        on_finish_action="delete_pod",
        config_file=kubeconfig,
        in_cluster=False,
        kubernetes_conn_id=None,
        startup_timeout_seconds=120,
        do_xcom_push=False,
        random_name_suffix=True,
    )
    ti = _TaskInstance("bench", "bench", run_id)
    context = {"ti": ti, "task_instance": ti, "run_id": run_id, "dag": None, "task": op}
    try:
        op.execute(context)
    except Exception as ex:  # the operator raises on a failed pod
        logging.getLogger("bench").error("bench: failed: %s", ex)
        return 1
    logging.getLogger("bench").info("bench: final state Succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
