"""Follow N pods with the cncf.kubernetes provider's KubernetesPodTrigger, all in one asyncio loop.

What an Airflow triggerer does for N deferred KubernetesPodOperator tasks: one
KubernetesPodTrigger per pod, each run() awaited concurrently in one event loop. The
pods are created beforehand by bench/serve_vs_attach.ts (a bare Pod per run, as the
pod operator creates). The trigger's own defaults are kept (poll_interval 2 s,
startup_check_interval 5 s, log_events_on_startup), except the start-up and schedule
timeouts (raised: the bench holds pods back to stay within the node's pod capacity).
The kubeconfig is passed as config_dict, as the deferrable operator does.

usage: provider_trigger.py KUBECONFIG NAMESPACE POD_NAMES_FILE
stdout: one JSON line {"ready": N} once every trigger runs, then one JSON line per
event: {"pod": NAME, "status": "success"|..., "time": ISO-8601 with ms}.
"""

import time

_STARTED = time.perf_counter()

import asyncio  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
from _import_stats import report_imports  # noqa: E402
import sys  # noqa: E402


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="milliseconds")


async def _follow(trigger, name: str) -> None:
    async for event in trigger.run():
        payload = event.payload
        message = payload.get("message")
        trace = (payload.get("stack_trace") or "").strip().splitlines()
        if trace:  # an error event: keep the exception's last line
            message = f"{message} [{trace[-1]}]"
        print(
            json.dumps({"pod": name, "status": payload.get("status"), "time": _now(),
                        "message": message}),
            flush=True,
        )
        return


async def main() -> int:
    kubeconfig, namespace, names_file = sys.argv[1:4]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    import yaml
    from airflow.providers.cncf.kubernetes.triggers.pod import KubernetesPodTrigger

    report_imports(_STARTED)
    with open(kubeconfig, encoding="utf-8") as f:
        config_dict = yaml.safe_load(f)
    with open(names_file, encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    start = datetime.datetime.now(tz=datetime.UTC)
    tasks = []
    for name in names:
        trigger = KubernetesPodTrigger(
            pod_name=name,
            pod_namespace=namespace,
            trigger_start_time=start,
            base_container_name="base",
            kubernetes_conn_id=None,
            config_dict=config_dict,
            in_cluster=False,
            get_logs=True,
            startup_timeout=3600,
            schedule_timeout=3600,
            on_finish_action="keep_pod",
        )
        tasks.append(asyncio.create_task(_follow(trigger, name)))
    print(json.dumps({"ready": len(tasks)}), flush=True)
    await asyncio.gather(*tasks)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
