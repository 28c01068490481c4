#!/usr/bin/env python3
"""A stand-in for ``kjo serve`` in unit tests: answers follow requests with canned events.

Environment:
  FAKE_SERVE_SCRIPT  a JSON file: {"runs": {RUN_ID: [event | {"sleep": s} | {"die_once": marker}]},
                     "exit_at_start": code}. Each follow of RUN_ID gets that run's events, the
                     request id added, from a thread of its own. ``die_once``: the first time (the
                     marker file does not exist yet) the whole process exits at once with 137.
                     ``exit_at_start``: exit with that code before reading anything. A follow of a
                     run listed in "refuse" gets an ``error`` event, as an invalid request would.
  FAKE_SERVE_CALLS   a file to which each request line is appended as {"pid": ..., "request": ...,
                     "kubeconfig": {"text", "mode"} of the file its cluster names, when it exists}
A detach request ends its follow with a Detached result; end of stdin and SIGTERM detach every follow
and exit 0, as kjo serve does.
"""

import json
import os
import signal
import sys
import threading
import time

lock = threading.Lock()
detached = set()
running = {}


def write(event):
    event.setdefault("time", "2026-01-01T00:00:00.000Z")
    with lock:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def follow(request, events):
    rid = request["id"]
    for event in events:
        if rid in detached:
            return
        if "sleep" in event:
            time.sleep(event["sleep"])
            continue
        if "die_once" in event:
            if not os.path.exists(event["die_once"]):
                open(event["die_once"], "w").close()
                os._exit(137)
            continue
        write({**event, "id": rid})
    running.pop(rid, None)


def detach(rid):
    if rid in running and rid not in detached:
        detached.add(rid)
        running.pop(rid, None)
        write({"type": "result", "id": rid, "state": "Detached", "exitCode": 143, "xcom": {}, "resources": []})


def main():
    with open(os.environ["FAKE_SERVE_SCRIPT"]) as f:
        serve(json.load(f), os.environ.get("FAKE_SERVE_CALLS"))


def serve(script, calls):
    """Answers requests on stdin per ``script`` (see the module docstring); exits when stdin ends."""
    if "exit_at_start" in script:
        sys.exit(script["exit_at_start"])

    def on_term(signum, frame):
        for rid in list(running):
            detach(rid)
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    for line in sys.stdin:
        request = json.loads(line)
        if calls:
            record = {"pid": os.getpid(), "request": request}
            kubeconfig = (request.get("cluster") or {}).get("kubeconfig")
            if kubeconfig and os.path.isfile(kubeconfig):  # what kjo serve would read
                with open(kubeconfig) as f:
                    record["kubeconfig"] = {"text": f.read(), "mode": oct(os.stat(kubeconfig).st_mode & 0o777)}
            with open(calls, "a") as out:
                out.write(json.dumps(record) + "\n")
        op = request.get("op")
        if op == "follow":
            if request["id"] in running or request["runId"] in script.get("refuse", []):
                write({"type": "error", "id": request["id"], "message": "id in use"})
                continue
            events = script["runs"].get(request["runId"])
            if events is None:
                write({"type": "result", "id": request["id"], "state": "Error", "exitCode": 2,
                       "message": "no such run", "xcom": {}, "resources": []})
                continue
            thread = threading.Thread(target=follow, args=(request, events), daemon=True)
            running[request["id"]] = thread
            thread.start()
        elif op == "detach":
            detach(request["id"])
        elif op == "ping":
            write({"type": "pong", "id": request.get("id"), "follows": len(running)})
        else:
            write({"type": "error", "id": request.get("id"), "message": "unknown op"})
    for rid in list(running):
        detach(rid)
    sys.exit(0)


if __name__ == "__main__":
    main()
