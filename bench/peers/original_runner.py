"""Drive the original operator's JobRunner (PyPI airflow-kubernetes-job-operator) without Airflow's scheduler.

KubernetesJobOperator.execute() is a thin wrapper: pre_execute() builds a JobRunner, loads the
kube config (config_file), prepares the body; execute() calls job_runner.execute_job(). This
script does the same with the benchmark's body, so what is measured is the original's own
watch/log/delete machinery. Logs go to stdout through a plain logging handler.

usage: original_runner.py BODY_FILE KUBECONFIG DELETE_POLICY NAMESPACE
exit 0 if the tracked resource succeeded, 1 otherwise.
"""

import time

_STARTED = time.perf_counter()

import logging  # noqa: E402
from _import_stats import report_imports  # noqa: E402
import sys  # noqa: E402


def _report_import_cost() -> None:
    """One stderr line for bench/run.ts: what start-up and the imports cost this process.

    Inside an Airflow worker these imports are already done once per worker, not per task.
    """
    report_imports(_STARTED)


def main() -> int:
    body_file, kubeconfig, delete_policy, namespace = sys.argv[1:5]
    logger = logging.getLogger("bench.original")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    # Importing the runner imports airflow.configuration (the operator reads its airflow.cfg section).
    from airflow_kubernetes_job_operator.collections import JobRunnerDeletePolicy
    from airflow_kubernetes_job_operator.job_runner import JobRunner
    from airflow_kubernetes_job_operator.kube_api import KubeResourceState
    _report_import_cost()

    with open(body_file, encoding="utf-8") as f:
        body = f.read()
    runner = JobRunner(
        body=body,
        namespace=namespace,
        logger=logger,
        show_pod_logs=True,
        delete_policy=JobRunnerDeletePolicy(delete_policy),
        auto_load_kube_config=True,
        random_name_postfix_length=8,
    )
    runner.client.load_kube_config(config_file=kubeconfig)
    runner.prepare_body()
    # The operator passes startup_timeout_seconds (120 by config) as watcher_start_timeout.
    state = runner.execute_job(timeout=600, watcher_start_timeout=120)
    logger.info("bench: final state %s", state)
    return 0 if state == KubeResourceState.Succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
