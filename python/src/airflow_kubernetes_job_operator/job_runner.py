"""``JobRunnerDeletePolicy`` where the original defined it (kjo runs the jobs)."""

from airflow_kubernetes_job_operator.collections import JobRunnerDeletePolicy

__all__ = ["JobRunnerDeletePolicy"]
