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

Example::

    trigger = KjoRunTrigger(run_id="k3f9x0q2m7ab", namespace="jobs", connection={"config_file": "/k"})
    trigger.serialize()
    # ("airflow_kjo.triggers.KjoRunTrigger", {"run_id": "k3f9x0q2m7ab", ...})
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Dict, Optional, Tuple

from airflow_kjo._compat import BaseTrigger, TriggerEvent
from airflow_kjo.events import format_event, format_log_line
from airflow_kjo.kjo_args import KubeConnection, attach_args, cleanup_args
from airflow_kjo.kjo_process import AsyncKjoProcess, kjo_environment, resolve_kjo_command

if BaseTrigger is None:  # pragma: no cover
    raise ImportError("airflow_kjo.triggers needs airflow.triggers.base (airflow-core)")


class KjoRunTrigger(BaseTrigger):
    """Fires ``{"status": "done"|"error", "run_id", "namespace", "state", "exit_code", "reason",
    "message"}`` when the run ends (or cannot be followed)."""

    def __init__(
        self,
        *,
        run_id: str,
        namespace: Optional[str] = None,
        connection: Optional[Dict[str, Any]] = None,
        kjo_env: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__()
        self.run_id = run_id
        self.namespace = namespace
        self.connection = dict(connection or {})
        self.kjo_env = dict(kjo_env or {})

    def serialize(self) -> Tuple[str, Dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "run_id": self.run_id,
                "namespace": self.namespace,
                "connection": self.connection,
                "kjo_env": self.kjo_env,
            },
        )

    def _kube(self) -> KubeConnection:
        return KubeConnection(**{k: self.connection.get(k) for k in ("in_cluster", "config_file", "cluster_context")})

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
        argv = resolve_kjo_command() + attach_args(
            run_id=self.run_id, namespace=self.namespace, connection=self._kube(), delete_policy="Never", get_logs=False
        )
        self.log.info("following run %s: %s", self.run_id, " ".join(argv))
        process = await AsyncKjoProcess.start(
            argv, env=kjo_environment(self.kjo_env), on_stderr=lambda line: self.log.info("kjo: %s", line)
        )
        result: Optional[Dict[str, Any]] = None
        finished = False
        try:
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
            finished = True
        finally:
            if not finished:
                # Cancelled: leave the run running (another triggerer picks it up).
                process.kill()
                await process.wait()
        if result is None:
            yield TriggerEvent(self._payload("error", None, code, f"kjo attach exited with code {code} without a result"))
            return
        yield TriggerEvent(self._payload("done", result, code))

    async def on_kill(self) -> None:
        """The user killed the deferred task: delete the run's resources."""
        argv = resolve_kjo_command() + cleanup_args(run_id=self.run_id, namespace=self.namespace, connection=self._kube())
        self.log.info("task killed while deferred: deleting run %s", self.run_id)
        process = await AsyncKjoProcess.start(
            argv, env=kjo_environment(self.kjo_env), on_stderr=lambda line: self.log.info("kjo: %s", line)
        )
        async for event in process.events():
            self.log.info("kjo cleanup: %s", event.get("message", event))
        code = await process.wait()
        self.log.info("kjo cleanup exited with code %s", code)
