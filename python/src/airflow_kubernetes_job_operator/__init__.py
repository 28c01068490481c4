"""The original ``airflow_kubernetes_job_operator`` import paths, served by airflow-kjo.

A DAG written for the original package (2.0.x) runs unchanged: replace the
dependency ``airflow_kubernetes_job_operator`` with ``airflow-kjo`` and keep
every import, e.g.::

    from airflow_kubernetes_job_operator.kubernetes_job_operator import KubernetesJobOperator
    from airflow_kubernetes_job_operator.kubernetes_legacy_job_operator import KubernetesLegacyJobOperator

The classes are airflow-kjo's (``airflow_kjo.KubernetesJobOperator`` is the same class).
"""

from airflow_kubernetes_job_operator.collections import JobRunnerDeletePolicy
from airflow_kubernetes_job_operator.kubernetes_job_operator import KubernetesJobOperator
from airflow_kubernetes_job_operator.kubernetes_legacy_job_operator import KubernetesLegacyJobOperator
from airflow_kubernetes_job_operator.utils import resolve_relative_path

__all__ = [
    "JobRunnerDeletePolicy",
    "KubernetesJobOperator",
    "KubernetesLegacyJobOperator",
    "resolve_relative_path",
]
