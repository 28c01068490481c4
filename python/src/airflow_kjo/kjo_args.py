"""Command lines of the kjo subcommands the operators call.

Every value is passed as ``--flag=value`` so a value starting with ``-``
(``--command=-c``) is never taken for a flag. What may be secret never is an
argument: the body and the environment values of a request go to kjo through
files written by ``KjoHook`` (``--body-file``, ``--env-file``), and so do the
cluster flags.

Example::

    request = RunRequest(image="busybox", command=["sh", "-c", "echo hi"], delete_policy="Always")
    run_args(request)
    # ["run", "-o", "jsonl", "--image=busybox", "--command=sh", "--command=-c",
    #  "--command=echo hi", "--no-templating", "--delete-policy=Always"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional


@dataclass
class RunRequest:
    """Everything ``kjo run`` is told. The source is body, else image.

    ``body`` and ``envs`` are not turned into arguments: ``KjoHook`` passes them in files.
    """

    body: Optional[str] = None
    image: Optional[str] = None
    kind: Optional[str] = None
    command: Optional[List[str]] = None
    arguments: Optional[List[str]] = None
    namespace: Optional[str] = None
    name_prefix: Optional[str] = None
    name_postfix: Optional[str] = None
    random_name_postfix_length: Optional[int] = None
    envs: Mapping[str, object] = field(default_factory=dict)
    labels: Mapping[str, object] = field(default_factory=dict)
    image_pull_policy: Optional[str] = None
    image_pull_secrets: List[str] = field(default_factory=list)
    secret_files: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    delete_policy: Optional[str] = None
    get_logs: bool = True
    startup_timeout_seconds: Optional[float] = None
    #: The task's execution_timeout: kjo ends the run as TimedOut after it.
    execution_timeout_seconds: Optional[float] = None
    #: activeDeadlineSeconds of the first resource, when its body sets none.
    active_deadline_seconds: Optional[float] = None
    show_timestamps: bool = False
    #: Kubernetes events kjo reports: "all", "warnings" or "none" (None: kjo's setting).
    events: Optional[str] = None
    #: A custom parse_xcom_event parses xcom values; kjo leaves them raw.
    raw_xcom: bool = False
    run_id: Optional[str] = None
    identity_labels: Mapping[str, str] = field(default_factory=dict)
    reattach: bool = False
    detach: bool = False


def _seconds(value: float) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def body_args(request: RunRequest) -> List[str]:
    """The flags that build the body (shared by ``run`` and ``render``); body and envs excepted."""
    out: List[str] = []
    if request.body is None and request.image is not None:
        out.append(f"--image={request.image}")
        if request.kind:
            out.append(f"--kind={request.kind}")
    for part in request.command or []:
        out.append(f"--command={part}")
    for arg in request.arguments or []:
        out.append(f"--arg={arg}")
    if request.namespace:
        out.append(f"--namespace={request.namespace}")
    if request.name_prefix:
        out.append(f"--name-prefix={request.name_prefix}")
    if request.name_postfix:
        out.append(f"--name-postfix={request.name_postfix}")
    if request.random_name_postfix_length is not None:
        out.append(f"--random-name-postfix-length={int(request.random_name_postfix_length)}")
    for key, value in (request.labels or {}).items():
        out.append(f"--label={key}={'' if value is None else value}")
    if request.image_pull_policy:
        out.append(f"--image-pull-policy={request.image_pull_policy}")
    for secret in request.image_pull_secrets or []:
        out.append(f"--image-pull-secret={secret}")
    for secret, keys in (request.secret_files or {}).items():
        for key, path in keys.items():
            out.append(f"--secret-file={secret}:{key}={path}")
    if request.run_id:
        out.append(f"--run-id={request.run_id}")
    if request.active_deadline_seconds:
        out.append(f"--active-deadline={max(1, int(request.active_deadline_seconds))}")
    out.append("--no-templating")
    return out


def run_args(request: RunRequest) -> List[str]:
    """``kjo run -o jsonl ...`` for a request."""
    out = ["run", "-o", "jsonl", *body_args(request)]
    for key, value in (request.identity_labels or {}).items():
        out.append(f"--identity-label={key}={value}")
    if request.reattach and request.identity_labels:
        out.append("--reattach")
    if request.detach:
        out.append("--detach")
    if request.delete_policy:
        out.append(f"--delete-policy={request.delete_policy}")
    if not request.get_logs:
        out.append("--no-logs")
    if request.startup_timeout_seconds is not None:
        out.append(f"--startup-timeout={_seconds(request.startup_timeout_seconds)}")
    if request.execution_timeout_seconds and not request.detach:
        out.append(f"--execution-timeout={_seconds(request.execution_timeout_seconds)}")
    if request.show_timestamps:
        out.append("--show-timestamps")
    if request.events:
        out.append(f"--events={request.events}")
    if request.raw_xcom:
        out.append("--no-parse-xcom")
    return out


def render_args(request: RunRequest) -> List[str]:
    """``kjo render -o json ...``: builds the body without a cluster (validate_body_on_init)."""
    return ["render", "-o", "json", *body_args(request)]


def attach_args(
    *,
    run_id: str,
    namespace: Optional[str],
    delete_policy: Optional[str] = None,
    get_logs: bool = True,
    show_timestamps: bool = False,
    raw_xcom: bool = False,
    events: Optional[str] = None,
    startup_timeout_seconds: Optional[float] = None,
) -> List[str]:
    """``kjo attach --run-id ID -o jsonl ...``: follow an existing run to its end.

    Example::

        attach_args(run_id="abc", namespace="jobs", get_logs=False)
        # ["attach", "--run-id=abc", "-o", "jsonl", "--namespace=jobs", "--no-logs"]
    """
    out = ["attach", f"--run-id={run_id}", "-o", "jsonl"]
    if namespace:
        out.append(f"--namespace={namespace}")
    if delete_policy:
        out.append(f"--delete-policy={delete_policy}")
    if not get_logs:
        out.append("--no-logs")
    if show_timestamps:
        out.append("--show-timestamps")
    if events:
        out.append(f"--events={events}")
    if raw_xcom:
        out.append("--no-parse-xcom")
    if startup_timeout_seconds is not None:
        out.append(f"--startup-timeout={_seconds(startup_timeout_seconds)}")
    return out


def cleanup_args(*, run_id: str, namespace: Optional[str]) -> List[str]:
    """``kjo cleanup --run-id ID``: delete every resource of a run."""
    out = ["cleanup", f"--run-id={run_id}"]
    if namespace:
        out.append(f"--namespace={namespace}")
    return out
