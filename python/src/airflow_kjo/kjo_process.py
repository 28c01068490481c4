"""Finding the kjo binary and running it: an argument list, never a shell.

Resolution order (``resolve_kjo_command``):

1. ``KJO_BINARY``: a path to the kjo binary, or to a JavaScript bundle
   (``*.js``/``*.mjs``), which is run as ``deno run -A <bundle>``;
2. ``kjo`` on ``PATH``;
3. the bundle shipped in the wheel (``airflow_kjo/_bundle/kjo.js``), run by
   the ``deno`` binary of the PyPI ``deno`` package.

Deno for a bundle: ``KJO_DENO`` if set, else the PyPI ``deno`` package's
binary, else ``deno`` on ``PATH``.

``KjoProcess`` runs kjo and yields the JSON-lines events of its stdout as they
come; stderr lines go to a callback (the task log). A reader thread drains
stdout, so stopping kjo from a signal handler (``on_kill``) never dead-locks on
a full pipe.

Example::

    argv = resolve_kjo_command() + ["run", "-o", "jsonl", "--no-templating", "--image", "busybox"]
    with KjoProcess(argv, on_stderr=print) as process:
        for event in process.events():
            print(event["type"])
    process.returncode  # 0 on success
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Mapping, Optional

BUNDLE_PATH = Path(__file__).parent / "_bundle" / "kjo.js"
#: Seconds kjo gets after SIGTERM to delete the run's resources before SIGKILL.
DEFAULT_STOP_TIMEOUT = 120.0
#: Longest stdout line read (a long log line is one JSON line).
MAX_LINE_BYTES = 64 * 1024 * 1024


class KjoNotFoundError(RuntimeError):
    """Neither KJO_BINARY, nor kjo on PATH, nor the bundled kjo.js could be used."""


def find_deno(env: Optional[Mapping[str, str]] = None) -> str:
    """The deno binary that runs a kjo bundle.

    Example::

        find_deno()  # ".../site-packages/../../../bin/deno"
    """
    env = os.environ if env is None else env
    if env.get("KJO_DENO"):
        return env["KJO_DENO"]
    try:
        import deno  # the PyPI package

        return deno.find_deno_bin()
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("deno", path=env.get("PATH"))
    if found:
        return found
    raise KjoNotFoundError(
        "airflow-kjo: no deno binary to run the kjo bundle: install the PyPI package "
        "`deno` (a dependency of airflow-kjo), put deno on PATH, or set KJO_DENO."
    )


def _bundle_command(bundle: str, env: Mapping[str, str]) -> List[str]:
    return [find_deno(env), "run", "-A", "--no-config", bundle]


def resolve_kjo_command(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """The argument list that starts kjo (subcommand and flags follow).

    Example::

        resolve_kjo_command({"KJO_BINARY": "/opt/kjo.js"})
        # ["/venv/bin/deno", "run", "-A", "--no-config", "/opt/kjo.js"]
    """
    env = os.environ if env is None else env
    binary = env.get("KJO_BINARY")
    if binary:
        path = Path(binary).expanduser()
        if not path.is_file():
            raise KjoNotFoundError(f"airflow-kjo: KJO_BINARY={binary!r} is not a file")
        if path.suffix in (".js", ".mjs"):
            return _bundle_command(str(path), env)
        if not os.access(path, os.X_OK):
            raise KjoNotFoundError(f"airflow-kjo: KJO_BINARY={binary!r} is not executable")
        return [str(path)]
    found = shutil.which("kjo", path=env.get("PATH"))
    if found:
        return [found]
    if BUNDLE_PATH.is_file():
        return _bundle_command(str(BUNDLE_PATH), env)
    raise KjoNotFoundError(
        "airflow-kjo: kjo not found: KJO_BINARY is not set, there is no `kjo` on PATH, and this "
        f"installation has no bundled kjo ({BUNDLE_PATH} is missing; it is in wheels built with "
        "`deno task bundle && pip wheel ./python`). Set KJO_BINARY to the kjo binary or a kjo.js bundle."
    )


def kjo_environment(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment of a kjo process: ours, plus ``extra``, without Deno's update check.

    Example::

        kjo_environment({"KJO_SHOW_RUNNER_ID": "true"})["DENO_NO_UPDATE_CHECK"]  # "1"
    """
    env = dict(os.environ)
    env.setdefault("DENO_NO_UPDATE_CHECK", "1")
    env.setdefault("NO_COLOR", "1")
    env.update(extra or {})
    return env


#: Longest part of an unparsable line shown in the task log.
MAX_UNPARSED_SHOWN = 500


def parse_event_line(line: str) -> Dict[str, Any]:
    """One stdout line as an event. A line that is not a JSON event, whatever it holds
    (binary garbage, JSON nested too deeply to parse), becomes an ``info`` warning
    naming it; it never raises.

    Example::

        parse_event_line('{"type":"log","line":"hi"}')["line"]  # "hi"
        parse_event_line("oops")["message"]  # "kjo printed a line that is not an event (...): 'oops'"
    """
    text = line.strip()
    why = "not JSON"
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except RecursionError:
            value, why = None, "nested too deeply to parse"
        except Exception as error:  # ValueError, and anything else json raises
            value, why = None, f"not JSON: {type(error).__name__}"
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            return value
        if value is not None:
            why = "JSON without a type"
    shown = text if len(text) <= MAX_UNPARSED_SHOWN else text[:MAX_UNPARSED_SHOWN] + f"...({len(text)} chars)"
    return {
        "type": "info",
        "level": "warning",
        "message": f"kjo printed a line that is not an event ({why}): {shown!r}",
        "raw": True,
    }


_END = object()


class KjoProcess:
    """A running kjo: its events (stdout JSON lines) and its stderr lines.

    ``stop()`` may be called from another thread or a signal handler: it sends
    SIGTERM once (kjo deletes the run's resources and exits 143), waits, and
    kills after ``stop_timeout`` seconds.

    Example::

        process = KjoProcess(["kjo", "run", "-o", "jsonl", "--image", "busybox"])
        for event in process.events():
            ...
        process.wait()
    """

    def __init__(
        self,
        argv: List[str],
        *,
        env: Optional[Mapping[str, str]] = None,
        on_stderr: Optional[Callable[[str], None]] = None,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    ) -> None:
        self.argv = list(argv)
        self.stop_timeout = stop_timeout
        self._on_stderr = on_stderr or (lambda line: None)
        self._events: "queue.Queue[Any]" = queue.Queue()
        self._stop_lock = threading.Lock()
        self._stop_sent = False
        # A session of its own: signals sent to the worker's process group do
        # not reach kjo; only stop() does, exactly once.
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else kjo_environment(),
            start_new_session=True,
        )
        self._stdout_thread = threading.Thread(target=self._read_stdout, name="kjo-stdout", daemon=True)
        self._stderr_thread = threading.Thread(target=self._read_stderr, name="kjo-stderr", daemon=True)
        self._stdout_thread.start()
        self._stderr_thread.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> Optional[int]:
        return self.process.returncode

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        try:
            for raw in self.process.stdout:
                # Never stops reading (kjo must not block on a full pipe): whatever a
                # line holds, it becomes an event.
                try:
                    text = raw.decode("utf-8", errors="replace")
                    if text.strip():
                        self._events.put(parse_event_line(text))
                except Exception as error:  # pragma: no cover - parse_event_line does not raise
                    self._events.put({"type": "info", "level": "warning", "message": f"unreadable line: {error!r}"})
        finally:
            self._events.put(_END)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if text:
                try:
                    self._on_stderr(text)
                except Exception:  # never let logging kill the reader
                    pass

    def events(self, timeout: Optional[float] = None) -> Iterator[Dict[str, Any]]:
        """Yields each event as it arrives, until stdout closes.

        ``timeout``: give up (raise ``queue.Empty``) after that many seconds without an event.
        """
        while True:
            item = self._events.get(timeout=timeout)
            if item is _END:
                return
            yield item

    def drain(self) -> List[Dict[str, Any]]:
        """The events already read and not yet taken, without waiting."""
        items = []
        while True:
            try:
                item = self._events.get_nowait()
            except queue.Empty:
                return items
            if item is _END:
                self._events.put(_END)
                return items
            items.append(item)

    def wait(self, timeout: Optional[float] = None) -> int:
        """Waits for kjo to exit (and its stderr to be relayed); returns its exit code."""
        code = self.process.wait(timeout=timeout)
        self._stderr_thread.join(timeout=5)
        return code

    def stop(self, timeout: Optional[float] = None) -> Optional[int]:
        """SIGTERM (once), wait up to ``timeout`` (default ``stop_timeout``), then SIGKILL.

        Returns the exit code (143 when kjo cleaned up after SIGTERM).
        """
        if self.process.poll() is not None:
            return self.process.returncode
        with self._stop_lock:
            if not self._stop_sent:
                self._stop_sent = True
                try:
                    self.process.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        try:
            return self.process.wait(timeout=self.stop_timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        """SIGKILL: kjo exits at once and deletes nothing (the run stays, for a later attach)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def __enter__(self) -> "KjoProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.process.poll() is None:
            self.stop()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


class AsyncKjoProcess:
    """kjo under asyncio, for triggers: the same events, read without a thread.

    Example::

        process = await AsyncKjoProcess.start(argv, on_stderr=log.info)
        async for event in process.events():
            ...
        code = await process.wait()
    """

    def __init__(self, process: "asyncio.subprocess.Process", on_stderr: Callable[[str], None]) -> None:
        self.process = process
        self._on_stderr = on_stderr
        self._stderr_task = asyncio.ensure_future(self._read_stderr())

    @classmethod
    async def start(
        cls,
        argv: List[str],
        *,
        env: Optional[Mapping[str, str]] = None,
        on_stderr: Optional[Callable[[str], None]] = None,
    ) -> "AsyncKjoProcess":
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env) if env is not None else kjo_environment(),
            start_new_session=True,
            limit=MAX_LINE_BYTES,
        )
        return cls(process, on_stderr or (lambda line: None))

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        while True:
            try:
                raw = await self.process.stderr.readline()
            except ValueError:  # an over-long stderr line: dropped
                continue
            if not raw:
                return
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if text:
                try:
                    self._on_stderr(text)
                except Exception:
                    pass

    async def events(self) -> AsyncIterator[Dict[str, Any]]:
        assert self.process.stdout is not None
        stdout = self.process.stdout
        while True:
            try:
                raw = await stdout.readline()
            except ValueError:  # longer than MAX_LINE_BYTES: dropped (its tail, if any, reads as a bad line)
                yield {"type": "info", "level": "warning", "message": "kjo printed a line too long to read; skipped"}
                continue
            if not raw:
                return
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                yield parse_event_line(text)

    async def wait(self) -> int:
        code = await self.process.wait()
        try:
            await asyncio.wait_for(self._stderr_task, timeout=5)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass
        return code

    def kill(self) -> None:
        """SIGKILL, so kjo deletes nothing: the run survives a triggerer restart."""
        if self.process.returncode is None:
            try:
                self.process.kill()
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        """SIGTERM: kjo deletes the run's resources and exits 143."""
        if self.process.returncode is None:
            try:
                self.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
