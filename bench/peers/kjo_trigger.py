"""Follow N kjo runs with airflow-kjo's KjoRunTrigger, all in one asyncio loop.

What an Airflow triggerer does for N deferred KubernetesJobOperator tasks: one
KjoRunTrigger per run, each run() awaited concurrently in one event loop, where
they share one `kjo serve` child process (airflow_kjo.serve_client). The runs
(Jobs) are submitted beforehand by bench/serve_vs_attach.ts, as the deferrable
operator submits them before it defers. Each trigger is built as the operator's
_submit_and_defer builds it with the default settings ([kubernetes_job_operator]
section unset): get_logs=True (the operator's default: pod lines are relayed to
the task log while deferred), XCom parsed, the settings' kjo environment,
timestamps and log-level detection, no execution deadline, and a startup timeout of an
hour (the runs wait behind the bench's scheduling gates, as for the other followers). The cluster is the
operator's config_file (the recording proxy's kubeconfig), no connection id: an
Airflow 3 connection lookup needs a running triggerer's supervisor.

The triggers log as in a triggerer's event-loop process: Airflow's structlog
set-up (airflow.sdk.log.configure_logging, JSON lines, the default level INFO),
each trigger's lines tagged with its trigger_id, here written to LOG_FILE
(a triggerer sends them to its supervisor, which writes each task's log).

The kjo that `kjo serve` runs: KJO_BINARY (set by the bench to a wrapper that
execs `deno run -A cli.ts`, the kjo of the `serve` follower).

usage: kjo_trigger.py KUBECONFIG NAMESPACE RUN_IDS_FILE LOG_FILE
stdout: one JSON line {"ready": N} once every trigger task exists, one
{"following": RUN_ID} when a trigger logged its run's first event (kjo serve
follows it), then one JSON line per final event: {"run": RUN_ID, "status":
"done"|"error", "state": kjo's state, "time": ISO-8601 with ms, "message": ...,
"lines": pod log lines relayed to the task log}.
"""

import time

_STARTED = time.perf_counter()

import asyncio  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
from _import_stats import report_imports  # noqa: E402
import sys  # noqa: E402
from typing import Dict, Optional, Set  # noqa: E402

import structlog  # noqa: E402

#: Run id of each trigger's asyncio task (the triggers log in their own task).
_RUN_OF_TASK: Dict["asyncio.Task", str] = {}
#: Runs whose trigger logged an event from kjo serve.
_FOLLOWING: Set[str] = set()
#: Pod log lines relayed to the task log, per run.
_LINES: Dict[str, int] = {}


def _now() -> str:
    return datetime.datetime.now(tz=datetime.timezone.utc).isoformat(timespec="milliseconds")


def _emit(payload: dict) -> None:
    print(json.dumps(payload), flush=True)


def _progress(_logger, _method, event_dict):
    """A structlog processor: notes, per run, the first event its trigger logged and the pod
    log lines it relayed (the triggers log from their own asyncio task)."""
    try:
        task: Optional[asyncio.Task] = asyncio.current_task()
    except RuntimeError:  # not in the loop's thread
        return event_dict
    run = _RUN_OF_TASK.get(task) if task is not None else None
    if run is None:
        return event_dict
    message = str(event_dict.get("event", ""))
    if message.startswith("following run ") and " through kjo serve " in message:
        return event_dict  # logged before the follow request is sent
    if " | " in message:
        _LINES[run] = _LINES.get(run, 0) + 1
    if run not in _FOLLOWING:
        _FOLLOWING.add(run)
        _emit({"following": run})
    return event_dict


async def _follow(trigger, run_id: str, trigger_id: int) -> None:
    _RUN_OF_TASK[asyncio.current_task()] = run_id
    structlog.contextvars.bind_contextvars(trigger_id=trigger_id)  # as the triggerer binds it
    async for event in trigger.run():
        payload = event.payload
        _emit({
            "run": run_id,
            "status": payload.get("status"),
            "state": payload.get("state"),
            "time": _now(),
            "message": payload.get("message"),
            "lines": _LINES.get(run_id, 0),
        })
        return


async def main() -> int:
    kubeconfig, namespace, ids_file, log_file = sys.argv[1:5]
    # As the triggerer's event-loop process logs: JSON lines (which the triggerer's supervisor
    # sorts into each task's log), here into one file.
    from airflow.sdk.log import configure_logging

    configure_logging(json_output=True, output=open(log_file, "wb"), sending_to_supervisor=True)
    structlog.configure(processors=[_progress, *structlog.get_config()["processors"]])
    from airflow_kjo.config import load_settings
    from airflow_kjo.serve_client import shared_serve_client
    from airflow_kjo.triggers import KjoRunTrigger

    report_imports(_STARTED)
    settings = load_settings()
    with open(ids_file, encoding="utf-8") as f:
        run_ids = [line.strip() for line in f if line.strip()]
    tasks = []
    triggers = []
    for i, run_id in enumerate(run_ids):
        trigger = KjoRunTrigger(
            run_id=run_id,
            namespace=namespace,
            kubernetes_conn_id=None,
            config_file=kubeconfig,
            kjo_env=settings.kjo_environment(),
            get_logs=True,
            raw_xcom=False,
            show_timestamps=settings.show_kubernetes_timestamps,
            detect_log_level=settings.detect_kubernetes_log_level,
            execution_deadline=None,
            # As for the other followers: runs wait behind the bench's gates far longer than
            # the default 120 s, as a task with a long startup_timeout_seconds would.
            startup_timeout_seconds=3600,
        )
        triggers.append(trigger)
        tasks.append(asyncio.create_task(_follow(trigger, run_id, i + 1)))
    _emit({"ready": len(tasks)})
    try:
        await asyncio.gather(*tasks)
    finally:
        # Every follow ended: close the shared kjo serve (stdin closed, it exits 0).
        if triggers:
            from airflow_kjo.kjo_process import resolve_kjo_command

            client = shared_serve_client(resolve_kjo_command() + ["serve"], env=triggers[0].hook.environment())
            await client.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
