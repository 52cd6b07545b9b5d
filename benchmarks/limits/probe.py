"""What benchmarks/asgi_limits.py measures inside a server process.

The benchmark apps (``flask_app``, ``quart_app``, ``starlette_app``) wrap
themselves with :func:`wrap_asgi` or :func:`wrap_wsgi`, which answer
``GET /_stats`` before the framework sees the request, with a JSON object:

- ``threads`` (OS threads of the process), ``fds`` (open file descriptors),
  ``rss`` and ``maxrss`` (bytes), and under ASGI ``tasks`` (asyncio tasks
  on the server's loop, this request's own included);
- ``counters``: what the apps count with :func:`count` (streams started
  and closed); ``gc``: garbage collector passes by generation (how many,
  the longest);
- ``lateness`` (ASGI only): a timer on the server's loop is due every
  ``LIMITS_PROBE_INTERVAL`` seconds (2 ms); how late each one ran is the
  time the loop was busy with something else, or waiting for the GIL or a
  core. ``?reset=1`` starts a new series after answering.

With ``LIMITS_TRACE_MS`` set, every loop callback that takes longer than
that many milliseconds is recorded (``slow_callbacks``: the 20 longest;
``busy_callbacks``: the 20 that used the most CPU), with the CPU time the
loop's thread spent in it (much less than the wall time: it waited for
the GIL or a core) and the coroutine it stepped. Tasks are then
pure-Python tasks so that their callbacks can be named, which makes the
loop slower.

Nothing here is part of the package: it is imported by the benchmark apps.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import threading
import time
import typing as t

INTERVAL = float(os.environ.get("LIMITS_PROBE_INTERVAL", "0.002"))
TRACE = float(os.environ.get("LIMITS_TRACE_MS", "0")) / 1000
_MAX_SAMPLES = 2_000_000

_lock = threading.Lock()
_counters: dict[str, int] = {}


def count(name: str, n: int = 1) -> None:
    """Add ``n`` to the counter ``name`` (reported by ``/_stats``)."""
    with _lock:
        _counters[name] = _counters.get(name, 0) + n


class LoopProbe:
    """A timer that reschedules itself every ``INTERVAL`` and records how
    late it ran."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.samples: list[float] = []
        self.due = 0.0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        _serving()
        self.loop = loop
        self.due = loop.time() + INTERVAL
        loop.call_at(self.due, self._tick)
        if TRACE:
            _trace(loop)

    def _tick(self) -> None:
        loop = self.loop
        assert loop is not None
        now = loop.time()
        if len(self.samples) < _MAX_SAMPLES:
            self.samples.append(now - self.due)
        self.due = now + INTERVAL
        loop.call_at(self.due, self._tick)

    def summary(self) -> dict[str, float | int]:
        data = sorted(self.samples)
        if not data:
            return {"n": 0}

        def q(p: float) -> float:
            return round(data[min(len(data) - 1, int(p * len(data)))] * 1000, 3)

        return {
            "n": len(data),
            "p50_ms": q(0.5),
            "p99_ms": q(0.99),
            "p999_ms": q(0.999),
            "max_ms": round(data[-1] * 1000, 3),
        }


PROBE = LoopProbe()

#: Garbage collector passes (any thread), by generation: count, longest
#: (wall seconds) and the CPU time of the longest by CPU.
_gc: dict[int, list[float]] = {}
_gc_started = [0.0, 0.0]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[:] = time.perf_counter(), time.thread_time()
        return
    took = time.perf_counter() - _gc_started[0]
    cpu = time.thread_time() - _gc_started[1]
    entry = _gc.setdefault(info["generation"], [0, 0.0, 0.0])
    entry[0] += 1
    entry[1] = max(entry[1], took)
    entry[2] = max(entry[2], cpu)


#: The slowest callbacks: (wall seconds, CPU seconds of the loop's thread,
#: what ran), by wall time and by CPU time.
_slow: list[tuple[float, float, str]] = []
_busy: list[tuple[float, float, str]] = []


def _where(handle: t.Any) -> t.Any:
    """What ``handle`` is about to run: a task's coroutine and the line it
    resumes at, or the callback."""
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if hasattr(owner, "get_coro"):
        coro = owner.get_coro()
        frame = getattr(coro, "cr_frame", None)
        return coro, (frame.f_code.co_filename, frame.f_lineno) if frame else None
    return callback, None


def _describe(what: t.Any, line: t.Any) -> str:
    name = getattr(what, "__qualname__", None) or repr(what)
    if line is None:
        return name
    return f"{name} (resumed at {os.path.basename(line[0])}:{line[1]})"


def _keep(records: list[tuple[float, float, str]], record: t.Any, key: int) -> None:
    records.append(record)
    records.sort(key=lambda r: r[key], reverse=True)
    del records[20:]


def _trace(loop: asyncio.AbstractEventLoop) -> None:
    """Time every callback the loop runs; keep the slowest."""
    handle_class = asyncio.events.Handle
    original = handle_class._run

    def timed_run(self: t.Any) -> None:
        what, line = _where(self)
        start = time.perf_counter()
        cpu = time.thread_time()
        original(self)
        took = time.perf_counter() - start
        if took > TRACE:
            cpu = time.thread_time() - cpu
            record = (took, cpu, _describe(what, line))
            with _lock:
                _keep(_slow, record, 0)
                if cpu > TRACE:
                    _keep(_busy, record, 1)

    handle_class._run = timed_run  # type: ignore[method-assign]
    py_task = getattr(asyncio.tasks, "_PyTask", asyncio.Task)

    def factory(loop: asyncio.AbstractEventLoop, coro: t.Any, **kw: t.Any) -> t.Any:
        return py_task(coro, loop=loop, **kw)

    loop.set_task_factory(factory)  # type: ignore[arg-type]


def _serving() -> None:
    """Start counting garbage collections (once, when serving starts), and
    apply ``LIMITS_SWITCH_INTERVAL`` (:func:`sys.setswitchinterval`)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
        if os.environ.get("LIMITS_SWITCH_INTERVAL"):
            sys.setswitchinterval(float(os.environ["LIMITS_SWITCH_INTERVAL"]))


def _proc_status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def stats(loop: asyncio.AbstractEventLoop | None) -> dict[str, t.Any]:
    """The process's resources and counters now."""
    with _lock:
        counters = dict(_counters)
        slow = [(round(w * 1000, 2), round(c * 1000, 2), d) for w, c, d in _slow]
        busy = [(round(w * 1000, 2), round(c * 1000, 2), d) for w, c, d in _busy]
    out: dict[str, t.Any] = {
        "pid": os.getpid(),
        "threads": _proc_status("Threads"),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss": _proc_status("VmRSS") * 1024,
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "counters": counters,
        "gc": {
            str(g): {
                "count": c,
                "max_ms": round(m * 1000, 2),
                "max_cpu_ms": round(u * 1000, 2),
            }
            for g, (c, m, u) in sorted(_gc.items())
        },
        "time": time.monotonic(),
        # CPU seconds of the process (all threads).
        "cpu": sum(os.times()[:2]),
    }
    if loop is not None:
        out["tasks"] = len(asyncio.all_tasks(loop))
        out["lateness"] = PROBE.summary()
        # Called on the loop: the CPU seconds of the loop's thread.
        out["loop_cpu"] = time.thread_time()
        if TRACE:
            out["slow_callbacks"] = slow
            out["busy_callbacks"] = busy
    return out


def _answer(query: bytes, loop: asyncio.AbstractEventLoop | None) -> bytes:
    body = json.dumps(stats(loop)).encode()
    if b"reset=1" in query:
        PROBE.samples = []
        _gc.clear()
        with _lock:
            _slow.clear()
            _busy.clear()
    return body


Scope = dict[str, t.Any]
ASGIApp = t.Callable[[Scope, t.Any, t.Any], t.Awaitable[None]]


def wrap_asgi(app: ASGIApp) -> ASGIApp:
    """``app`` with ``/_stats`` answered in front of it, and the loop probe
    started on its first call."""

    async def probed(scope: Scope, receive: t.Any, send: t.Any) -> None:
        if PROBE.loop is None:
            PROBE.start(asyncio.get_running_loop())
        if scope["type"] == "http" and scope["path"] == "/_stats":
            body = _answer(scope.get("query_string", b""), PROBE.loop)
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send(
                {"type": "http.response.start", "status": 200, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return probed


def wrap_wsgi(app: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """``app`` with ``/_stats`` answered in front of it (no loop to probe)."""

    def probed(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        _serving()
        if environ.get("PATH_INFO") == "/_stats":
            body = _answer(environ.get("QUERY_STRING", "").encode(), None)
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        return app(environ, start_response)

    return probed
