"""Relaying events: log lines, XCom, api event callbacks, failure messages."""

import logging

import pytest

from airflow_kjo.events import EventRelay, KubeApiEvent, detect_line_level, failure_message, format_event, format_log_line
from airflow_kjo.xcom import XComParseError, xcom_value_parser


class Recorder:
    def __init__(self):
        self.records = []

    def log(self, level, message, *args):
        self.records.append((level, message % args if args else message))

    def messages(self):
        return [m for _, m in self.records]


def relay(**kwargs):
    log = Recorder()
    pushed = {}
    calls = []
    r = EventRelay(
        log=log,
        context={"ctx": 1},
        xcom_push=lambda k, v: pushed.__setitem__(k, v),
        on_kube_api_event=lambda event, context: calls.append((event, context)),
        **kwargs,
    )
    return r, log, pushed, calls


def test_log_lines_and_levels():
    r, log, _, _ = relay()
    r.handle({"type": "log", "pod": "job-abc", "container": "main", "line": "hello", "ts": "2024-01-01T00:00:00Z"})
    r.handle({"type": "log", "pod": "job-abc", "container": "main", "line": "ERROR: boom"})
    assert log.records == [(logging.INFO, "job-abc/main | hello"), (logging.ERROR, "job-abc/main | ERROR: boom")]


def test_timestamps_and_no_level_detection():
    r, log, _, _ = relay(show_timestamps=True, detect_log_level=False)
    r.handle({"type": "log", "pod": "p", "container": "c", "line": "WARNING x", "ts": "T1"})
    assert log.records == [(logging.INFO, "p/c | T1 WARNING x")]


def test_detect_line_level():
    assert detect_line_level("[WARNING] careful") == logging.WARNING
    assert detect_line_level("2024-01-01 12:00:00 ERROR failed") == logging.ERROR
    assert detect_line_level("info: fine") == logging.INFO
    assert detect_line_level("no errors here") == logging.INFO
    assert detect_line_level("CRITICAL | down") == logging.CRITICAL


def test_status_event_and_info_lines():
    assert format_event({"type": "status", "resource": "Job/x", "state": "Failed", "reason": "BackoffLimitExceeded"}) == (
        logging.INFO,
        "Job/x: Failed (BackoffLimitExceeded)",
    )
    level, text = format_event(
        {"type": "k8s_event", "object": "Pod/p", "reason": "BackOff", "message": "m", "eventType": "Warning", "count": 3}
    )
    assert level == logging.WARNING and text == "event Pod/p BackOff: m (x3)"
    assert format_event({"type": "info", "level": "warning", "message": "w"}, run_label="r1") == (logging.WARNING, "[r1] w")


def test_xcom_one_push_per_key_and_callback():
    r, _, pushed, calls = relay(parse_xcom_event=xcom_value_parser)
    r.handle({"type": "api_event", "name": "xcom", "value": '{"a": 1, "b": [2]}', "parsed": {"a": 1, "b": [2]}, "pod": "p", "container": "c"})
    r.handle({"type": "api_event", "name": "progress", "value": "50%", "pod": "p", "container": "c"})
    assert pushed == {"a": 1, "b": [2]}
    # (event, context), as the original calls it: event.name, event.value, event.line
    assert [(e.name, e.value, c) for e, c in calls] == [("xcom", '{"a": 1, "b": [2]}', {"ctx": 1}), ("progress", "50%", {"ctx": 1})]
    assert isinstance(calls[0][0], KubeApiEvent)
    assert (calls[1][0].line.pod_name, calls[1][0].line.container_name) == ("p", "c")
    assert calls[0][0].parsed == {"a": 1, "b": [2]}


def test_container_filter_progress_callback_and_formatter():
    seen = []
    r, log, _, _ = relay(log_containers=["base"], progress_callback=seen.append, log_formatter=lambda c, m: f"<{c}> {m}")
    r.handle({"type": "log", "pod": "p", "container": "base", "line": "mine"})
    r.handle({"type": "log", "pod": "p", "container": "sidecar", "line": "not mine"})
    assert log.messages() == ["<base> mine"] and seen == ["mine"]
    r, log, _, _ = relay(log_prefix=False)
    r.handle({"type": "log", "pod": "p", "container": "c", "line": "bare 100%"})
    assert log.messages() == ["bare 100%"]


def test_custom_xcom_parser_gets_the_raw_value():
    r, _, pushed, _ = relay(parse_xcom_event=lambda raw: {"raw": raw.upper()})
    r.handle({"type": "api_event", "name": "xcom", "value": "abc", "pod": "p", "container": "c"})
    assert pushed == {"raw": "ABC"}


def test_bad_xcom_is_an_error():
    r, log, pushed, _ = relay(parse_xcom_event=xcom_value_parser)
    r.handle({"type": "api_event", "name": "xcom", "value": "[1, 2]", "pod": "p", "container": "c"})
    r.handle({"type": "result", "state": "Succeeded", "exitCode": 0})
    assert pushed == {} and not r.succeeded()
    assert "must be a JSON object" in r.errors[0]
    with pytest.raises(XComParseError):
        xcom_value_parser("not json")


def test_failure_message():
    text = failure_message(
        {
            "state": "Failed",
            "exitCode": 1,
            "reason": "BackoffLimitExceeded",
            "message": "Job has reached the specified backoff limit",
            "summary": ["pod x: container main exited with code 3", "last lines: boom"],
        },
        task_id="load",
    )
    assert text.splitlines() == [
        "Task load: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit [kjo exit code 1]",
        "  pod x: container main exited with code 3",
        "  last lines: boom",
    ]
    assert "without a result event" in failure_message(None, exit_code=3)


def test_format_log_line():
    assert format_log_line({"pod": "p", "container": "c", "line": "x"}) == "p/c | x"
