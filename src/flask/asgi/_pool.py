"""The worker threads that run the sync steps of requests served over ASGI.

A small pool rather than :class:`concurrent.futures.ThreadPoolExecutor`:
a job hands its result straight to an :mod:`asyncio` future on the loop
(one ``call_soon_threadsafe``, no future chaining), a job whose client has
already gone is dropped instead of run, and the loop can ask whether a new
job would have to wait for a thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import typing as t


class Gone(Exception):
    """A queued job was dropped: its client disconnected while it waited."""


class ClientState(t.Protocol):
    """What a job checks before it runs: whether its client has left."""

    @property
    def disconnected(self) -> bool: ...


#: Called once on the loop for a job whose future was cancelled: with what
#: the job returned or raised once it ended, or :data:`DROPPED` if it never
#: ran. (A job cannot be stopped; this is where what it left is cleaned up.)
Orphan = t.Callable[[t.Any], object]

#: What an :data:`Orphan` gets for a job that was dropped before it ran.
DROPPED = object()


def _set_result(
    future: asyncio.Future[t.Any], value: t.Any, orphan: Orphan | None
) -> None:
    if not future.done():
        future.set_result(value)
    elif orphan is not None:
        orphan(value)


def _set_exception(
    future: asyncio.Future[t.Any], error: BaseException, orphan: Orphan | None
) -> None:
    if not future.done():
        future.set_exception(error)
    elif orphan is not None:
        orphan(error)


_Job = tuple[
    asyncio.Future[t.Any],
    contextvars.Context,
    t.Callable[..., t.Any],
    tuple[t.Any, ...],
    "ClientState | None",
    "Orphan | None",
]


class WorkerPool:
    """At most ``max_threads`` threads, started on demand and kept."""

    def __init__(self, max_threads: int, name: str = "flask-asgi") -> None:
        if max_threads < 1:
            raise ValueError("'max_threads' must be at least 1.")
        self.max_threads = max_threads
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        #: Threads waiting for a job, and jobs waiting for a thread.
        self._idle = 0
        self._backlog = 0
        self._closed = False

    @property
    def threads(self) -> int:
        """How many worker threads exist."""
        return len(self._threads)

    def saturated(self) -> bool:
        """Whether every thread is busy, so a new job would wait."""
        return not self._idle and len(self._threads) >= self.max_threads

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context,
        func: t.Callable[..., t.Any],
        args: tuple[t.Any, ...] = (),
        client: ClientState | None = None,
        orphan: Orphan | None = None,
    ) -> asyncio.Future[t.Any]:
        """Run ``context.run(func, *args)`` in a worker; the returned future
        (of ``loop``) gets its result. If ``client`` has disconnected when
        the job's turn comes, the job is dropped and the future raises
        :class:`Gone`. A job whose future is cancelled before it starts is
        dropped. ``orphan``, if given, is called on the loop once a job
        whose future was cancelled ended (see :data:`Orphan`)."""
        if self._closed:
            raise RuntimeError("The worker pool was shut down.")
        future = loop.create_future()
        with self._lock:
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self.max_threads:
                thread = threading.Thread(
                    target=self._work,
                    name=f"{self._name}-{len(self._threads)}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._backlog += 1
        self._jobs.put((future, context, func, args, client, orphan))
        return future

    def _work(self) -> None:
        jobs = self._jobs
        while True:
            job = jobs.get()
            if job is None:
                return
            outcome = _outcome(*job)
            # Let go of the job (its context refers to the request and the
            # app) before the loop learns it is done, so nothing of the
            # request outlives its response in this thread: what the loop
            # gets is in a list it empties (``_deliver``).
            del job
            if outcome is not None:
                loop = outcome[1].get_loop()
                try:
                    loop.call_soon_threadsafe(_deliver, outcome)
                except RuntimeError:
                    pass  # the loop was closed: nobody waits for the outcome
                del outcome, loop
            with self._lock:
                if self._backlog:
                    self._backlog -= 1  # takes a waiting job next
                else:
                    self._idle += 1

    def shutdown(self) -> None:
        """Let the threads end once the queued jobs are done (not waiting)."""
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._jobs.put(None)


def _deliver(outcome: list[t.Any]) -> None:
    """On the loop: hand a job's outcome over (see :func:`_outcome`)."""
    callback, future, value, orphan = outcome
    outcome.clear()
    callback(future, value, orphan)


def _outcome(
    future: asyncio.Future[t.Any],
    context: contextvars.Context,
    func: t.Callable[..., t.Any],
    args: tuple[t.Any, ...],
    client: ClientState | None,
    orphan: Orphan | None,
) -> list[t.Any] | None:
    """Run one job; what to call on the loop with its result or error, the
    future and ``orphan`` (``None`` if nobody waits for it any more)."""
    if future.cancelled():
        # (Its future is done: _set_result tells the orphan callback.)
        return None if orphan is None else [_set_result, future, DROPPED, orphan]
    if client is not None and client.disconnected:
        return [_set_exception, future, Gone(), orphan]
    try:
        return [_set_result, future, context.run(func, *args), orphan]
    except BaseException as e:
        return [_set_exception, future, e, orphan]
