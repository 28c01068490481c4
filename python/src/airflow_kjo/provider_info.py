"""Provider metadata for Airflow's ``apache_airflow_provider`` entry point.

Airflow calls ``get_provider_info()`` to list the package (``airflow providers
list``) and to learn the ``[kubernetes_job_operator]`` config section with its
defaults (``airflow config list``).

Example::

    get_provider_info()["config"]["kubernetes_job_operator"]["options"]["delete_policy"]["default"]
    # "IfSucceeded"
"""

from __future__ import annotations

from typing import Any, Dict

from airflow_kjo.config import OPTIONS, SECTION

VERSION = "0.1.0"


def get_provider_info() -> Dict[str, Any]:
    """The provider info dictionary (schema: airflow/provider_info.schema.json)."""
    return {
        "package-name": "airflow-kjo",
        "name": "Kubernetes Job Operator (kjo)",
        "description": "Run Airflow tasks as Kubernetes Jobs, Pods or several resources, "
        "with every pod's logs in the task log, XCom from log lines, cleanup and reattach.",
        "versions": [VERSION],
        "operators": [
            {
                "integration-name": "Kubernetes Job Operator (kjo)",
                "python-modules": ["airflow_kjo.operator", "airflow_kjo.legacy_operator"],
            }
        ],
        "hooks": [
            {
                "integration-name": "Kubernetes Job Operator (kjo)",
                "python-modules": ["airflow_kjo.hook"],
            }
        ],
        "connection-types": [
            {"hook-class-name": "airflow_kjo.hook.KjoHook", "connection-type": "kubernetes"},
        ],
        "triggers": [
            {
                "integration-name": "Kubernetes Job Operator (kjo)",
                "python-modules": ["airflow_kjo.triggers"],
            }
        ],
        "config": {
            SECTION: {
                "description": "Defaults of KubernetesJobOperator and KubernetesLegacyJobOperator "
                "(airflow-kjo). Set in airflow.cfg or as AIRFLOW__KUBERNETES_JOB_OPERATOR__<OPTION>.",
                "options": {
                    name: {
                        "description": option.description,
                        "version_added": "0.1.0",
                        "type": option.type,
                        "example": option.example,
                        "default": option.default,
                    }
                    for name, option in OPTIONS.items()
                },
            }
        },
    }
