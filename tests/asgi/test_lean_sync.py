"""The lean path for sync views (``flask.asgi._lean.run_sync``): one job in
a worker per request, the general path when the job would wait for a
thread, and what a request cancelled while its job runs leaves behind.
(``test_scoped.py`` compares its answers with the general path's.)"""

from __future__ import annotations

import asyncio
import threading
import typing as t

import pytest
from test_adapter import make_scope

import flask
from flask import Flask
from flask.asgi import _http
from flask.asgi import ASGIApp
from flask.asgi._pool import WorkerPool


async def serve(
    asgi: t.Any, path: str, leave: asyncio.Event | None = None
) -> list[dict[str, t.Any]]:
    """Serve a GET of ``path``; the client leaves once ``leave`` is set."""
    sent: list[dict[str, t.Any]] = []
    asked = False

    async def receive() -> dict[str, t.Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        if leave is not None:
            await leave.wait()
            return {"type": "http.disconnect"}
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    await asgi(make_scope("GET", path), receive, send)
    return sent


def body(sent: list[dict[str, t.Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent[1:])


def make_app() -> Flask:
    app = Flask(__name__)

    @app.get("/hello")
    def hello() -> str:
        return "Hello"

    @app.get("/where")
    def where() -> str:
        return threading.current_thread().name

    return app


def test_one_job_per_request_and_no_request_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sync view with no hook costs one job in a worker; a view that does
    not read the request gets none built (no environ either)."""
    from flask.wrappers import Request

    app = make_app()
    jobs: list[t.Any] = []
    built: list[t.Any] = []
    submit = WorkerPool.submit
    init = Request.__init__

    def counting(self: WorkerPool, *args: t.Any, **kwargs: t.Any) -> t.Any:
        jobs.append(args[2])
        return submit(self, *args, **kwargs)

    def building(self: Request, *args: t.Any, **kwargs: t.Any) -> None:
        built.append(args)
        init(self, *args, **kwargs)

    async def go() -> None:
        for _ in range(2):  # the first requests decide the plan
            assert body(await serve(app.asgi_app, "/hello")) == b"Hello"
        monkeypatch.setattr(WorkerPool, "submit", counting)
        monkeypatch.setattr(Request, "__init__", building)
        sent = await serve(app.asgi_app, "/hello")
        assert sent[0]["status"] == 200
        assert body(sent) == b"Hello"
        assert [job.__name__ for job in jobs] == ["run_sync"]
        assert built == []
        # It ran in a worker thread, not on the loop.
        assert body(await serve(app.asgi_app, "/where")).startswith(b"flask-asgi-")
        assert flask.globals._cv_app.get(None) is None

    asyncio.run(go())


def test_a_job_that_waits_for_a_thread_is_dropped_when_its_client_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With every thread busy, a request's job waits for a thread while its
    client is watched, and is dropped (nothing sent, its view never run)
    if the client leaves meanwhile, as on the general path."""
    app = Flask(__name__)
    release = threading.Event()
    ran: list[str] = []

    @app.get("/block")
    def block() -> str:
        ran.append("block")
        release.wait(10)
        return "unblocked"

    @app.get("/hello")
    def hello() -> str:
        ran.append("hello")
        return "Hello"

    asgi = ASGIApp(app, max_threads=1)
    lean: list[bool] = []
    scoped = _http._serve_scoped

    async def spying(*args: t.Any) -> None:
        lean.append(args[1][5])
        await scoped(*args)

    async def go() -> None:
        for _ in range(2):
            await serve(asgi, "/hello")
            release.set()
            await serve(asgi, "/block")
        release.clear()
        ran.clear()
        monkeypatch.setattr(_http, "_serve_scoped", spying)
        blocked = asyncio.ensure_future(serve(asgi, "/block"))
        while not ran:
            await asyncio.sleep(0.01)
        assert asgi.pool.saturated()
        leave = asyncio.Event()
        waiting = asyncio.ensure_future(serve(asgi, "/hello", leave))
        await asyncio.sleep(0.05)
        leave.set()  # the client leaves while its job waits for the thread
        await asyncio.sleep(0.05)
        release.set()
        assert body(await blocked) == b"unblocked"
        assert await waiting == []  # nothing sent: it left
        assert ran == ["block"]  # and its view never ran
        assert lean == [True, True]
        assert body(await serve(asgi, "/hello")) == b"Hello"
        assert ran == ["block", "hello"]

    asyncio.run(go())


@pytest.mark.parametrize("lean", [True, False], ids=["lean", "general"])
@pytest.mark.parametrize("kind", ["deferred", "stream", "plain"])
def test_cancelled_while_the_view_runs(kind: str, lean: bool) -> None:
    """A request cancelled (as hypercorn does when its client leaves) while
    its sync view runs, on the lean path or the general one (a hook): the
    view finishes in its thread, then what it left is cleaned up in a
    worker (never while the job still runs in the request's context): a
    context still pushed (waiting for an async error handler) is popped
    with the cancellation as its error, and a streamed response's iterable
    is closed."""
    app = Flask(__name__)
    if not lean:
        app.before_request(lambda: None)
    block = False
    started = threading.Event()
    release = threading.Event()
    contexts: list[t.Any] = []
    closed: list[bool] = []
    torn_down: list[t.Any] = []

    @app.errorhandler(LookupError)
    async def handled(e: LookupError) -> str:
        return "handled"

    @app.get("/hello")
    def hello() -> str:
        return "Hello"

    @app.get("/slow")
    def slow() -> t.Any:
        if not block:
            return "warming up"
        contexts.append(flask.globals._cv_app.get())
        started.set()
        release.wait(10)
        if kind == "deferred":
            # Teardown hooks would keep the request off the lean path:
            # watch the teardown from here.
            ctx = contexts[-1]
            real = ctx.pop

            def pop(exc: BaseException | None = None) -> None:
                torn_down.append(exc)
                real(exc)

            ctx.pop = pop
            raise LookupError("looked")
        if kind == "stream":

            def chunks() -> t.Iterator[bytes]:
                yield b"never sent"

            response = flask.Response(chunks())
            response.call_on_close(lambda: closed.append(True))
            return response
        return "plain"

    asgi = app.asgi_app

    async def go() -> None:
        nonlocal block
        for _ in range(2):
            assert body(await serve(asgi, "/hello")) == b"Hello"
            assert body(await serve(asgi, "/slow")) == b"warming up"
        block = True
        task = asyncio.ensure_future(serve(asgi, "/slow"))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        # The job finishes; the clean-up runs in a worker after it.
        for _ in range(200):
            if not contexts[0]._cv_tokens and (kind != "stream" or closed):
                break
            await asyncio.sleep(0.01)
        # Other requests are served as usual.
        assert body(await serve(asgi, "/hello")) == b"Hello"

    asyncio.run(go())
    assert not contexts[0]._cv_tokens  # popped
    if kind == "deferred":
        assert len(torn_down) == 1
        assert type(torn_down[0]) is asyncio.CancelledError
    elif kind == "stream":
        assert closed == [True]  # its call_on_close function ran
    else:
        assert closed == []


def test_a_base_exception_from_a_sync_view_propagates_and_pops_once() -> None:
    app = Flask(__name__)
    contexts: list[t.Any] = []

    @app.get("/hello")
    def hello() -> str:
        return "Hello"

    @app.get("/exit")
    def exit_() -> str:
        contexts.append(flask.globals._cv_app.get())
        raise SystemExit(3)

    async def go() -> None:
        for _ in range(2):
            await serve(app.asgi_app, "/hello")
        with pytest.raises(SystemExit):
            await serve(app.asgi_app, "/exit")

    asyncio.run(go())
    assert not contexts[0]._cv_tokens


def test_an_orphaned_result_reaches_the_orphan_handler() -> None:
    """The pool hands the result of a job whose future was cancelled while
    it ran to ``orphan``, on the loop; a job cancelled before it started
    does not run, and ``orphan`` gets ``DROPPED`` for it."""
    from flask.asgi._pool import DROPPED

    pool = WorkerPool(1)
    started = threading.Event()
    release = threading.Event()
    ran: list[str] = []

    def job(name: str) -> str:
        ran.append(name)
        started.set()
        release.wait(10)
        return f"result of {name}"

    async def go() -> list[t.Any]:
        import contextvars

        loop = asyncio.get_running_loop()
        got: list[t.Any] = []
        orphan = got.append
        running = pool.submit(
            loop, contextvars.copy_context(), job, ("first",), None, orphan
        )
        waiting = pool.submit(
            loop, contextvars.copy_context(), job, ("second",), None, orphan
        )
        while not started.is_set():
            await asyncio.sleep(0.01)
        running.cancel()
        waiting.cancel()
        release.set()
        for _ in range(200):
            if len(got) == 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        return got

    try:
        assert asyncio.run(go()) == ["result of first", DROPPED]
    finally:
        pool.shutdown()
    assert ran == ["first"]
