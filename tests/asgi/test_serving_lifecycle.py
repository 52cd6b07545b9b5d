"""Around serving: ``while_serving`` generators, background tasks and
``app.test_app()``, over ASGI and under the WSGI test client."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import typing as t

import httpx
import pytest

import flask
from flask import Flask


def asgi_client(app: Flask) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.asgi_app), base_url="http://test"
    )


# -- while_serving -----------------------------------------------------------------


def test_while_serving_wraps_serving_in_order(app: Flask) -> None:
    log: list[t.Any] = []

    @app.before_serving
    async def before() -> None:
        log.append("before")

    @app.while_serving
    async def pool() -> t.AsyncGenerator[None, None]:
        log.append(("pool up", flask.current_app.name, asyncio.get_running_loop()))
        flask.current_app.extensions["pool"] = "ready"
        yield
        log.append("pool down")

    @app.while_serving
    def threaded() -> t.Generator[None, None, None]:
        log.append(("threaded up", threading.current_thread().name[:10]))
        yield
        log.append("threaded down")

    @app.after_serving
    def after() -> None:
        log.append("after")

    @app.route("/")
    async def index() -> str:
        return t.cast(str, flask.current_app.extensions["pool"])

    async def main() -> tuple[str, asyncio.AbstractEventLoop]:
        async with app.test_app():
            async with asgi_client(app) as client:
                body = (await client.get("/")).text
            log.append("served")
        return body, asyncio.get_running_loop()

    body, loop = asyncio.run(main())
    assert body == "ready"
    assert log == [
        "before",
        ("pool up", app.name, loop),
        ("threaded up", "flask-asgi"),
        "served",
        "after",
        "threaded down",
        "pool down",
    ]


@pytest.mark.parametrize("kind", ["no yield", "two yields"])
def test_while_serving_must_yield_once(app: Flask, kind: str) -> None:
    @app.while_serving
    async def bad() -> t.AsyncGenerator[None, None]:
        if kind == "two yields":
            yield
            yield
        elif False:  # pragma: no cover - makes this an async generator
            yield

    async def main() -> None:
        async with app.test_app():
            pass

    phase = "startup" if kind == "no yield" else "shutdown"
    with pytest.raises(RuntimeError, match=f"The app's {phase} failed"):
        asyncio.run(main())


def test_test_app_reports_failed_startup(app: Flask) -> None:
    @app.before_serving
    def broken() -> None:
        raise ConnectionError("database unreachable")

    with pytest.raises(RuntimeError, match="ConnectionError: database unreachable"):
        with app.test_app():
            pass


# -- background tasks ---------------------------------------------------------------


def test_background_tasks_over_asgi(app: Flask) -> None:
    done: list[t.Any] = []
    loop_seen: list[asyncio.AbstractEventLoop] = []

    async def notify(n: int) -> None:
        await asyncio.sleep(0.05)
        loop_seen.append(asyncio.get_running_loop())
        done.append(("async", n, flask.current_app.name, flask.has_request_context()))

    def sync_job(n: int) -> None:
        time.sleep(0.05)
        done.append(("sync", n, threading.current_thread().name[:10]))

    @app.post("/<int:n>")
    async def start(n: int) -> str:
        flask.current_app.add_background_task(notify, n)
        flask.current_app.add_background_task(sync_job, n=n)
        return "started"

    @app.route("/from-sync")
    def from_sync() -> str:
        flask.current_app.add_background_task(notify, 99)
        return "started"

    async def main() -> asyncio.AbstractEventLoop:
        async with app.test_app():
            async with asgi_client(app) as client:
                assert (await client.post("/1")).text == "started"
                assert (await client.get("/from-sync")).text == "started"
                assert done == []  # the answers did not wait
        return asyncio.get_running_loop()

    loop = asyncio.run(main())
    assert sorted(done, key=str) == sorted(
        [
            ("async", 1, app.name, False),
            ("async", 99, app.name, False),
            ("sync", 1, "flask-asgi"),
        ],
        key=str,
    )
    assert loop_seen == [loop, loop]
    assert len(app.background_tasks) == 0


def test_background_task_cancelled_after_shutdown_timeout(app: Flask) -> None:
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.2
    events: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.route("/")
    async def index() -> str:
        flask.current_app.add_background_task(forever)
        return "ok"

    async def main() -> float:
        async with app.test_app():
            async with asgi_client(app) as client:
                await client.get("/")
            start = time.monotonic()
        return time.monotonic() - start

    took = asyncio.run(main())
    assert events == ["cancelled"]
    assert 0.15 < took < 2


def test_background_task_error_logged_and_signalled(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[t.Any] = []

    def failing() -> None:
        raise ValueError("task broke")

    def on_error(sender: Flask, exception: BaseException) -> None:
        received.append((sender, exception))

    @app.route("/")
    def index() -> str:
        flask.current_app.add_background_task(failing)
        return "ok"

    with flask.got_background_exception.connected_to(on_error, app):
        with caplog.at_level(logging.ERROR):
            with app.test_app():
                assert app.test_client().get("/").data == b"ok"
    assert [(s, str(e)) for s, e in received] == [(app, "task broke")]
    assert "Exception in background task" in caplog.text
    assert "ValueError: task broke" in caplog.text


def test_background_tasks_under_wsgi(app: Flask) -> None:
    """Under the WSGI test client tasks run in threads of the app's; leaving
    ``app.test_app()`` waits for them."""
    done: list[t.Any] = []
    release = threading.Event()

    def sync_job() -> None:
        release.wait(5)
        done.append(("sync", flask.current_app.name))

    async def async_job() -> None:
        await asyncio.sleep(0.01)
        done.append(("async", flask.current_app.name))

    @app.route("/")
    def index() -> str:
        flask.current_app.add_background_task(sync_job)
        flask.current_app.add_background_task(async_job)
        return "ok"

    with app.test_app():
        assert app.test_client().get("/").data == b"ok"
        time.sleep(0.1)
        assert done == [("async", app.name)]
        release.set()
    assert done == [("async", app.name), ("sync", app.name)]
    assert app.background_tasks.wait(0)
