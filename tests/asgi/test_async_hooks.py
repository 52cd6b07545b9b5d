"""Async ``before_request`` / ``after_request`` hooks and ``after_this_request``
callbacks under ASGI: awaited on the server's loop without holding a worker
thread, with the same order, short-circuits and error handling as WSGI."""

from __future__ import annotations

import asyncio
import threading
import time
import typing as t

import pytest
from test_adapter import call
from test_adapter import Result
from test_adapter import run

import flask
from flask import Blueprint
from flask import Flask
from flask.asgi import ASGIApp
from flask.ctx import AppContext


def wsgi(app: Flask, path: str) -> Result:
    r = app.test_client().get(path)
    headers = {k.lower(): v for k, v in r.headers.items()}
    return Result(r.status_code, headers, r.data, [])


class Rendezvous:
    """Lets ``n`` waiters through only once all ``n`` wait at the same time
    (fails after ``timeout`` otherwise): proof they wait concurrently."""

    def __init__(self, n: int, timeout: float = 5) -> None:
        self.n = n
        self.timeout = timeout
        self.count = 0
        self.event: asyncio.Event | None = None

    async def wait(self) -> None:
        if self.event is None:
            self.event = asyncio.Event()
        self.count += 1
        if self.count == self.n:
            self.event.set()
        await asyncio.wait_for(self.event.wait(), self.timeout)


@pytest.mark.parametrize("hook", ["before", "after", "after_this"])
def test_waiting_hooks_hold_no_thread(hook: str) -> None:
    """With one worker thread, 8 requests all wait inside the same async hook
    at once: none of them holds the thread while it waits."""
    app = Flask(__name__)
    meet = Rendezvous(8)
    threads: set[threading.Thread] = set()

    async def wait_before() -> None:
        threads.add(threading.current_thread())
        await meet.wait()

    async def wait_after(response: flask.Response) -> flask.Response:
        threads.add(threading.current_thread())
        await meet.wait()
        response.headers["X-Hook"] = flask.request.path
        return response

    if hook == "before":
        app.before_request(wait_before)
    elif hook == "after":
        app.after_request(wait_after)

    @app.route("/<int:n>")
    def index(n: int) -> str:
        if hook == "after_this":
            flask.after_this_request(wait_after)
        return str(n)

    asgi = ASGIApp(app, max_threads=1)

    async def main() -> list[Result]:
        calls = (call(asgi, path=f"/{i}") for i in range(8))
        return [r for r, _ in await asyncio.gather(*calls)]

    results = asyncio.run(main())
    assert [r.body for r in results] == [str(i).encode() for i in range(8)]
    assert [r.status for r in results] == [200] * 8
    if hook != "before":
        assert [r.headers["x-hook"] for r in results] == [f"/{i}" for i in range(8)]
    assert threads == {threading.main_thread()}


def test_sleeping_hooks_overlap() -> None:
    """20 requests whose before and after hooks each sleep 0.2 s, two
    threads: about 0.4 s in all, not 20 x 0.4 / 2 = 4 s."""
    app = Flask(__name__)

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0.2)

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        await asyncio.sleep(0.2)
        return response

    @app.route("/")
    def index() -> str:
        return "ok"

    asgi = ASGIApp(app, max_threads=2)

    async def main() -> list[Result]:
        return [r for r, _ in await asyncio.gather(*(call(asgi) for _ in range(20)))]

    start = time.perf_counter()
    results = asyncio.run(main())
    elapsed = time.perf_counter() - start
    assert [r.body for r in results] == [b"ok"] * 20
    assert elapsed < 2


def test_context_in_async_hooks() -> None:
    app = Flask(__name__)
    app.secret_key = "k"
    seen: dict[str, t.Any] = {}

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        seen["loop"] = asyncio.get_running_loop()
        flask.g.user = flask.request.args["u"]
        flask.session["u"] = flask.g.user
        seen["app"] = flask.current_app.name

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        await asyncio.sleep(0)
        response.headers["X-Seen"] = f"{flask.g.user} {flask.session['u']}"
        return response

    @app.route("/")
    def index() -> str:
        return f"view {flask.g.user}"

    async def main() -> Result:
        seen["server"] = asyncio.get_running_loop()
        return (await call(app.asgi_app, path="/?u=ann"))[0]

    r = asyncio.run(main())
    assert r.body == b"view ann"
    assert r.headers["x-seen"] == "ann ann"
    assert "session=" in r.headers["set-cookie"]
    assert seen["loop"] is seen["server"]
    assert seen["app"] == app.name


def make_ordered_app(log: list[str]) -> Flask:
    """Sync and async hooks on the app and on nested blueprints, an
    ``after_this_request`` callback of each kind; every call is logged."""
    app = Flask(__name__)
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    def sync_before(name: str) -> t.Callable[[], None]:
        def hook() -> None:
            log.append(f"before {name}")

        return hook

    def async_before(name: str) -> t.Callable[[], t.Any]:
        async def hook() -> None:
            await asyncio.sleep(0)
            log.append(f"before {name}")

        return hook

    def sync_after(name: str) -> t.Callable[[flask.Response], flask.Response]:
        def hook(response: flask.Response) -> flask.Response:
            log.append(f"after {name}")
            response.headers["X-Order"] = response.headers.get("X-Order", "") + name
            return response

        return hook

    def async_after(name: str) -> t.Callable[[flask.Response], t.Any]:
        async def hook(response: flask.Response) -> flask.Response:
            await asyncio.sleep(0)
            log.append(f"after {name}")
            response.headers["X-Order"] = response.headers.get("X-Order", "") + name
            return response

        return hook

    app.before_request(async_before("a1"))
    app.before_request(sync_before("a2"))
    app.after_request(sync_after("A"))
    app.after_request(async_after("B"))
    parent.before_request(sync_before("p1"))
    parent.before_request(async_before("p2"))
    parent.after_request(async_after("P"))
    child.before_request(async_before("c1"))
    child.after_request(sync_after("C"))
    child.after_request(async_after("D"))

    @app.url_value_preprocessor
    def values(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        log.append(f"values {endpoint}")

    @child.route("/")
    def view() -> str:
        log.append("view")
        flask.after_this_request(sync_after("x"))
        flask.after_this_request(async_after("y"))
        return "ok"

    @app.route("/top")
    async def top() -> str:
        log.append("top")
        return "top"

    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    return app


@pytest.mark.parametrize("path", ["/p/c/", "/top", "/missing"])
def test_hook_order_matches_wsgi(path: str) -> None:
    wsgi_log: list[str] = []
    asgi_log: list[str] = []
    expected = wsgi(make_ordered_app(wsgi_log), path)
    got = run(make_ordered_app(asgi_log).asgi_app, path=path)
    assert asgi_log == wsgi_log
    assert (got.status, got.body) == (expected.status, expected.body)
    assert got.headers.get("x-order") == expected.headers.get("x-order")
    if path == "/p/c/":
        assert wsgi_log == [
            "values parent.child.view",
            "before a1",
            "before a2",
            "before p1",
            "before p2",
            "before c1",
            "view",
            "after x",
            "after y",
            "after D",
            "after C",
            "after P",
            "after B",
            "after A",
        ]


def make_short_circuit_app(log: list[str], kind: str) -> Flask:
    app = Flask(__name__)

    @app.before_request
    async def first() -> t.Any:
        await asyncio.sleep(0)
        log.append("first")
        if kind == "value":
            return "early", 203, {"X-Early": "1"}
        if kind == "none":
            return None
        if kind == "response":
            return flask.redirect("/elsewhere")
        raise AssertionError(kind)

    @app.before_request
    def second() -> None:
        log.append("second")

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        log.append(f"after {response.status_code}")
        return response

    @app.route("/")
    async def index() -> str:
        log.append("view")
        return "view"

    return app


@pytest.mark.parametrize("kind", ["value", "none", "response"])
def test_before_request_short_circuit_matches_wsgi(kind: str) -> None:
    wsgi_log: list[str] = []
    asgi_log: list[str] = []
    expected = wsgi(make_short_circuit_app(wsgi_log, kind), "/")
    got = run(make_short_circuit_app(asgi_log, kind).asgi_app)
    assert asgi_log == wsgi_log
    assert (got.status, got.body) == (expected.status, expected.body)
    assert got.headers.get("x-early") == expected.headers.get("x-early")
    assert got.headers.get("location") == expected.headers.get("location")
    if kind == "none":
        assert wsgi_log == ["first", "second", "view", "after 200"]
    else:
        assert wsgi_log == ["first", f"after {expected.status}"]


def make_error_app(log: list[str], where: str, handler: str) -> Flask:
    app = Flask(__name__)

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        log.append("before")
        if where == "before":
            raise KeyError("b")
        if where == "before-http":
            flask.abort(409)

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        await asyncio.sleep(0)
        log.append(f"after {response.status_code}")
        if where == "after" and response.status_code == 200:
            raise KeyError("a")
        return response

    if handler == "sync":

        @app.errorhandler(KeyError)
        def on_key(e: KeyError) -> tuple[str, int]:
            log.append(f"handler {e}")
            return f"handled {e}", 418

    elif handler == "async":

        @app.errorhandler(KeyError)
        async def on_key_async(e: KeyError) -> tuple[str, int]:
            await asyncio.sleep(0)
            log.append(f"handler {e}")
            return f"handled {e}", 418

    @app.errorhandler(500)
    def on_500(e: Exception) -> tuple[str, int]:
        original = getattr(e, "original_exception", None)
        log.append(f"500 {original!r}")
        return "broken", 500

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        log.append(f"teardown {exc!r}")

    @app.route("/")
    def index() -> str:
        log.append("view")
        return "ok"

    return app


@pytest.mark.parametrize("handler", ["sync", "async", "none"])
@pytest.mark.parametrize("where", ["before", "before-http", "after"])
def test_hook_errors_handled_as_in_wsgi(where: str, handler: str) -> None:
    wsgi_log: list[str] = []
    asgi_log: list[str] = []
    expected = wsgi(make_error_app(wsgi_log, where, handler), "/")
    got = run(make_error_app(asgi_log, where, handler).asgi_app)
    assert asgi_log == wsgi_log
    assert (got.status, got.body) == (expected.status, expected.body)
    if where == "before" and handler != "none":
        assert expected.status == 418 and "view" not in wsgi_log
    if where == "after":
        # Errors in after_request are not user errors: they become 500.
        assert expected.status == 500
        assert "500 KeyError('a')" in wsgi_log


def test_overridden_preprocess_request_runs_hooks_in_worker() -> None:
    """An app overriding ``preprocess_request`` keeps today's behaviour: the
    override runs in a worker thread, which waits for async hooks; so at
    most ``max_threads`` requests wait in a hook at once."""

    class App(Flask):
        def preprocess_request(self, ctx: AppContext | None = None) -> t.Any:
            flask.g.overridden = threading.current_thread().name
            return super().preprocess_request(ctx)

        def process_response(
            self, ctx: AppContext, response: flask.Response
        ) -> flask.Response:
            response = super().process_response(ctx, response)
            response.headers["X-Processed"] = "1"
            return response

    app = App(__name__)
    waiting = 0
    most = 0

    @app.before_request
    async def before() -> None:
        nonlocal waiting, most
        waiting += 1
        most = max(most, waiting)
        await asyncio.sleep(0.1)
        waiting -= 1

    @app.route("/")
    def index() -> str:
        return flask.g.overridden  # type: ignore[no-any-return]

    asgi = ASGIApp(app, max_threads=2)

    async def main() -> list[Result]:
        return [r for r, _ in await asyncio.gather(*(call(asgi) for _ in range(6)))]

    results = asyncio.run(main())
    assert all(r.body.startswith(b"flask-asgi") for r in results)
    assert all(r.headers["x-processed"] == "1" for r in results)
    assert most <= 2


def test_async_before_request_reads_body_sent_in_parts() -> None:
    """The body is received before an async hook runs on the loop, so it
    can read it without blocking."""
    app = Flask(__name__)

    @app.before_request
    async def before() -> t.Any:
        data = flask.request.get_data()
        if data.startswith(b"stop"):
            return b"stopped " + data
        return None

    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return b"view " + flask.request.get_data()

    stopped = run(app.asgi_app, "POST", chunks=[b"stop", b"-", b"here"])
    assert (stopped.status, stopped.body) == (200, b"stopped stop-here")
    passed = run(app.asgi_app, "POST", chunks=[b"go", b"on"])
    assert (passed.status, passed.body) == (200, b"view goon")
