"""ServeClient with a fake ``kjo serve``: routing by id, restart with back-off and re-follow,
each log line once across restarts, detach, giving up."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from airflow_kjo.serve_client import Backoff, ServeClient, shared_serve_client

from tests.conftest import SUPPORT

FAKE_SERVE = [sys.executable, str(SUPPORT / "fake_serve.py")]


def log(run: str, n: int, container: str = "main") -> Dict[str, Any]:
    return {"type": "log", "pod": f"{run}-pod", "container": container, "line": f"{run} line {n}"}


def result(state: str = "Succeeded", code: int = 0, **extra: Any) -> Dict[str, Any]:
    return {"type": "result", "state": state, "exitCode": code, "xcom": {}, "resources": ["Job/x"], **extra}


class FakeServe:
    def __init__(self, directory: Path) -> None:
        self.script_path = directory / "serve_script.json"
        self.calls_path = directory / "serve_calls.jsonl"

    def script(self, **script: Any) -> "FakeServe":
        self.script_path.write_text(json.dumps(script))
        return self

    def env(self) -> Dict[str, str]:
        return {**os.environ, "FAKE_SERVE_SCRIPT": str(self.script_path), "FAKE_SERVE_CALLS": str(self.calls_path)}

    def calls(self) -> List[Dict[str, Any]]:
        if not self.calls_path.exists():
            return []
        return [json.loads(line) for line in self.calls_path.read_text().splitlines()]

    def client(self, **kwargs: Any) -> ServeClient:
        return ServeClient(FAKE_SERVE, env=self.env(), **kwargs)


@pytest.fixture
def fake_serve(tmp_path) -> FakeServe:
    return FakeServe(tmp_path)


async def collect(client: ServeClient, run_id: str, **fields: Any) -> List[Dict[str, Any]]:
    follow = await client.follow({"runId": run_id, "logs": True, **fields})
    return [event async for event in follow.events()]


def run(coro, timeout: float = 60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_backoff_doubles_up_to_the_maximum_and_gives_up():
    backoff = Backoff(initial=0.5, factor=2, maximum=3, give_up_after=5)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 3, 3, None]
    backoff.reset()
    assert backoff.next_delay() == 0.5
    endless = Backoff(initial=1, maximum=30, give_up_after=None)
    assert [endless.next_delay() for _ in range(40)][-1] == 30


def test_routes_each_event_to_its_follow_in_one_process(fake_serve):
    runs = {f"r{k}": [item for n in range(5) for item in (log(f"r{k}", n), {"sleep": 0.01 * (k % 3)})]
            + [result("Failed" if k % 4 == 0 else "Succeeded", 1 if k % 4 == 0 else 0, xcom={"k": k})]
            for k in range(12)}
    fake_serve.script(runs=runs)

    async def scenario():
        client = fake_serve.client()
        try:
            got = await asyncio.gather(*(collect(client, run_id) for run_id in runs))
            return got, client.starts, client.live
        finally:
            await client.close()

    got, starts, live = run(scenario())
    assert starts == 1 and live == 0
    for k, events in enumerate(got):
        assert [e["line"] for e in events if e["type"] == "log"] == [f"r{k} line {n}" for n in range(5)]
        assert events[-1]["type"] == "result" and events[-1]["xcom"] == {"k": k}
        assert events[-1]["state"] == ("Failed" if k % 4 == 0 else "Succeeded")
        assert {e["id"] for e in events} == {events[0]["id"]}
    assert len({call["pid"] for call in fake_serve.calls()}) == 1


def test_a_dead_serve_is_restarted_and_every_run_followed_again_without_repeating_lines(fake_serve, tmp_path):
    marker = str(tmp_path / "died")
    runs = {}
    for k in range(6):
        events: List[Dict[str, Any]] = [log(f"r{k}", n) for n in range(4)]
        events += [{"type": "api_event", "name": "xcom", "value": "{}", "pod": f"r{k}-pod", "container": "main"}]
        events += [{"sleep": 0.3}, {"die_once": marker}] if k == 0 else [{"sleep": 0.3}]
        events += [log(f"r{k}", n) for n in range(4, 8)] + [result()]
        runs[f"r{k}"] = events
    fake_serve.script(runs=runs)

    async def scenario():
        client = fake_serve.client(backoff=Backoff(initial=0.05, give_up_after=3))
        try:
            got = await asyncio.gather(*(collect(client, run_id) for run_id in runs))
            return got, client.starts
        finally:
            await client.close()

    got, starts = run(scenario())
    assert starts == 2
    for k, events in enumerate(got):
        assert [e["line"] for e in events if e["type"] == "log"] == [f"r{k} line {n}" for n in range(8)]
        assert len([e for e in events if e["type"] == "api_event"]) == 1
        assert events[-1]["state"] == "Succeeded"
    pids = {}
    for call in fake_serve.calls():
        pids.setdefault(call["request"]["runId"], []).append(call["pid"])
    # r0's process died before the others ended: the runs still followed were sent again to the new one.
    assert len(set(pids["r0"])) == 2


def test_sigkill_from_outside_loses_nothing(fake_serve):
    runs = {f"r{k}": [item for n in range(20) for item in (log(f"r{k}", n), {"sleep": 0.05})] + [result()]
            for k in range(5)}
    fake_serve.script(runs=runs)

    async def scenario():
        client = fake_serve.client(backoff=Backoff(initial=0.05))
        try:
            tasks = [asyncio.ensure_future(collect(client, run_id)) for run_id in runs]
            while client.pid is None:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.4)
            os.kill(client.pid, signal.SIGKILL)
            return await asyncio.gather(*tasks), client.starts
        finally:
            await client.close()

    got, starts = run(scenario())
    assert starts == 2
    for k, events in enumerate(got):
        assert [e["line"] for e in events if e["type"] == "log"] == [f"r{k} line {n}" for n in range(20)]
        assert events[-1]["state"] == "Succeeded"


def test_a_serve_stopped_by_someone_else_is_restarted_and_its_detached_results_ignored(fake_serve):
    runs = {f"r{k}": [item for n in range(10) for item in (log(f"r{k}", n), {"sleep": 0.05})] + [result()]
            for k in range(3)}
    fake_serve.script(runs=runs)

    async def scenario():
        client = fake_serve.client(backoff=Backoff(initial=0.05))
        try:
            tasks = [asyncio.ensure_future(collect(client, run_id)) for run_id in runs]
            while client.lines < 3:
                await asyncio.sleep(0.02)
            os.kill(client.pid, signal.SIGTERM)  # kjo serve writes Detached results and exits 0
            return await asyncio.gather(*tasks), client.starts
        finally:
            await client.close()

    got, starts = run(scenario())
    assert starts == 2
    for k, events in enumerate(got):
        assert [e["line"] for e in events if e["type"] == "log"] == [f"r{k} line {n}" for n in range(10)]
        assert [e["state"] for e in events if e["type"] == "result"] == ["Succeeded"]


def test_gives_up_after_starts_that_answer_nothing(fake_serve):
    fake_serve.script(exit_at_start=1, runs={})

    async def scenario():
        client = fake_serve.client(backoff=Backoff(initial=0.01, give_up_after=3))
        try:
            got = await asyncio.gather(collect(client, "a"), collect(client, "b"))
            return got, client.starts
        finally:
            await client.close()

    got, starts = run(scenario())
    assert starts == 4
    for events in got:
        assert len(events) == 1 and events[0]["state"] == "Error"
        assert "exited with code 1 3 times in a row" in events[0]["message"]


def test_kjo_that_cannot_start_ends_the_follow_with_an_error(tmp_path):
    async def scenario():
        client = ServeClient([str(tmp_path / "no-such-kjo"), "serve"])
        return await collect(client, "a")

    events = run(scenario())
    assert events[-1]["state"] == "Error" and "could not start" in events[-1]["message"]


def test_leaving_a_follow_early_detaches_only_that_run(fake_serve):
    fake_serve.script(runs={
        "long": [log("long", 0), {"sleep": 30}, result()],
        "short": [log("short", 0), {"sleep": 0.5}, result()],
    })

    async def scenario():
        client = fake_serve.client()
        try:
            follow = await client.follow({"runId": "long"})
            short = asyncio.ensure_future(collect(client, "short"))
            async for event in follow.events():
                assert event["line"] == "long line 0"
                break
            await follow.events().aclose()
            return await short, client.live
        finally:
            await client.close()

    short, live = run(scenario())
    assert short[-1]["state"] == "Succeeded" and live == 0
    requests = [call["request"] for call in fake_serve.calls()]
    assert {"op": "detach", "id": requests[0]["id"]} in requests


def test_a_refused_request_ends_its_follow_only(fake_serve):
    fake_serve.script(runs={"a": [{"sleep": 0.5}, result()], "bad": [result()]}, refuse=["bad"])

    async def scenario():
        client = fake_serve.client()
        try:
            return await asyncio.gather(collect(client, "a"), collect(client, "bad"))
        finally:
            await client.close()

    good, bad = run(scenario())
    assert good[-1]["state"] == "Succeeded"
    assert len(bad) == 1 and bad[0]["state"] == "Error" and "refused the follow: id in use" in bad[0]["message"]


def test_the_deadline_becomes_the_execution_timeout_left(fake_serve):
    fake_serve.script(runs={"a": [result()], "b": [result()]})

    async def scenario():
        client = fake_serve.client()
        try:
            await collect(client, "a", cluster={"kubeconfig": "/k"})
            follow = await client.follow({"runId": "b"}, deadline=time.time() + 100)
            return [e async for e in follow.events()]
        finally:
            await client.close()

    run(scenario())
    first, second = [call["request"] for call in fake_serve.calls()]
    assert first["cluster"] == {"kubeconfig": "/k"} and "executionTimeoutSeconds" not in first
    assert 90 < second["executionTimeoutSeconds"] <= 100


def test_one_shared_client_per_event_loop():
    async def two():
        return shared_serve_client(["kjo", "serve"], env={}), shared_serve_client(["kjo", "serve"], env={})

    a, b = asyncio.run(two())
    c, _ = asyncio.run(two())
    assert a is b and a is not c


def test_the_client_logs_outside_the_context_of_the_trigger_that_started_it(fake_serve):
    """Airflow routes a trigger's records to its task log by context variables: what the shared
    client logs (here: its start) must not carry those of the first trigger."""
    import contextvars
    import logging

    trigger_id: contextvars.ContextVar = contextvars.ContextVar("trigger_id")
    seen = []

    class Probe(logging.Handler):
        def emit(self, record):
            seen.append((record.getMessage(), trigger_id.get(None)))

    fake_serve.script(runs={"a": [result()]})
    probe = Probe()
    logger = logging.getLogger("airflow_kjo.serve_client")
    logger.addHandler(probe)
    logger.setLevel(logging.INFO)

    async def trigger():
        trigger_id.set(7)
        client = fake_serve.client()
        try:
            return await collect(client, "a")
        finally:
            await client.close()

    try:
        events = run(trigger())
    finally:
        logger.removeHandler(probe)
    assert events[-1]["state"] == "Succeeded"
    started = [ctx for message, ctx in seen if message.startswith("kjo serve started")]
    assert started == [None]
