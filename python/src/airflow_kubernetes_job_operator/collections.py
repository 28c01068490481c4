"""The original's enums: delete policies and default execution objects.

Example::

    KubernetesJobOperator(task_id="t", image="busybox", delete_policy=JobRunnerDeletePolicy.Always)
"""

from enum import Enum


class JobRunnerDeletePolicy(Enum):
    """When a task's resources are deleted (``delete_policy`` takes these or their names)."""

    Never = "Never"
    Always = "Always"
    IfFailed = "IfFailed"
    IfSucceeded = "IfSucceeded"

    def __str__(self) -> str:
        return self.value


class KubernetesJobOperatorDefaultExecutionResource(Enum):
    """What an image-only task runs as (``[kubernetes_job_operator] default_execution_object``)."""

    Pod = "Pod"
    Job = "Job"

    def __str__(self) -> str:
        return self.value
