"""``KjoRunTrigger``: follows a submitted kjo run from the triggerer, without
holding a worker slot.

The trigger runs ``kjo attach --run-id ID -o jsonl --no-logs
--delete-policy Never``: it writes the run's status changes and Kubernetes
events to the task log and fires one event when the run ends. The resources
stay, so the resumed task (``execute_complete``) can relay every pod's log
from the start, push XCom and apply the real delete policy.

Cancelling the trigger (a triggerer restart, a rolling deploy) kills the
attach process with SIGKILL, which leaves the run alone; only ``on_kill``
(Airflow 3.3+: the user marked or cleared the deferred task) deletes the run,
with ``kjo cleanup --run-id ID``.

The trigger carries the connection id (``kubernetes_conn_id``) and the
operator's cluster arguments, never credentials; ``KjoHook`` resolves the
connection in the triggerer and starts kjo.

Example::

    trigger = KjoRunTrigger(run_id="k3f9x0q2m7ab", namespace="jobs", kubernetes_conn_id="k8s_prod")
    trigger.serialize()
    # ("airflow_kjo.triggers.KjoRunTrigger", {"run_id": "k3f9x0q2m7ab", ...})
"""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Dict, Optional, Tuple

from airflow_kjo._compat import BaseTrigger, TriggerEvent
from airflow_kjo.events import format_event, format_log_line
from airflow_kjo.hook import DEFAULT_CONN_ID, KjoHook
from airflow_kjo.kjo_args import attach_args, cleanup_args

if BaseTrigger is None:  # pragma: no cover
    raise ImportError("airflow_kjo.triggers needs airflow.triggers.base (airflow-core)")


class KjoRunTrigger(BaseTrigger):
    """Fires ``{"status": "done"|"error", "run_id", "namespace", "state", "exit_code", "reason",
    "message"}`` when the run ends (or cannot be followed).

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

    def _payload(self, status: str, result: Optional[Dict[str, Any]], code: Optional[int], message: str = ""):
        result = result or {}
        return {
            "status": status,
            "run_id": self.run_id,
            "namespace": result.get("namespace") or self.namespace,
            "state": result.get("state"),
            "exit_code": result.get("exitCode", code),
            "reason": result.get("reason"),
            "message": result.get("message") or message or None,
        }

    async def run(self) -> AsyncIterator[Any]:
        args = attach_args(run_id=self.run_id, namespace=self.namespace, delete_policy="Never", get_logs=False)
        self.log.info("following run %s (connection %s)", self.run_id, self.kubernetes_conn_id)
        result: Optional[Dict[str, Any]] = None
        code: Optional[int] = None
        # Leaving the block early (cancelled) kills kjo with SIGKILL: the run stays for another triggerer.
        async with self.hook.kjo_async_process(args, on_stderr=lambda line: self.log.info("kjo: %s", line)) as process:
            async for event in process.events():
                if event.get("type") == "result":
                    result = event
                    continue
                if event.get("type") == "log":
                    self.log.info("%s", format_log_line(event))
                    continue
                formatted = format_event(event)
                if formatted is not None:
                    level, message = formatted
                    self.log.log(level if level >= logging.INFO else logging.INFO, "%s", message)
            code = await process.wait()
        if result is None:
            yield TriggerEvent(self._payload("error", None, code, f"kjo attach exited with code {code} without a result"))
            return
        yield TriggerEvent(self._payload("done", result, code))

    async def on_kill(self) -> None:
        """The user killed the deferred task: delete the run's resources."""
        args = cleanup_args(run_id=self.run_id, namespace=self.namespace)
        self.log.info("task killed while deferred: deleting run %s", self.run_id)
        async with self.hook.kjo_async_process(args, on_stderr=lambda line: self.log.info("kjo: %s", line)) as process:
            async for event in process.events():
                self.log.info("kjo cleanup: %s", event.get("message", event))
            code = await process.wait()
        self.log.info("kjo cleanup exited with code %s", code)
