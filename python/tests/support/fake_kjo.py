#!/usr/bin/env python3
"""A stand-in for kjo in unit tests: prints canned JSON-lines events.

Environment:
  FAKE_KJO_SCRIPT  a JSON file: {"events": [event | {"sleep": seconds} | {"stderr": text}], "exit": code,
                   "on_term": {"events": [...], "exit": 143, "delay": seconds}}
                   or, with "by_subcommand": {"run": {...}, "attach": {...}}, one script per subcommand
                   or, with "by_task": {NAME_PREFIX_OR_RUN_ID: {...}}, one script per task (the
                   --name-prefix of a run, the --run-id of an attach)
  FAKE_KJO_CALLS   a file to which each call appends its argv as one JSON line; the files that
                   --body-file, --env-file and --kubeconfig name are recorded (text and mode) as
                   one JSON line of FAKE_KJO_CALLS.files: {"argv": [...], "files": {flag: {...}}}
``fake_kjo.py serve`` is ``fake_serve.py``: a follow of RUN_ID answers with the events of
``by_task[RUN_ID]`` (its "serve" subcommand script, else its "attach" one); its requests go to
FAKE_KJO_CALLS + ".serve".
"""

import json
import os
import signal
import sys
import time


def emit(event):
    if "sleep" in event:
        time.sleep(event["sleep"])
    elif "stderr" in event:
        sys.stderr.write(event["stderr"] + "\n")
        sys.stderr.flush()
    elif "touch" in event:
        open(event["touch"], "w").close()
    elif "raw" in event:
        sys.stdout.write(event["raw"] + "\n")
        sys.stdout.flush()
    else:
        event.setdefault("time", "2026-01-01T00:00:00.000Z")
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def main():
    argv = sys.argv[1:]
    calls = os.environ.get("FAKE_KJO_CALLS")
    if calls:
        with open(calls, "a") as out:
            out.write(json.dumps(argv) + "\n")
        files = {}
        for arg in argv:
            flag, _, path = arg.partition("=")
            if flag in ("--body-file", "--env-file", "--kubeconfig") and os.path.isfile(path):
                with open(path) as f:
                    files[flag] = {"path": path, "text": f.read(), "mode": oct(os.stat(path).st_mode & 0o777)}
        with open(calls + ".files", "a") as out:
            out.write(json.dumps({"argv": argv, "files": files}) + "\n")
    with open(os.environ["FAKE_KJO_SCRIPT"]) as f:
        script = json.load(f)
    if argv[:1] == ["serve"]:
        import fake_serve

        runs = {}
        for key, task in script.get("by_task", {}).items():
            task = task.get("by_subcommand", {}).get("serve") or task.get("by_subcommand", {}).get("attach") or task
            runs[key] = task.get("events", [])
        fake_serve.serve({"runs": runs}, calls + ".serve" if calls else None)
    if "by_task" in script:
        keys = [a.split("=", 1)[1] for a in argv if a.startswith(("--name-prefix=", "--run-id="))]
        script = next((script["by_task"][k] for k in keys if k in script["by_task"]), {"events": [], "exit": 0})
    if "by_subcommand" in script:
        script = script["by_subcommand"].get(argv[0] if argv else "", {"events": [], "exit": 0})
    on_term = script.get("on_term")

    def handle_term(signum, frame):
        if on_term is None:
            sys.exit(143)
        time.sleep(on_term.get("delay", 0))
        for event in on_term.get("events", []):
            emit(event)
        sys.exit(on_term.get("exit", 143))

    signal.signal(signal.SIGTERM, handle_term)
    for event in script.get("events", []):
        emit(dict(event))
    sys.exit(script.get("exit", 0))


if __name__ == "__main__":
    main()
