"""The names of the original's ``kube_api`` that DAG code uses: the api event an
``on_kube_api_event`` callback receives and the resource states.

The original's Kubernetes client, watchers and queries are not here: kjo
replaces them.

Example::

    from airflow_kubernetes_job_operator.kube_api import KubeLogApiEvent

    def on_event(event: KubeLogApiEvent, context):
        print(event.name, event.value)
"""

from enum import Enum

from airflow_kjo.events import KubeApiEvent as KubeLogApiEvent
from airflow_kjo.events import LogLine


class KubeResourceState(Enum):
    """The state of a resource, as the original named them."""

    Pending = "Pending"
    Active = "Active"
    Succeeded = "Succeeded"
    Failed = "Failed"
    Running = "Running"
    Deleted = "Deleted"

    def __str__(self) -> str:
        return self.value


__all__ = ["KubeLogApiEvent", "KubeResourceState", "LogLine"]
