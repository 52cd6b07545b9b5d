"""The worker process of ``asgi_breakdown.py``: runs in a benchmark venv.

:func:`measure` serves the endpoints of one framework's app
(``asgi_apps``) in process and returns CPU microseconds per request:
totals, the driver's floor, the bare app, one thread hop, and for this
package the parts (see ``asgi_breakdown``'s docstring for what each wraps).
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import gc
import importlib
import inspect
import io
import pstats
import statistics
import sys
import time
import typing as t

import asgi_breakdown as ab

clock = time.process_time

#: What uvicorn (httptools) builds for wrk's ``GET /path`` on port 8000.
SCOPE: dict[str, t.Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
    "scheme": "http",
    "method": "GET",
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1:8000")],
}
REQUEST = {"type": "http.request", "body": b"", "more_body": False}


# -- the driver ---------------------------------------------------------------------


class Conn:
    """One request's ``receive`` and ``send``: an empty body, then (if asked
    again) a disconnect once the response is sent; messages kept."""

    __slots__ = ("sent", "asked", "waiter")

    def __init__(self) -> None:
        self.sent: list[dict[str, t.Any]] = []
        self.asked = False
        self.waiter: asyncio.Future[None] | None = None

    async def receive(self) -> dict[str, t.Any]:
        if not self.asked:
            self.asked = True
            return dict(REQUEST)
        self.waiter = asyncio.get_running_loop().create_future()
        await self.waiter
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, t.Any]) -> None:
        self.sent.append(message)


def scope_for(path: str) -> dict[str, t.Any]:
    return SCOPE | {"path": path, "raw_path": path.encode(), "state": {}}


async def one(app: t.Any, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = Conn()
    await app(scope_for(path), conn.receive, conn.send)
    if conn.waiter is not None and not conn.waiter.done():
        conn.waiter.set_result(None)
    start = conn.sent[0]
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in conn.sent[1:])
    return start["status"], headers, body


async def many(app: t.Any, path: str, n: int) -> float:
    """CPU seconds per request for ``n`` requests, each in its own task."""
    scope = scope_for(path)
    create_task = asyncio.get_running_loop().create_task
    gc.collect()
    METER.reset()  # (when instrumented: the collection above is not counted)
    start = clock()
    for _ in range(n):
        conn = Conn()
        await create_task(app(dict(scope), conn.receive, conn.send))
        if conn.waiter is not None:
            conn.waiter.set_result(None)
    return (clock() - start) / n


async def null_app(scope: t.Any, receive: t.Any, send: t.Any) -> None:
    return None


class Lifespan:
    """The server's side of the lifespan protocol."""

    def __init__(self, app: t.Any) -> None:
        self.app = app

    async def start(self) -> None:
        self.to_app: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.get_running_loop().create_task(
            self.app(scope, self.to_app.get, self.from_app.put)
        )
        await self._step("startup")

    async def _step(self, phase: str) -> None:
        await self.to_app.put({"type": f"lifespan.{phase}"})
        message = await self.from_app.get()
        if message["type"] != f"lifespan.{phase}.complete":
            raise RuntimeError(f"lifespan {phase}: {message}")

    async def stop(self) -> None:
        await self._step("shutdown")
        await self.task


def new_loop() -> tuple[asyncio.AbstractEventLoop, str]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop(), "asyncio"
    return uvloop.new_event_loop(), f"uvloop {uvloop.__version__}"


def check(endpoint: str, response: tuple[int, dict[str, str], bytes]) -> None:
    import asgi_bench

    problems = asgi_bench.check_response(endpoint, *response)
    if problems:
        raise SystemExit(f"unexpected response: {problems}")


# -- the meter ----------------------------------------------------------------------


class Meter:
    """Exclusive CPU time per part: time between two boundaries goes to the
    innermost part running. ``calls`` counts entries per (part, kind), and
    ``nested`` the entries made while a part was innermost."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.stack = ["orchestration"]
        self.acc: dict[str, float] = {}
        self.calls: dict[tuple[str, str], int] = {}
        self.nested: dict[tuple[str, str], int] = {}
        self.last = clock()

    def enter(self, part: str, kind: str) -> None:
        now = clock()
        top = self.stack[-1]
        self.acc[top] = self.acc.get(top, 0.0) + now - self.last
        key = (top, kind)
        self.nested[key] = self.nested.get(key, 0) + 1
        key = (part, kind)
        self.calls[key] = self.calls.get(key, 0) + 1
        self.stack.append(part)
        self.last = now

    def leave(self) -> None:
        now = clock()
        top = self.stack.pop()
        self.acc[top] = self.acc.get(top, 0.0) + now - self.last
        self.last = now


METER = Meter()


def timed(part: str, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """``func`` with its time accounted to ``part`` (a coroutine function's
    time is that of running its coroutine)."""
    enter, leave = METER.enter, METER.leave
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def awrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            enter(part, "async")
            try:
                return await func(*args, **kwargs)
            finally:
                leave()

        return awrapper

    @functools.wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        enter(part, "sync")
        try:
            return func(*args, **kwargs)
        finally:
            leave()

    return wrapper


# -- patching ---------------------------------------------------------------------


class Patches:
    """Wrappers put in place and taken away again; targets that do not
    exist (the code moved on) are listed in ``missing``."""

    def __init__(self) -> None:
        self.undo: list[t.Callable[[], None]] = []
        self.missing: list[str] = []

    def wrap(self, where: str, name: str, make: t.Callable[[t.Any], t.Any]) -> None:
        module_name, _, cls_name = where.partition(":")
        try:
            module = importlib.import_module(module_name)
            owner = getattr(module, cls_name) if cls_name else module
            original = getattr(owner, name)
        except (ImportError, AttributeError):
            self.missing.append(f"{where}.{name}")
            return
        wrapper = make(original)
        if cls_name:
            if name in vars(owner):
                self.undo.append(functools.partial(setattr, owner, name, original))
            else:
                self.undo.append(functools.partial(delattr, owner, name))
            setattr(owner, name, wrapper)
            return
        # A module's function: replaced wherever a flask module refers to it.
        for mod in list(sys.modules.values()):
            if not getattr(mod, "__name__", "").startswith("flask"):
                continue
            for key, value in list(vars(mod).items()):
                if value is original:
                    setattr(mod, key, wrapper)
                    self.undo.append(functools.partial(setattr, mod, key, original))

    def views(self, flask_app: t.Any, make: t.Callable[[t.Any], t.Any]) -> None:
        views = flask_app.view_functions
        for endpoint, view in list(views.items()):
            views[endpoint] = make(view)
            self.undo.append(functools.partial(views.__setitem__, endpoint, view))

    def restore(self) -> None:
        while self.undo:
            self.undo.pop()()


def install(flask_app: t.Any, groups: t.Iterable[tuple[str, t.Any]]) -> Patches:
    """Wrap every target of ``groups`` (``(part, targets)``)."""
    patches = Patches()
    for part, targets in groups:
        make = functools.partial(timed, part)
        for where, name in targets:
            if (where, name) == ab.VIEWS:
                patches.views(flask_app, make)
            elif part == "hop":
                patches.wrap(where, name, timed_submit)
            else:
                patches.wrap(where, name, make)
    _count_wrappers_as_own(patches)
    return patches


def _count_wrappers_as_own(patches: Patches) -> None:
    """The wrappers on ``Flask``'s methods time them and call them: let the
    app's plan count them as Flask's own (``flask._plan`` and
    ``flask._plain`` keep Flask's functions, so that a method replaced on
    the class takes the general path), so the request takes the path it
    takes unwrapped; kept again from the unwrapped class once the wrappers
    are removed."""
    from flask import _plain
    from flask import _plan
    from flask.app import Flask

    def keep_flasks_own() -> None:
        _plain.remember(_plan.remember(Flask))

    keep_flasks_own()
    patches.undo.insert(0, keep_flasks_own)  # the last undone: after the wrappers


def _job(func: t.Callable[..., t.Any], args: tuple[t.Any, ...]) -> t.Any:
    METER.enter("job", "sync")
    try:
        return func(*args)
    finally:
        METER.leave()


def _hop_done(future: t.Any) -> None:
    METER.leave()


def timed_submit(submit: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """``WorkerPool.submit`` timed as a hop: from the call until the
    future's result is handed over on the loop, less the job's own time
    (part ``job``, or the parts it calls)."""

    @functools.wraps(submit)
    def wrapper(
        pool: t.Any, loop: t.Any, context: t.Any, func: t.Any, args: t.Any = (),
        client: t.Any = None, orphan: t.Any = None,
    ) -> t.Any:  # fmt: skip
        METER.enter("hop", "sync")
        future = submit(pool, loop, context, _job, (func, args), client, orphan)
        future.add_done_callback(_hop_done)
        return future

    return wrapper


# -- the wrappers' own cost -------------------------------------------------------


def _noop() -> None:
    return None


async def _anoop() -> None:
    return None


async def inner_share(n: int = 20000) -> dict[str, float]:
    """For an empty function in a tight loop, sync and async: what a wrapper
    adds per call (``*_cost``, seconds) and the share of it that falls
    inside the part it times (``*_inner``). In a request the wrappers cost
    more (colder caches): each pass measures how much more, in total."""
    out: dict[str, float] = {}
    for kind in ("sync", "async"):
        inner, total = [], []
        for _ in range(5):
            gc.collect()
            if kind == "sync":
                plain = _run(_noop, n)
                METER.reset()
                wrapped = _run(timed("calibration", _noop), n)
            else:
                plain = await _arun(_anoop, n)
                METER.reset()
                wrapped = await _arun(timed("calibration", _anoop), n)
            inner.append(METER.acc.get("calibration", 0.0) / n)
            total.append((wrapped - plain) / n)
        out[f"{kind}_cost"] = statistics.median(total)
        out[f"{kind}_inner"] = min(1.0, statistics.median(inner) / out[f"{kind}_cost"])
    return out


def _run(f: t.Callable[[], None], n: int) -> float:
    start = clock()
    for _ in range(n):
        f()
    return clock() - start


async def _arun(f: t.Callable[[], t.Any], n: int) -> float:
    start = clock()
    for _ in range(n):
        await f()
    return clock() - start


# -- measuring ----------------------------------------------------------------------


async def hop_cost(submit: t.Callable[[], t.Any], n: int) -> float:
    """CPU seconds per hop of an empty job to a worker thread and back."""
    gc.collect()
    start = clock()
    for _ in range(n):
        await submit()
    return (clock() - start) / n


def measure(framework: str, n: int, chunks: int) -> dict[str, t.Any]:
    loop, loop_name = new_loop()
    asyncio.set_event_loop(loop)
    try:
        result = loop.run_until_complete(_measure(framework, n, chunks))
    finally:
        loop.close()
    return result | {"loop": loop_name}


async def _measure(framework: str, n: int, chunks: int) -> dict[str, t.Any]:
    ours = framework == "ours"
    module = "ours" if ours else f"{framework}_app"
    app = importlib.import_module(f"asgi_apps.{module}").app
    bare = importlib.import_module("asgi_apps.bare").app
    running = [Lifespan(app), Lifespan(bare)]
    for lifespan in running:
        await lifespan.start()
    for name, path in ab.ENDPOINTS.items():
        check(name, await one(app, path))
        check(name, await one(bare, path))
        await many(app, path, 300)
    submit = _empty_hop(app if ours else None)
    shares = await inner_share(min(20000, 40 * n)) if ours else {}
    samples: dict[str, dict[str, list[float]]] = {}
    missing: set[str] = set()

    def add(group: str, key: str, value: float) -> None:
        samples.setdefault(group, {}).setdefault(key, []).append(value)

    for _ in range(chunks):
        add("floor", "", await many(null_app, "/", n) * 1e6)
        add("hop_us", "", await hop_cost(submit, n) * 1e6)
        for name, path in ab.ENDPOINTS.items():
            plain = await many(app, path, n)
            add("bare", name, await many(bare, path, n) * 1e6)
            if not ours:
                add("total", name, plain * 1e6)
                continue
            passes = []
            for key, groups in (("main", ab.MAIN), ("detail", ab.MAIN + ab.DETAIL)):
                patches = install(app.app, groups)
                missing.update(patches.missing)
                try:
                    took = await many(app, path, n)
                finally:
                    patches.restore()
                passes.append((key, took, METER.acc, METER.calls, METER.nested))
            # The plain run before and after the passes (drift).
            plain = (plain + await many(app, path, n)) / 2
            add("total", name, plain * 1e6)
            for key, took, acc, calls, nested in passes:
                if key == "main":
                    add("hops", name, calls.get(("hop", "sync"), 0) / n)
                factor = _correct(acc, calls, nested, took - plain, shares, n)
                for part, us in acc.items():
                    add(f"{key}:{name}", part, us)
                add("factor", f"{key}:{name}", factor)
    for lifespan in running:
        await lifespan.stop()
    out = _medians(samples, ours)
    if ours:
        out["missing"] = sorted(missing)
        out["tight_loop_wrapper_us"] = {
            kind: shares[f"{kind}_cost"] * 1e6 for kind in ("sync", "async")
        }
    return out


def _empty_hop(app: t.Any) -> t.Callable[[], t.Any]:
    """An empty job's trip to a worker thread: this package's pool, or
    anyio's (Starlette's)."""
    if app is None:
        import anyio.to_thread

        return functools.partial(anyio.to_thread.run_sync, _noop)
    import contextvars

    pool, loop = app.pool, asyncio.get_running_loop()
    return functools.partial(pool.submit, loop, contextvars.copy_context(), _noop)


def _correct(
    acc: dict[str, float],
    calls: dict[tuple[str, str], int],
    nested: dict[tuple[str, str], int],
    excess: float,
    shares: dict[str, float],
    n: int,
) -> float:
    """Turn ``acc`` into microseconds per request less the wrappers' cost.

    ``excess`` (seconds per request) is what the wrappers added to this
    pass in all; it is shared out over the calls in proportion to their
    tight-loop cost, and each part loses the inner share of its own
    wrappers' calls and the outer share of those made inside it. Returns
    how many times its tight-loop cost a wrapper took here."""
    tight = sum(c * shares[f"{kind}_cost"] for (_, kind), c in calls.items()) / n
    factor = excess / tight if tight else 0.0
    for part in list(acc):
        seconds = acc[part]
        for kind in ("sync", "async"):
            cost = factor * shares[f"{kind}_cost"]
            inner = shares[f"{kind}_inner"]
            seconds -= calls.get((part, kind), 0) * inner * cost
            seconds -= nested.get((part, kind), 0) * (1 - inner) * cost
        acc[part] = seconds / n * 1e6
    return factor


def _medians(
    samples: dict[str, dict[str, list[float]]], ours: bool
) -> dict[str, t.Any]:
    med = {
        group: {k: statistics.median(v) for k, v in per.items()}
        for group, per in samples.items()
    }
    floor = med["floor"][""]
    out: dict[str, t.Any] = {
        "floor": floor,
        "hop_us": med["hop_us"][""],
        "total": {k: v - floor for k, v in med["total"].items()},
        "bare": {k: v - floor for k, v in med["bare"].items()},
    }
    if not ours:
        return out
    out |= {"parts": {}, "detail": {}, "hops": med["hops"]}
    for name, total in out["total"].items():
        got = med.get(f"main:{name}", {})
        parts = {
            "scope": got.get("scope", 0.0),
            "request": got.get("request", 0.0),
            "routing": got.get("routing bind", 0.0) + got.get("routing match", 0.0),
            "view": got.get("view", 0.0),
            "response": got.get("response body", 0.0) + got.get("response head", 0.0),
            "send": got.get("send", 0.0),
            "hop": got.get("hop", 0.0),
        }
        parts["orchestration"] = total - sum(parts.values())
        out["parts"][name] = parts
        # The second pass, with the parts of orchestration wrapped too: its
        # own figure for orchestration, split.
        det = med.get(f"detail:{name}", {})
        main_parts = {part for part, _ in ab.MAIN}
        orchestration = total - sum(det.get(p, 0.0) for p in main_parts)
        detail = {label: det.get(label, 0.0) for label, _ in ab.DETAIL}
        detail["rest"] = orchestration - sum(detail.values())
        detail["orchestration"] = orchestration
        out["detail"][name] = detail
    out["factor"] = med["factor"]
    return out


# -- profile ------------------------------------------------------------------------


def profile(endpoint: str, n: int = 5000) -> None:
    """Print the functions this package spends the most time in while
    serving ``endpoint`` ``n`` times (cProfile), with calls per request."""
    loop, _ = new_loop()
    asyncio.set_event_loop(loop)
    app = importlib.import_module("asgi_apps.ours").app
    path = ab.ENDPOINTS[endpoint]
    lifespan = Lifespan(app)
    loop.run_until_complete(lifespan.start())
    loop.run_until_complete(many(app, path, 300))
    prof = cProfile.Profile()
    prof.enable()
    loop.run_until_complete(many(app, path, n))
    prof.disable()
    loop.run_until_complete(lifespan.stop())
    loop.close()
    stream = io.StringIO()
    stats = pstats.Stats(prof, stream=stream).sort_stats("tottime")
    stats.print_stats(30)
    print(f"{endpoint}: {n} requests; ncalls / {n} = calls per request")
    print(stream.getvalue())
