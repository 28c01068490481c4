"""The original's ``kubernetes_job_operator`` module: ``KubernetesJobOperator`` and friends."""

from airflow_kjo.events import KubeApiEvent as KubeLogApiEvent
from airflow_kjo.operator import KubernetesJobOperator
from airflow_kjo.xcom import xcom_value_parser
from airflow_kubernetes_job_operator.collections import JobRunnerDeletePolicy
from airflow_kubernetes_job_operator.exceptions import KubernetesJobOperatorException

__all__ = [
    "JobRunnerDeletePolicy",
    "KubeLogApiEvent",
    "KubernetesJobOperator",
    "KubernetesJobOperatorException",
    "xcom_value_parser",
]
