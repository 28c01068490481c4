"""Relaying kjo's JSON-lines events into Airflow: task log lines, XCom,
``on_kube_api_event`` calls, and the final result.

Events (one JSON object a line, each with ``type`` and ``time``):
``log`` {pod, container, line, ts?}, ``status`` {resource, state, reason?,
message?}, ``k8s_event`` {object, reason, message, eventType, count?},
``api_event`` {name, value, parsed?, pod, container}, ``info`` {level,
message}, ``result`` {state, exitCode, reason?, message?, summary?, xcom,
resources, namespace?, runId?} (always last).

Example::

    relay = EventRelay(log=task.log, xcom_push=lambda k, v: ti.xcom_push(key=k, value=v))
    for event in process.events():
        relay.handle(event)
    relay.raise_for_result(task_id="load")
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, Collection, Dict, List, Optional

from airflow_kjo.xcom import XComParseError, xcom_value_parser

#: ``on_kube_api_event(event, context)``, as the original operator calls it.
ApiEventCallback = Callable[["KubeApiEvent", Any], None]


class LogLine:
    """The pod log line an api event came from (the original's ``LogLine`` fields)."""

    def __init__(self, *, pod_name: str, container_name: str, namespace: Optional[str], message: str,
                 timestamp: Optional[str] = None) -> None:
        self.pod_name = pod_name
        self.container_name = container_name
        self.namespace = namespace
        self.message = message
        self.timestamp = timestamp

    def __str__(self) -> str:
        return self.message


class KubeApiEvent:
    """A ``::kube_api:NAME=VALUE`` line, passed to ``on_kube_api_event(event, context)``.

    Like the original's ``KubeLogApiEvent``: ``event.name``, ``event.value`` (the raw
    text after ``=``) and ``event.line`` (pod, container, namespace, message); plus
    ``event.parsed`` (kjo's parse of an ``xcom`` value, else None).

    Example::

        def on_event(event, context):
            if event.name == "progress":
                print(event.value, event.line.pod_name)
    """

    def __init__(self, name: str, value: str, line: LogLine, parsed: Any = None) -> None:
        self.name = name
        self.value = value
        self.line = line
        self.parsed = parsed
        self.args: List[Any] = []
        self.kwargs: Dict[str, Any] = {}
        self.sender = None

    @classmethod
    def from_event(cls, event: Dict[str, Any], namespace: Optional[str] = None) -> "KubeApiEvent":
        name, value = str(event.get("name", "")), str(event.get("value", ""))
        line = LogLine(
            pod_name=str(event.get("pod", "")),
            container_name=str(event.get("container", "")),
            namespace=namespace,
            message=f"::kube_api:{name}={value}",
            timestamp=event.get("time"),
        )
        return cls(name, value, line, event.get("parsed"))

    def __repr__(self) -> str:
        return f"KubeApiEvent(name={self.name!r}, value={self.value[:80]!r})"


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
_LINE_LEVEL = re.compile(
    r"^\W{0,3}(?:\S+\s+){0,2}?\[?(DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\]?[\s:|\]-]", re.IGNORECASE
)
_LINE_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
    "FATAL": logging.CRITICAL,
}


def detect_line_level(line: str) -> int:
    """The level a pod log line names near its start (``ERROR: x``, ``[WARNING] y``), else INFO.

    Example::

        detect_line_level("ERROR: disk full") == logging.ERROR
        detect_line_level("all fine") == logging.INFO
    """
    match = _LINE_LEVEL.match(line[:120] + " ")
    return _LINE_LEVELS[match.group(1).upper()] if match else logging.INFO


def format_log_line(event: Dict[str, Any], show_timestamps: bool = False) -> str:
    """``pod/container | line`` (with the Kubernetes timestamp first when asked).

    Example::

        format_log_line({"pod": "p", "container": "main", "line": "hi"})  # "p/main | hi"
    """
    prefix = f"{event.get('pod', '?')}/{event.get('container', '?')} | "
    ts = event.get("ts")
    if show_timestamps and ts:
        prefix += f"{ts} "
    return prefix + str(event.get("line", ""))


def format_event(event: Dict[str, Any], run_label: str = "") -> Optional[tuple]:
    """(level, message) for a non-log event; None for events that are not shown.

    Example::

        format_event({"type": "status", "resource": "Job/x", "state": "Running"})
        # (logging.INFO, "Job/x: Running")
    """
    kind = event.get("type")
    prefix = f"[{run_label}] " if run_label else ""
    if kind == "status":
        detail = ": ".join(str(event[k]) for k in ("reason", "message") if event.get(k))
        text = f"{event.get('resource')}: {event.get('state')}" + (f" ({detail})" if detail else "")
        return logging.INFO, prefix + text
    if kind == "k8s_event":
        count = event.get("count")
        times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
        level = logging.WARNING if event.get("eventType") == "Warning" else logging.INFO
        text = f"event {event.get('object')} {event.get('reason')}: {event.get('message')}{times}"
        return level, prefix + text
    if kind == "info":
        return _LEVELS.get(str(event.get("level", "info")).lower(), logging.INFO), prefix + str(event.get("message", ""))
    if kind == "api_event":
        return logging.INFO, prefix + f"api event {event.get('name')} from {event.get('pod')}/{event.get('container')}"
    if kind == "result":
        return None
    return logging.DEBUG, prefix + f"kjo event {event}"


def failure_message(result: Optional[Dict[str, Any]], *, task_id: str = "", exit_code: Optional[int] = None) -> str:
    """The AirflowException text for a failed run: the reason, then kjo's summary lines.

    Example::

        failure_message({"state": "Failed", "exitCode": 1, "reason": "BackoffLimitExceeded",
                         "message": "Job has reached the specified backoff limit",
                         "summary": ["pod x: container main exited 3"]}, task_id="load")
        # "Task load: Failed (BackoffLimitExceeded): Job has reached ...\n  pod x: container main exited 3"
    """
    who = f"Task {task_id}: " if task_id else ""
    if result is None:
        return (
            f"{who}kjo exited with code {exit_code} without a result event; "
            "its stderr is in the task log above"
        )
    head = f"{who}{result.get('state', 'Failed')}"
    if result.get("reason"):
        head += f" ({result['reason']})"
    if result.get("message"):
        head += f": {result['message']}"
    head += f" [kjo exit code {result.get('exitCode', exit_code)}]"
    lines = [head, *[f"  {line}" for line in result.get("summary") or []]]
    return "\n".join(lines)


class EventRelay:
    """Handles the events of one kjo process for one task.

    - ``log``: a task log line ``pod/container | line`` (at the level the line
      names when ``detect_log_level``);
    - ``status``, ``k8s_event``, ``info``: task log lines;
    - ``api_event``: ``on_kube_api_event(event, context)`` (a ``KubeApiEvent``),
      and for ``xcom`` one ``xcom_push(key, value)`` per key of the parsed object
      (``parse_xcom_event`` on the raw value when given, else kjo's ``parsed``);
    - ``result``: kept in ``self.result``.

    ``log_containers``: only these containers' lines are written (None: all).
    ``progress_callback(line)`` is called with every pod line; ``log_formatter(container,
    line)`` replaces the ``pod/container | `` prefix, which ``log_prefix=False`` drops.
    """

    def __init__(
        self,
        *,
        log: Any,
        context: Any = None,
        xcom_push: Optional[Callable[[str, Any], None]] = None,
        on_kube_api_event: Optional[ApiEventCallback] = None,
        parse_xcom_event: Optional[Callable[[str], Dict[str, Any]]] = None,
        show_timestamps: bool = False,
        detect_log_level: bool = True,
        run_label: str = "",
        log_containers: Optional[Collection[str]] = None,
        progress_callback: Optional[Callable[[str], None]] = None,
        log_formatter: Optional[Callable[[str, str], str]] = None,
        log_prefix: bool = True,
        namespace: Optional[str] = None,
    ) -> None:
        self.log = log
        self.context = context
        self.xcom_push = xcom_push
        self.on_kube_api_event = on_kube_api_event
        self.parse_xcom_event = parse_xcom_event
        self.show_timestamps = show_timestamps
        self.detect_log_level = detect_log_level
        self.run_label = run_label
        self.log_containers = None if log_containers is None else set(log_containers)
        self.progress_callback = progress_callback
        self.log_formatter = log_formatter
        self.log_prefix = log_prefix
        self.namespace = namespace
        self.result: Optional[Dict[str, Any]] = None
        self.xcom: Dict[str, Any] = {}
        self.errors: List[str] = []
        self.log_lines = 0

    def handle(self, event: Dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "log":
            line = str(event.get("line", ""))
            container = str(event.get("container", ""))
            if self.log_containers is not None and container not in self.log_containers:
                return
            self.log_lines += 1
            if self.progress_callback is not None:
                self.progress_callback(line)
            level = detect_line_level(line) if self.detect_log_level else logging.INFO
            if self.log_formatter is not None:
                text = self.log_formatter(container, line)
            elif self.log_prefix:
                text = format_log_line(event, self.show_timestamps)
            else:
                text = line
            self._emit(level, text)
            return
        if kind == "result":
            self.result = event
            return
        formatted = format_event(event, self.run_label)
        if formatted is not None:
            self._emit(*formatted)
        if kind == "api_event":
            self._api_event(event)

    def _api_event(self, event: Dict[str, Any]) -> None:
        name = str(event.get("name", ""))
        raw = event.get("value", "")
        if self.on_kube_api_event is not None:
            api_event = KubeApiEvent.from_event(event, self.namespace)
            self.on_kube_api_event(api_event, self.context)
        if name != "xcom":
            return
        try:
            if self.parse_xcom_event is not None and self.parse_xcom_event is not xcom_value_parser:
                values = self.parse_xcom_event(raw)
                if not isinstance(values, dict):
                    raise XComParseError(f"parse_xcom_event must return a dict, got {type(values).__name__}")
            elif isinstance(event.get("parsed"), dict):
                values = event["parsed"]
            else:
                values = xcom_value_parser(str(raw))
        except Exception as error:
            message = f"xcom event from {event.get('pod')}/{event.get('container')}: {error}"
            self.errors.append(message)
            self._emit(logging.ERROR, message)
            return
        for key, value in values.items():
            self.xcom[str(key)] = value
            if self.xcom_push is not None:
                self.xcom_push(str(key), value)

    def _emit(self, level: int, message: str) -> None:
        self.log.log(level, "%s", message)

    def succeeded(self) -> bool:
        return self.result is not None and self.result.get("exitCode") == 0 and not self.errors
