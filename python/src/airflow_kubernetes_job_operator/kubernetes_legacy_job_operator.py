"""The original's ``kubernetes_legacy_job_operator`` module: ``KubernetesLegacyJobOperator``."""

from airflow_kjo.legacy_operator import KubernetesLegacyJobOperator
from airflow_kjo.xcom import xcom_value_parser
from airflow_kubernetes_job_operator.collections import JobRunnerDeletePolicy

__all__ = ["JobRunnerDeletePolicy", "KubernetesLegacyJobOperator", "xcom_value_parser"]
