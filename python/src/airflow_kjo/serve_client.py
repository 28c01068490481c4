"""One ``kjo serve`` per event loop, shared by every ``KjoRunTrigger`` on it.

A triggerer runs all its triggers in one asyncio loop. Instead of one ``kjo
attach`` process per deferred task, they share one ``kjo serve`` process
(started with the first follow): each trigger sends a ``follow`` request with
an id of its own and reads the events carrying that id, in order, until the
``result`` event that closes it.

- Routing: one reader task reads the process's stdout and puts each event on
  the queue of the follow whose id it carries. Events of ids nobody waits for
  any more (a detached follow) are dropped.
- Restart: when the process dies (killed, crashed), the client starts a new
  one after a back-off (``Backoff``: 0.5 s, 1 s, 2 s ... up to 30 s; reset
  once a process answered) and sends the follow of every run still followed
  again. Nothing is deleted: a follow of ``kjo serve`` only deletes what its
  delete policy says once the run has ended, and dying deletes nothing. After
  ``give_up_after`` starts in a row that answered nothing (kjo missing,
  broken), each live follow ends with an ``Error`` result.
- Logs across a restart: the new process reads each container's log from the
  start again; the client drops, per pod and container, as many ``log`` (and
  ``api_event``) events as it already delivered. A follow thus sees every line
  once, from the last line seen on.
- A ``Detached`` result the client did not ask for (``kjo serve`` got SIGTERM
  from someone else) is not a result: the follow goes on in the next process.
- Detach: a follow left early (its trigger was cancelled) sends ``detach``:
  ``kjo serve`` stops following that run and deletes nothing.
- Idle: ``idle_seconds`` after the last follow ended, stdin is closed and
  ``kjo serve`` exits; the next follow starts a new one.

The client's own tasks run in an empty ``contextvars`` context, so what it logs
never lands in the task log of the trigger that happened to start it; the
events are logged by each trigger, in its own task (Airflow routes a trigger's
log records to its task's log by context variables).

Example::

    client = shared_serve_client(resolve_kjo_command() + ["serve"], env=kjo_environment())
    follow = await client.follow({"runId": "k3f9x0q2m7ab", "namespace": "jobs", "logs": True})
    async for event in follow.events():
        print(event["type"])        # ..., "result" last
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import logging
import time
import weakref
from typing import Any, AsyncIterator, Dict, List, Mapping, MutableMapping, Optional, Tuple

from airflow_kjo.kjo_process import MAX_LINE_BYTES, kjo_environment, parse_event_line

log = logging.getLogger(__name__)

#: Events that come from container log lines: dropped after a restart up to the count already delivered.
_LINE_EVENTS = ("log", "api_event")


class Backoff:
    """Delays between restarts: ``initial``, then times ``factor``, at most ``maximum``.

    ``next_delay()`` returns ``None`` once ``give_up_after`` delays were taken
    since the last ``reset()`` (``None``: never give up).

    Example::

        backoff = Backoff(initial=0.5, factor=2, maximum=2, give_up_after=4)
        [backoff.next_delay() for _ in range(5)]  # [0.5, 1.0, 2.0, 2.0, None]
        backoff.reset()
        backoff.next_delay()  # 0.5
    """

    def __init__(
        self, initial: float = 0.5, factor: float = 2.0, maximum: float = 30.0, give_up_after: Optional[int] = 10
    ) -> None:
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
        self.give_up_after = give_up_after
        self.attempts = 0

    def next_delay(self) -> Optional[float]:
        if self.give_up_after is not None and self.attempts >= self.give_up_after:
            return None
        delay = min(self.maximum, self.initial * (self.factor**self.attempts))
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0


def _error_result(message: str, code: int = 3) -> Dict[str, Any]:
    return {
        "type": "result",
        "state": "Error",
        "exitCode": code,
        "message": message,
        "xcom": {},
        "resources": [],
    }


class Follow:
    """One run followed through a ``ServeClient``: its events, in order, ending with ``result``."""

    def __init__(self, client: "ServeClient", request_id: str, request: Dict[str, Any], deadline: Optional[float]):
        self.client = client
        self.id = request_id
        self.request = request
        #: Epoch seconds by which the run must end (sent as executionTimeoutSeconds, recomputed on restart).
        self.deadline = deadline
        self.queue: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.done = False
        #: Line events delivered, per (type, pod, container).
        self.delivered: Dict[Tuple[str, str, str], int] = {}
        #: Line events still to drop after a restart, per (type, pod, container).
        self.to_skip: Dict[Tuple[str, str, str], int] = {}
        #: How many times this follow was sent again to a new ``kjo serve``.
        self.refollows = 0
        #: Whether the current (or a former) process was sent this follow.
        self.sent = False

    def message(self) -> Dict[str, Any]:
        """The follow request line for the current process."""
        message: Dict[str, Any] = {"op": "follow", "id": self.id, **self.request}
        if self.deadline is not None:
            message["executionTimeoutSeconds"] = max(1, round(self.deadline - time.time(), 3))
        return message

    def _accept(self, event: Dict[str, Any]) -> bool:
        """False for a line event already delivered before a restart."""
        if event.get("type") not in _LINE_EVENTS:
            return True
        key = (str(event["type"]), str(event.get("pod", "")), str(event.get("container", "")))
        if self.to_skip.get(key, 0) > 0:
            self.to_skip[key] -= 1
            return False
        self.delivered[key] = self.delivered.get(key, 0) + 1
        return True

    async def events(self) -> AsyncIterator[Dict[str, Any]]:
        """Yields each event of the run; the last is its ``result``. Leaving early detaches."""
        try:
            while True:
                event = await self.queue.get()
                yield event
                if event.get("type") == "result":
                    return
        finally:
            if not self.done:
                self.client.detach(self)


class ServeClient:
    """A ``kjo serve`` process (started lazily, restarted when it dies) and the follows routed through it.

    :param argv: the command line of ``kjo serve`` (``resolve_kjo_command() + ["serve"]``).
    :param env: its environment (default ``kjo_environment()``).
    :param backoff: delays between restarts (default ``Backoff()``).
    :param idle_seconds: how long an idle process stays before its stdin is closed. Default 60.
    """

    def __init__(
        self,
        argv: List[str],
        *,
        env: Optional[Mapping[str, str]] = None,
        backoff: Optional[Backoff] = None,
        idle_seconds: float = 60.0,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env) if env is not None else kjo_environment()
        self.backoff = backoff or Backoff()
        self.idle_seconds = idle_seconds
        self.process: Optional[asyncio.subprocess.Process] = None
        #: How many processes were started (1 + restarts).
        self.starts = 0
        #: How many log lines (``log`` events) were delivered to follows.
        self.lines = 0
        self._follows: Dict[str, Follow] = {}
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()
        self._reader: Optional[asyncio.Task] = None
        self._idle: Optional[asyncio.TimerHandle] = None
        self._closing = False

    @property
    def pid(self) -> Optional[int]:
        """The pid of the running ``kjo serve``, if any."""
        return self.process.pid if self.process is not None and self.process.returncode is None else None

    @property
    def live(self) -> int:
        """How many follows wait for their result."""
        return len(self._follows)

    # ------------------------------------------------------------ public

    async def follow(self, request: Mapping[str, Any], *, deadline: Optional[float] = None) -> Follow:
        """Starts following a run: ``request`` holds the follow fields of ``kjo serve``
        (``runId``, ``namespace``, ``cluster``, ``logs``, ...) without ``op`` and ``id``.

        :param deadline: epoch seconds by which the run must end; each (re)follow sends what is left
            as ``executionTimeoutSeconds``.
        """
        fields = {k: v for k, v in request.items() if k not in ("op", "id")}
        follow = Follow(self, f"{fields.get('runId', 'run')}-{next(self._ids)}", fields, deadline)
        self._follows[follow.id] = follow
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        try:
            async with self._lock:
                if follow.sent:  # the reader sent it while this waited for the lock
                    return follow
                if self.process is None or self.process.returncode is not None:
                    if self._reader is None or self._reader.done():
                        # The reader sends every live follow (this one included) once it started kjo.
                        self._reader = _spawn(self._run())
                    # else a restart is under way: it sends this follow too.
                    return follow
                follow.sent = True
                await self._send(follow.message())
        except BaseException:  # cancelled meanwhile: nobody will read this follow
            self.detach(follow)
            raise
        return follow

    def detach(self, follow: Follow) -> None:
        """Stops following (the run is left alone); its later events are dropped."""
        if self._follows.pop(follow.id, None) is None:
            return
        follow.done = True
        if self.process is not None and self.process.returncode is None:
            _spawn(self._send({"op": "detach", "id": follow.id}))
        self._maybe_idle()

    async def close(self) -> None:
        """Closes stdin (``kjo serve`` detaches every follow and exits 0) and waits for the process."""
        self._closing = True
        if self._idle is not None:
            self._idle.cancel()
        process = self.process
        if process is not None and process.returncode is None and process.stdin is not None:
            process.stdin.close()
        reader = self._reader
        if reader is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(reader), timeout=30)
        except asyncio.TimeoutError:
            if process is not None and process.returncode is None:
                process.kill()
            reader.cancel()
            try:
                await reader
            except asyncio.CancelledError:
                pass

    # ----------------------------------------------------------- internal

    async def _start(self) -> asyncio.subprocess.Process:
        self.starts += 1
        process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            start_new_session=True,  # signals to the triggerer's group do not reach it
            limit=MAX_LINE_BYTES,
        )
        log.info("kjo serve started (pid %s, start %s)", process.pid, self.starts)
        _spawn(_relay_stderr(process))
        return process

    async def _run(self) -> None:
        """Starts kjo, sends the live follows, routes events; restarts after a back-off when kjo dies."""
        while self._follows and not self._closing:
            async with self._lock:
                try:
                    self.process = await self._start()
                except OSError as error:
                    self.process = None
                    log.error("kjo serve could not start: %s", error)
                    self._fail_all(f"kjo serve could not start ({' '.join(self.argv[:3])}...): {error}")
                    return
                for follow in list(self._follows.values()):
                    if follow.sent:
                        follow.to_skip = dict(follow.delivered)
                        follow.refollows += 1
                    follow.sent = True
                    await self._send(follow.message())
            answered = await self._route(self.process)
            code = await self.process.wait()
            if self._closing or not self._follows:
                return
            if answered:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            if delay is None:
                self._fail_all(f"kjo serve exited with code {code} {self.backoff.attempts} times in a row")
                self.backoff.reset()
                return
            log.warning(
                "kjo serve (pid %s) exited with code %s; restarting in %.1fs and following %d runs again",
                self.process.pid, code, delay, len(self._follows),
            )
            await asyncio.sleep(delay)

    async def _route(self, process: asyncio.subprocess.Process) -> bool:
        """Routes stdout events to their follows until stdout ends; True when any event came."""
        assert process.stdout is not None
        answered = False
        while True:
            try:
                raw = await process.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError) as error:  # a line longer than MAX_LINE_BYTES
                log.error("kjo serve wrote an over-long line: %s", error)
                process.kill()
                return answered
            if not raw:
                return answered
            if not raw.strip():
                continue
            event = parse_event_line(raw.decode("utf-8", errors="replace"))
            answered = True
            follow = self._follows.get(str(event.get("id"))) if "id" in event else None
            if follow is None:
                if event.get("type") == "info" and event.get("raw"):
                    log.warning("kjo serve: %s", event.get("message"))
                continue
            if event.get("type") == "result" and event.get("state") == "Detached":
                # kjo serve was stopped (SIGTERM from outside): the follow goes on in the next process.
                continue
            if event.get("type") == "error":
                # The request itself was refused: that follow ends here.
                event = _error_result(f"kjo serve refused the follow: {event.get('message')}", code=2)
            if not follow._accept(event):
                continue
            if event.get("type") == "result":
                self._finish(follow)
            elif event.get("type") == "log":
                self.lines += 1
            follow.queue.put_nowait(event)

    def _finish(self, follow: Follow) -> None:
        self._follows.pop(follow.id, None)
        follow.done = True
        self._maybe_idle()

    def _fail_all(self, message: str) -> None:
        for follow in list(self._follows.values()):
            self._finish(follow)
            follow.queue.put_nowait(_error_result(message))

    def _maybe_idle(self) -> None:
        if self._follows or self._closing or self._idle is not None:
            return
        self._idle = asyncio.get_running_loop().call_later(self.idle_seconds, self._close_if_idle)

    def _close_if_idle(self) -> None:
        self._idle = None
        process = self.process
        if not self._follows and process is not None and process.returncode is None and process.stdin is not None:
            log.info("kjo serve (pid %s) idle for %ss: closing it", process.pid, self.idle_seconds)
            process.stdin.close()

    async def _send(self, message: Dict[str, Any]) -> None:
        process = self.process
        if process is None or process.returncode is not None or process.stdin is None:
            return  # the reader restarts kjo and sends the live follows again
        try:
            process.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            pass  # kjo died: the reader restarts it and sends every live follow again


async def _relay_stderr(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while True:
        raw = await process.stderr.readline()
        if not raw:
            return
        text = raw.decode("utf-8", errors="replace").rstrip()
        if text:
            log.info("kjo serve: %s", text)


def _spawn(coro: Any) -> "asyncio.Task":
    """A task in an empty context: nothing it logs is taken for a trigger's task log."""
    return contextvars.Context().run(asyncio.get_running_loop().create_task, coro)


_CLIENTS: "MutableMapping[asyncio.AbstractEventLoop, Dict[Tuple[Any, ...], ServeClient]]" = weakref.WeakKeyDictionary()


def shared_serve_client(argv: List[str], *, env: Optional[Mapping[str, str]] = None) -> ServeClient:
    """The ``ServeClient`` of the running event loop for this command line and environment.

    Example::

        a = shared_serve_client(["kjo", "serve"])
        b = shared_serve_client(["kjo", "serve"])
        a is b  # True (in one event loop)
    """
    loop = asyncio.get_running_loop()
    env = dict(env) if env is not None else kjo_environment()
    key = (tuple(argv), tuple(sorted(env.items())))
    clients = _CLIENTS.setdefault(loop, {})
    client = clients.get(key)
    if client is None or client._closing:
        client = clients[key] = ServeClient(argv, env=env)
    return client
