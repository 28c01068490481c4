"""``KjoRunTrigger``: follows a submitted kjo run from the triggerer, without
holding a worker slot.

Every trigger of one triggerer event loop shares one ``kjo serve`` process
(``airflow_kjo.serve_client``): the trigger sends it a ``follow`` request for
its run (``deletePolicy: Never``) and writes what comes back to the task log as
it comes: pod log lines (``pod/container | line``), status changes and
Kubernetes events, so the user watches the run in the UI while the task is
deferred. The trigger fires one event when the run ends; it carries the result,
the run's XCom and its ``::kube_api:`` events, so ``execute_complete`` replays
no log: it pushes XCom, calls ``on_kube_api_event`` and applies the delete
policy.

If ``kjo serve`` dies, the client restarts it (with back-off) and follows every
live run again; the task log goes on from the last line seen, nothing is
deleted. A triggerer restart starts the trigger anew: its log lines come again
from the start of each container's log (never lost, possibly twice).

Cancelling the trigger (a triggerer restart, a rolling deploy) detaches its
follow, which leaves the run alone; only ``on_kill`` (Airflow 3.3+: the user
marked or cleared the deferred task) deletes the run, with ``kjo cleanup
--run-id ID``.

The trigger carries the connection id (``kubernetes_conn_id``) and the
operator's cluster arguments, never credentials; ``KjoHook`` resolves the
connection in the triggerer. A kube config the hook writes (an inline one from
the connection) stays on disk while the trigger follows its run, so a
restarted ``kjo serve`` can read it again.

Example::

    trigger = KjoRunTrigger(run_id="k3f9x0q2m7ab", namespace="jobs", kubernetes_conn_id="k8s_prod")
    trigger.serialize()
    # ("airflow_kjo.triggers.KjoRunTrigger", {"run_id": "k3f9x0q2m7ab", ...})
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

from airflow_kjo._compat import BaseTrigger, TriggerEvent
from airflow_kjo.events import detect_line_level, format_event, format_log_line
from airflow_kjo.hook import DEFAULT_CONN_ID, KjoFiles, KjoHook, _off_loop
from airflow_kjo.kjo_args import cleanup_args
from airflow_kjo.kjo_process import resolve_kjo_command
from airflow_kjo.serve_client import shared_serve_client

if BaseTrigger is None:  # pragma: no cover
    raise ImportError("airflow_kjo.triggers needs airflow.triggers.base (airflow-core)")

#: At most this many ``::kube_api:`` events travel in the trigger's event (it is stored in the database).
MAX_API_EVENTS = 1000
#: kjo's cluster flags and the fields of a ``kjo serve`` request's ``cluster``.
_CLUSTER_FIELDS = {"--kubeconfig": "kubeconfig", "--context": "context"}


def cluster_ref_of(args: List[str]) -> Dict[str, Any]:
    """The ``cluster`` of a ``kjo serve`` request from kjo's cluster flags.

    Example::

        cluster_ref_of(["--kubeconfig=/k", "--context=prod"])  # {"kubeconfig": "/k", "context": "prod"}
    """
    out: Dict[str, Any] = {}
    for arg in args:
        if arg == "--in-cluster":
            out["inCluster"] = True
            continue
        name, _, value = arg.partition("=")
        if name in _CLUSTER_FIELDS and value:
            out[_CLUSTER_FIELDS[name]] = value
    return out


class KjoRunTrigger(BaseTrigger):
    """Fires ``{"status": "done"|"error", "run_id", "namespace", "state", "exit_code", "reason",
    "message", "summary", "resources", "xcom", "api_events", "followed": "serve"}`` when the run
    ends (or cannot be followed).

    :param get_logs: relay the pods' log lines to the task log (and read XCom). Default True.
    :param raw_xcom: leave xcom values raw (the operator has its own ``parse_xcom_event``).
    :param show_timestamps: prefix log lines with the container runtime's timestamps.
    :param detect_log_level: log a line at the level it names. Default True.
    :param execution_deadline: epoch seconds by which the run must end (the task's
        ``execution_timeout``); kjo then ends it as ``TimedOut``.
    :param startup_timeout_seconds: seconds until something of the run must run (the
        operator's ``startup_timeout_seconds``); None leaves kjo serve's default (120).

    ``connection`` (a dict of ``in_cluster``, ``config_file``, ``cluster_context``) is what
    airflow-kjo 0.1 serialized; it is still read, so tasks deferred before an upgrade resume.
    """

    def __init__(
        self,
        *,
        run_id: str,
        namespace: Optional[str] = None,
        kubernetes_conn_id: Optional[str] = DEFAULT_CONN_ID,
        in_cluster: Optional[bool] = None,
        config_file: Optional[str] = None,
        cluster_context: Optional[str] = None,
        kjo_env: Optional[Dict[str, str]] = None,
        connection: Optional[Dict[str, Any]] = None,
        get_logs: bool = True,
        raw_xcom: bool = False,
        show_timestamps: bool = False,
        detect_log_level: bool = True,
        execution_deadline: Optional[float] = None,
        startup_timeout_seconds: Optional[float] = None,
    ) -> None:
        super().__init__()
        old = dict(connection or {})
        self.run_id = run_id
        self.namespace = namespace
        self.kubernetes_conn_id = kubernetes_conn_id
        self.in_cluster = in_cluster if in_cluster is not None else old.get("in_cluster")
        self.config_file = config_file or old.get("config_file")
        self.cluster_context = cluster_context or old.get("cluster_context")
        self.kjo_env = dict(kjo_env or {})
        self.get_logs = get_logs
        self.raw_xcom = raw_xcom
        self.show_timestamps = show_timestamps
        self.detect_log_level = detect_log_level
        self.execution_deadline = execution_deadline
        self.startup_timeout_seconds = startup_timeout_seconds

    def serialize(self) -> Tuple[str, Dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "run_id": self.run_id,
                "namespace": self.namespace,
                "kubernetes_conn_id": self.kubernetes_conn_id,
                "in_cluster": self.in_cluster,
                "config_file": self.config_file,
                "cluster_context": self.cluster_context,
                "kjo_env": self.kjo_env,
                "get_logs": self.get_logs,
                "raw_xcom": self.raw_xcom,
                "show_timestamps": self.show_timestamps,
                "detect_log_level": self.detect_log_level,
                "execution_deadline": self.execution_deadline,
                "startup_timeout_seconds": self.startup_timeout_seconds,
            },
        )

    @property
    def hook(self) -> KjoHook:
        """Resolves ``kubernetes_conn_id`` in the triggerer and starts kjo."""
        return KjoHook(
            kubernetes_conn_id=self.kubernetes_conn_id,
            in_cluster=self.in_cluster,
            config_file=self.config_file,
            cluster_context=self.cluster_context,
            kjo_env=self.kjo_env,
        )

    @contextlib.asynccontextmanager
    async def cluster_ref(self) -> AsyncIterator[Dict[str, Any]]:
        """The ``cluster`` of the follow request, valid while the block runs.

        A kube config written for this trigger (from a connection) must stay until the block
        ends: a restarted ``kjo serve`` reads it again to follow the run anew.
        """
        hook = self.hook
        await _off_loop(hook.cluster_access)  # the connection lookup blocks
        with KjoFiles() as files:
            yield cluster_ref_of(hook.cluster_args(files))

    def _payload(
        self,
        status: str,
        result: Optional[Dict[str, Any]],
        code: Optional[int],
        message: str = "",
        api_events: Optional[List[Dict[str, Any]]] = None,
    ):
        result = result or {}
        return {
            "status": status,
            "run_id": self.run_id,
            "namespace": result.get("namespace") or self.namespace,
            "state": result.get("state"),
            "exit_code": result.get("exitCode", code),
            "reason": result.get("reason"),
            "message": result.get("message") or message or None,
            "summary": list(result.get("summary") or []),
            "resources": list(result.get("resources") or []),
            "xcom": dict(result.get("xcom") or {}),
            "api_events": list(api_events or []),
            "followed": "serve",
        }

    def _log_event(self, event: Dict[str, Any]) -> None:
        if event.get("type") == "log":
            line = str(event.get("line", ""))
            level = detect_line_level(line) if self.detect_log_level else logging.INFO
            self.log.log(level, "%s", format_log_line(event, self.show_timestamps))
            return
        formatted = format_event(event)
        if formatted is not None:
            level, message = formatted
            self.log.log(level if level >= logging.INFO else logging.INFO, "%s", message)

    async def run(self) -> AsyncIterator[Any]:
        client = shared_serve_client(resolve_kjo_command() + ["serve"], env=self.hook.environment())
        result: Optional[Dict[str, Any]] = None
        api_events: List[Dict[str, Any]] = []
        async with self.cluster_ref() as cluster:
            request: Dict[str, Any] = {
                "runId": self.run_id,
                "logs": self.get_logs,
                "deletePolicy": "Never",  # execute_complete applies the task's policy
                "parseXcom": not self.raw_xcom,
                "detectLogLevel": self.detect_log_level,
            }
            if self.namespace:
                request["namespace"] = self.namespace
            if self.startup_timeout_seconds is not None:
                request["startupTimeoutSeconds"] = self.startup_timeout_seconds
            if cluster:
                request["cluster"] = cluster
            self.log.info("following run %s through kjo serve (connection %s)", self.run_id, self.kubernetes_conn_id)
            follow = await client.follow(request, deadline=self.execution_deadline)
            # Cancelled here (triggerer stopping): the follow is detached, the run left alone.
            async for event in follow.events():
                if event.get("type") == "result":
                    result = event
                    break
                if event.get("type") == "api_event" and len(api_events) < MAX_API_EVENTS:
                    api_events.append({k: v for k, v in event.items() if k != "id"})
                self._log_event(event)
        if result is None or result.get("state") == "Detached":
            yield TriggerEvent(self._payload("error", result, None, "kjo serve ended the follow without a result"))
            return
        status = "error" if result.get("state") == "Error" else "done"
        yield TriggerEvent(self._payload(status, result, result.get("exitCode"), api_events=api_events))

    async def on_kill(self) -> None:
        """The user killed the deferred task: delete the run's resources."""
        args = cleanup_args(run_id=self.run_id, namespace=self.namespace)
        self.log.info("task killed while deferred: deleting run %s", self.run_id)
        async with self.hook.kjo_async_process(args, on_stderr=lambda line: self.log.info("kjo: %s", line)) as process:
            async for event in process.events():
                self.log.info("kjo cleanup: %s", event.get("message", event))
            code = await process.wait()
        self.log.info("kjo cleanup exited with code %s", code)
