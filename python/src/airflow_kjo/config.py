"""The ``[kubernetes_job_operator]`` config section.

Values come from ``airflow.cfg`` or ``AIRFLOW__KUBERNETES_JOB_OPERATOR__<OPTION>``
environment variables, with the defaults below. ``OPTIONS`` also feeds the
provider info (``provider_info.get_provider_info``), so ``airflow config list``
shows the section.

Example::

    from airflow_kjo.config import load_settings

    settings = load_settings()
    settings.delete_policy        # "IfSucceeded" unless configured
    settings.kjo_environment()    # {"KJO_DEFAULT_EXECUTION_OBJECT": "Job", ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List

SECTION = "kubernetes_job_operator"

DELETE_POLICIES = ("Always", "Never", "IfFailed", "IfSucceeded")
EXECUTION_OBJECTS = ("Job", "Pod")
EVENT_MODES = ("all", "warnings", "none")


@dataclass(frozen=True)
class Option:
    """One option of the section: its type, default and description."""

    name: str
    type: str  # "string" | "boolean" | "integer" | "float"
    default: str
    description: str
    example: str | None = None


OPTIONS: Dict[str, Option] = {
    o.name: o
    for o in [
        Option(
            "delete_policy",
            "string",
            "IfSucceeded",
            "When the task's Kubernetes resources are deleted: Always, Never, IfFailed or IfSucceeded.",
            "Always",
        ),
        Option(
            "default_execution_object",
            "string",
            "Job",
            "What an image-only task (image + command, no body) runs as: Job or Pod.",
            "Pod",
        ),
        Option(
            "detect_kubernetes_log_level",
            "boolean",
            "True",
            "Log a pod's line at the level it names (a line starting with ERROR, WARNING, ...).",
            "False",
        ),
        Option(
            "show_kubernetes_timestamps",
            "boolean",
            "False",
            "Prefix each pod log line with the timestamp Kubernetes recorded for it.",
            "True",
        ),
        Option(
            "show_runner_id",
            "boolean",
            "False",
            "Prefix kjo's own messages (status, events) with the run id.",
            "True",
        ),
        Option(
            "startup_timeout_seconds",
            "integer",
            "120",
            "Seconds until something of the run must be running (pending pods past it fail the task).",
            "300",
        ),
        Option(
            "validate_body_on_init",
            "boolean",
            "False",
            "Build and check the body when the DAG is parsed (only without Jinja, or with a dict body).",
            "True",
        ),
        Option(
            "kube_config_extra_locations",
            "string",
            "",
            "Comma-separated kube config files searched first, before KUBECONFIG and ~/.kube/config.",
            "/opt/airflow/kube/config,/etc/kube/config",
        ),
        Option(
            "events",
            "string",
            "all",
            "Kubernetes events of the run written to the task log: all, warnings (all but Normal) or none.",
            "warnings",
        ),
        Option(
            "deferrable",
            "string",
            "",
            "Default of the operators' deferrable argument (True or False): submit, then free the worker "
            "slot while a trigger follows the run. Empty: [operators] default_deferrable, like the providers.",
            "True",
        ),
    ]
}


def _conf():
    from airflow_kjo._compat import conf

    return conf


def get_option(name: str) -> Any:
    """One option's value, typed, from Airflow's config (or its default).

    Example::

        get_option("startup_timeout_seconds")  # 120
    """
    option = OPTIONS[name]
    conf = _conf()
    try:
        if option.type == "boolean":
            return conf.getboolean(SECTION, name, fallback=option.default.lower() == "true")
        if option.type == "integer":
            return conf.getint(SECTION, name, fallback=int(option.default))
        if option.type == "float":
            return conf.getfloat(SECTION, name, fallback=float(option.default))
        value = conf.get(SECTION, name, fallback=option.default)
    except Exception as error:  # an unparsable value: say which option
        raise ValueError(f"[{SECTION}] {name}: {error}") from error
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class Settings:
    """The section, resolved."""

    delete_policy: str = "IfSucceeded"
    default_execution_object: str = "Job"
    detect_kubernetes_log_level: bool = True
    show_kubernetes_timestamps: bool = False
    show_runner_id: bool = False
    startup_timeout_seconds: int = 120
    validate_body_on_init: bool = False
    kube_config_extra_locations: List[str] = field(default_factory=list)
    deferrable: bool = False
    events: str = "all"

    def kjo_environment(self) -> Dict[str, str]:
        """The ``KJO_*`` variables that carry these settings to the kjo process.

        Example::

            Settings(show_runner_id=True).kjo_environment()["KJO_SHOW_RUNNER_ID"]  # "true"
        """
        env = {
            "KJO_DEFAULT_EXECUTION_OBJECT": self.default_execution_object,
            "KJO_DETECT_KUBERNETES_LOG_LEVEL": str(self.detect_kubernetes_log_level).lower(),
            "KJO_SHOW_RUNNER_ID": str(self.show_runner_id).lower(),
            "KJO_EVENTS": self.events,
        }
        if self.kube_config_extra_locations:
            env["KJO_KUBE_CONFIG_EXTRA_LOCATIONS"] = ",".join(self.kube_config_extra_locations)
        return env


def load_settings() -> Settings:
    """Reads the whole section; raises ValueError naming a bad option.

    Example::

        load_settings().deferrable  # False unless configured
    """
    delete_policy = get_option("delete_policy")
    if delete_policy not in DELETE_POLICIES:
        raise ValueError(
            f"[{SECTION}] delete_policy: must be one of {', '.join(DELETE_POLICIES)}, got {delete_policy!r}"
        )
    execution_object = get_option("default_execution_object")
    if execution_object not in EXECUTION_OBJECTS:
        raise ValueError(
            f"[{SECTION}] default_execution_object: must be Job or Pod, got {execution_object!r}"
        )
    events = get_option("events")
    if events not in EVENT_MODES:
        raise ValueError(f"[{SECTION}] events: must be one of {', '.join(EVENT_MODES)}, got {events!r}")
    locations = [p.strip() for p in get_option("kube_config_extra_locations").split(",") if p.strip()]
    return Settings(
        delete_policy=delete_policy,
        default_execution_object=execution_object,
        detect_kubernetes_log_level=get_option("detect_kubernetes_log_level"),
        show_kubernetes_timestamps=get_option("show_kubernetes_timestamps"),
        show_runner_id=get_option("show_runner_id"),
        startup_timeout_seconds=get_option("startup_timeout_seconds"),
        validate_body_on_init=get_option("validate_body_on_init"),
        kube_config_extra_locations=locations,
        deferrable=_deferrable(),
        events=events,
    )


def _deferrable() -> bool:
    """``deferrable`` of the section when set, else ``[operators] default_deferrable``."""
    raw = str(get_option("deferrable")).strip()
    if not raw:
        try:
            return bool(_conf().getboolean("operators", "default_deferrable", fallback=False))
        except Exception as error:
            raise ValueError(f"[operators] default_deferrable: {error}") from error
    if raw.lower() in ("true", "t", "1", "yes", "on"):
        return True
    if raw.lower() in ("false", "f", "0", "no", "off"):
        return False
    raise ValueError(f"[{SECTION}] deferrable: must be True, False or empty, got {raw!r}")
