"""Airflow operators that run tasks as Kubernetes resources through kjo.

Example::

    from airflow_kjo import KubernetesJobOperator, KubernetesLegacyJobOperator

    KubernetesJobOperator(task_id="hello", image="busybox", command=["sh", "-c", "echo hello"])
"""

from __future__ import annotations

__version__ = "0.1.0"

from airflow_kjo.hook import KjoHook
from airflow_kjo.legacy_operator import KubernetesLegacyJobOperator
from airflow_kjo.operator import KubernetesJobOperator
from airflow_kjo.xcom import xcom_value_parser

__all__ = ["KjoHook", "KubernetesJobOperator", "KubernetesLegacyJobOperator", "xcom_value_parser", "__version__"]
