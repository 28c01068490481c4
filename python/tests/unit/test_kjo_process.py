"""Binary resolution and the kjo subprocess (with a fake kjo)."""

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from airflow_kjo import kjo_process
from airflow_kjo.kjo_process import (
    KjoNotFoundError,
    KjoProcess,
    find_deno,
    parse_event_line,
    resolve_kjo_command,
)

from tests.conftest import FAKE_KJO, result_event


def _exe(path: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_kjo_binary_wins(tmp_path):
    binary = _exe(tmp_path / "my-kjo")
    assert resolve_kjo_command({"KJO_BINARY": str(binary), "PATH": ""}) == [str(binary)]


def test_kjo_binary_bundle_runs_with_deno(tmp_path):
    bundle = tmp_path / "kjo.js"
    bundle.write_text("console.log('hi')")
    deno = _exe(tmp_path / "deno")
    argv = resolve_kjo_command({"KJO_BINARY": str(bundle), "KJO_DENO": str(deno)})
    assert argv == [str(deno), "run", "-A", "--no-config", str(bundle)]


def test_bundle_uses_pypi_deno_by_default():
    import deno

    assert find_deno({}) == deno.find_deno_bin()
    assert os.access(find_deno({}), os.X_OK)


def test_kjo_on_path_next(tmp_path):
    _exe(tmp_path / "kjo")
    assert resolve_kjo_command({"PATH": str(tmp_path)}) == [str(tmp_path / "kjo")]


def test_bundle_in_package_last(tmp_path, monkeypatch):
    bundle = tmp_path / "_bundle" / "kjo.js"
    bundle.parent.mkdir()
    bundle.write_text("")
    monkeypatch.setattr(kjo_process, "BUNDLE_PATH", bundle)
    argv = resolve_kjo_command({"PATH": str(tmp_path / "empty")})
    assert argv[1:] == ["run", "-A", "--no-config", str(bundle)]
    assert argv[0].endswith("deno")


def test_nothing_found_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(kjo_process, "BUNDLE_PATH", tmp_path / "missing" / "kjo.js")
    with pytest.raises(KjoNotFoundError, match="KJO_BINARY is not set, there is no `kjo` on PATH"):
        resolve_kjo_command({"PATH": str(tmp_path)})


def test_kjo_binary_missing_file_is_an_error(tmp_path):
    with pytest.raises(KjoNotFoundError, match="is not a file"):
        resolve_kjo_command({"KJO_BINARY": str(tmp_path / "nope")})


def test_parse_event_line():
    assert parse_event_line('{"type": "log", "line": "x"}') == {"type": "log", "line": "x"}
    assert parse_event_line("not json")["type"] == "info"
    assert parse_event_line('{"no": "type"}')["message"] == (
        "kjo printed a line that is not an event (JSON without a type): '{\"no\": \"type\"}'"
    )


def test_parse_event_line_never_raises_on_deep_nesting_or_garbage():
    deep = '{"type": "api_event", "name": "xcom", "value": "x", "parsed": ' + "[" * 100000 + "]" * 100000 + "}"
    event = parse_event_line(deep)
    assert event["type"] == "info" and "nested too deeply" in event["message"]
    assert len(event["message"]) < 700  # the line is cut in the message
    garbage = bytes(range(256)).decode("utf-8", errors="replace")
    assert parse_event_line("{" + garbage)["type"] == "info"


def test_reader_survives_unparsable_lines_and_keeps_draining(fake_kjo):
    deep = '{"type": "api_event", "name": "xcom", "value": "x", "parsed": ' + "[" * 50000 + "]" * 50000 + "}"
    events = [{"raw": deep}, {"raw": "\x00\x01\xff garbage {"}]
    # Enough output after the bad lines to fill a pipe many times over: kjo never blocks.
    events += [{"type": "log", "pod": "p", "container": "c", "line": "x" * 1000} for _ in range(500)]
    events.append({"type": "result", "state": "Succeeded", "exitCode": 0, "xcom": {}, "resources": []})
    fake_kjo.script(events)
    process = KjoProcess([str(FAKE_KJO), "run"])
    got = list(process.events(timeout=60))
    assert process.wait(timeout=60) == 0
    assert [e["type"] for e in got[:2]] == ["info", "info"]
    assert "nested too deeply" in got[0]["message"] and "garbage" in got[1]["message"]
    assert sum(e["type"] == "log" for e in got) == 500 and got[-1]["type"] == "result"


def test_events_stream_as_they_come(fake_kjo):
    fake_kjo.script(
        [
            {"type": "log", "pod": "p", "container": "c", "line": "first"},
            {"sleep": 1.0},
            {"type": "log", "pod": "p", "container": "c", "line": "second"},
            {"stderr": "a warning"},
            result_event(),
        ]
    )
    stderr = []
    seen = []
    with KjoProcess([str(FAKE_KJO), "run"], on_stderr=stderr.append) as process:
        for event in process.events():
            seen.append((time.monotonic(), event))
        code = process.wait()
    assert code == 0
    assert [e["type"] for _, e in seen] == ["log", "log", "result"]
    # the first line arrived before the fake slept: streamed, not buffered to the end
    assert seen[1][0] - seen[0][0] >= 0.8
    assert stderr == ["a warning"]


def test_stop_sends_sigterm_once_and_waits(fake_kjo):
    fake_kjo.script(
        [{"type": "log", "pod": "p", "container": "c", "line": "running"}, {"sleep": 30}],
        on_term={"delay": 0.5, "events": [result_event("Interrupted", 143, reason="SIGTERM")], "exit": 143},
    )
    process = KjoProcess([str(FAKE_KJO), "run"])
    events = process.events()
    assert next(events)["line"] == "running"
    stopper = threading.Thread(target=process.stop)
    started = time.monotonic()
    stopper.start()
    stopper.join(10)
    assert process.returncode == 143
    assert time.monotonic() - started >= 0.4  # waited for the cleanup
    rest = list(events)
    assert rest[-1]["state"] == "Interrupted"


def test_stop_kills_after_timeout(fake_kjo, tmp_path):
    ready = tmp_path / "ready"
    fake_kjo.script([{"touch": str(ready)}, {"sleep": 30}], on_term={"delay": 30, "exit": 143})
    process = KjoProcess([str(FAKE_KJO), "run"], stop_timeout=0.5)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:  # its SIGTERM handler is installed
        time.sleep(0.05)
    assert process.stop() == -9
