"""``app.asgi_app`` driven in process: where each step runs, bodies and
limits, streaming, disconnects, lifespan and the whole-request fallback."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import typing as t

import httpx
import pytest

import flask
from flask import Flask
from flask.asgi import ASGIApp
from flask.asgi import DEFAULT_MAX_THREADS


class Result(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes
    messages: list[dict[str, t.Any]]


def make_scope(method: str = "GET", path: str = "/", **kw: t.Any) -> dict[str, t.Any]:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
    }
    scope.update(kw)
    return scope


async def call(
    asgi: t.Any,
    method: str = "GET",
    path: str = "/",
    chunks: list[bytes] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
    disconnect_after: int | None = None,
) -> tuple[Result, list[dict[str, t.Any]]]:
    """Call ``asgi``; the body arrives as ``chunks`` (one message each).
    With ``disconnect_after``, the client goes away after that many body
    messages were sent to it. Returns the result and the messages received
    by the app."""
    scope = make_scope(method, path)
    if headers:
        scope["headers"] = scope["headers"] + headers
    names = {name.lower() for name, _ in headers or ()}
    if any(chunks or ()) and b"content-length" not in names:
        # A body without a length comes chunked from an HTTP/1.1 client.
        scope["headers"] = scope["headers"] + [(b"transfer-encoding", b"chunked")]
    chunks = chunks or [b""]
    inbox = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    received: list[dict[str, t.Any]] = []
    sent: list[dict[str, t.Any]] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, t.Any]:
        if inbox:
            msg = inbox.pop(0)
            received.append(msg)
            return msg
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        if disconnect_after is not None and len(bodies) >= disconnect_after:
            gone.set()
        if message["type"] == "http.response.body" and not message.get("more_body"):
            gone.set()

    await asgi(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    hdrs = {k.decode(): v.decode() for k, v in start["headers"]}
    return Result(start["status"], hdrs, body, sent), received


def run(asgi: t.Any, *args: t.Any, **kwargs: t.Any) -> Result:
    return asyncio.run(call(asgi, *args, **kwargs))[0]


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k")
    return app


def test_asgi_app_is_shared_and_configurable(app: Flask) -> None:
    asgi = app.asgi_app
    assert isinstance(asgi, ASGIApp)
    assert app.asgi_app is asgi
    assert asgi.max_threads == DEFAULT_MAX_THREADS == 40
    assert ASGIApp(app, max_threads=3).max_threads == 3
    with pytest.raises(ValueError):
        ASGIApp(app, max_threads=0)


def test_async_view_runs_on_server_loop_sync_view_in_worker(app: Flask) -> None:
    seen: dict[str, t.Any] = {}

    @app.route("/async")
    async def av() -> str:
        seen["loop"] = asyncio.get_running_loop()
        seen["athread"] = threading.current_thread()
        flask.g.x = flask.request.args["x"]
        flask.session["s"] = 1
        await asyncio.sleep(0)
        return f"{flask.g.x} {flask.current_app.name} {flask.request.path}"

    @app.route("/sync")
    def sv() -> str:
        seen["sthread"] = threading.current_thread()
        return "s"

    async def main() -> tuple[Result, Result]:
        seen["server_loop"] = asyncio.get_running_loop()
        a, _ = await call(app.asgi_app, path="/async?x=7")
        s, _ = await call(app.asgi_app, path="/sync")
        return a, s

    a, s = asyncio.run(main())
    assert a.status == 200 and a.body == b"7 test_adapter /async"
    assert "set-cookie" in a.headers
    assert seen["loop"] is seen["server_loop"]
    assert seen["athread"] is threading.main_thread()
    assert s.body == b"s"
    assert seen["sthread"].name.startswith("flask-asgi")


def test_awaiting_views_hold_no_thread(app: Flask) -> None:
    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0.3)
        return "ok"

    asgi = ASGIApp(app, max_threads=2)

    async def main() -> list[Result]:
        return [r for r, _ in await asyncio.gather(*(call(asgi) for _ in range(50)))]

    start = time.perf_counter()
    results = asyncio.run(main())
    elapsed = time.perf_counter() - start
    assert [r.body for r in results] == [b"ok"] * 50
    # 50 views with 2 threads: if each held a thread this would take 7.5 s.
    assert elapsed < 2


def test_async_hooks_and_handlers_on_loop_with_context(app: Flask) -> None:
    log: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        flask.g.user = "ann"
        log.append("before")

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        response.headers["X-User"] = flask.g.user
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        log.append(f"teardown {type(exc).__name__}")

    @app.errorhandler(KeyError)
    async def on_key(e: KeyError) -> tuple[str, int]:
        await asyncio.sleep(0)
        assert asyncio.get_running_loop() is not None
        return f"{sys.exc_info()[0].__name__} {flask.request.path} {flask.g.user}", 418  # type: ignore[union-attr]

    @app.route("/")
    async def index() -> str:
        raise KeyError("k")

    r = run(app.asgi_app)
    assert r.status == 418
    assert r.body == b"KeyError / ann"
    assert r.headers["x-user"] == "ann"
    assert log == ["before", "teardown NoneType"]


def test_unhandled_error_500_and_teardown_gets_it(app: Flask) -> None:
    errors: list[t.Any] = []
    app.teardown_request(errors.append)

    @app.route("/")
    async def index() -> str:
        raise ValueError("boom")

    r = run(app.asgi_app)
    assert r.status == 500
    assert b"Internal Server Error" in r.body
    assert [type(e) for e in errors] == [ValueError]


def test_exception_propagates_in_testing(app: Flask) -> None:
    app.testing = True

    @app.route("/")
    async def index() -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run(app.asgi_app)


def test_http_errors_and_routing(app: Flask) -> None:
    @app.route("/only-post", methods=["POST"])
    async def p() -> str:
        return "p"

    assert run(app.asgi_app, path="/missing").status == 404
    r = run(app.asgi_app, path="/only-post")
    assert r.status == 405
    assert "POST" in r.headers["allow"]
    r = run(app.asgi_app, "OPTIONS", "/only-post")
    assert r.status == 200 and "POST" in r.headers["allow"]


def test_head_has_no_body(app: Flask) -> None:
    @app.route("/")
    async def index() -> str:
        return "hello"

    r = run(app.asgi_app, "HEAD")
    assert r.status == 200
    assert r.headers["content-length"] == "5"
    assert r.body == b""


# -- bodies ----------------------------------------------------------------------


def test_body_in_many_messages_sync_and_async(app: Flask) -> None:
    @app.post("/sync")
    def sync_echo() -> bytes:
        return flask.request.get_data()

    @app.post("/async")
    async def async_echo() -> bytes:
        return flask.request.get_data()

    chunks = [b"a" * 1000, b"b" * 1000, b"c"]
    length = [(b"content-length", b"2001")]
    assert run(app.asgi_app, "POST", "/sync", chunks, length).body == b"".join(chunks)
    assert run(app.asgi_app, "POST", "/async", chunks, length).body == b"".join(chunks)
    # Chunked: no Content-Length, the body ends with the last message.
    assert run(app.asgi_app, "POST", "/sync", chunks).body == b"".join(chunks)
    assert run(app.asgi_app, "POST", "/async", chunks).body == b"".join(chunks)


def test_form_and_upload_across_messages(app: Flask) -> None:
    @app.post("/")
    def upload() -> dict[str, t.Any]:
        f = flask.request.files["f"]
        return {"name": f.filename, "size": len(f.read()), "a": flask.request.form["a"]}

    boundary = b"XyZ"
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
        + b"z" * 70000
        + b"\r\n--XyZ--\r\n"
    )
    chunks = [body[i : i + 16384] for i in range(0, len(body), 16384)]
    headers = [
        (b"content-type", b"multipart/form-data; boundary=" + boundary),
        (b"content-length", str(len(body)).encode()),
    ]
    r = run(app.asgi_app, "POST", "/", chunks, headers)
    assert r.status == 200
    assert flask.json.loads(r.body) == {"name": "x.bin", "size": 70000, "a": "1"}


@pytest.mark.parametrize("view", ["sync", "async"])
def test_too_large_413_without_reading_rest(app: Flask, view: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/sync")
    def s() -> bytes:
        return flask.request.get_data()

    @app.post("/async")
    async def a() -> bytes:
        return flask.request.get_data()

    chunks = [b"x" * 50] * 100
    r, received = asyncio.run(
        call(app.asgi_app, "POST", f"/{view}", chunks, [(b"content-length", b"5000")])
    )
    assert r.status == 413
    # Announced over the limit: refused before any of it is received (a
    # client that sends none of it is answered at once, as under WSGI).
    assert len(received) == 0
    # Chunked: reading stops just past the limit.
    r, received = asyncio.run(call(app.asgi_app, "POST", f"/{view}", chunks))
    assert r.status == 413
    assert len(received) <= 4


def test_unread_body_is_received_only_up_to_spill_size(app: Flask) -> None:
    """A body is received before sync code runs only up to ``spill_size``;
    the rest stays with the client unless the app reads it."""

    @app.post("/")
    def index() -> str:
        return "ignored the body"

    asgi = ASGIApp(app, spill_size=16)
    r, received = asyncio.run(call(asgi, "POST", "/", [b"x" * 8] * 10))
    assert r.body == b"ignored the body"
    assert len(received) == 2
    # A small body arrives in full before the view runs.
    r, received = asyncio.run(call(app.asgi_app, "POST", "/", [b"x"] * 10))
    assert r.body == b"ignored the body"
    assert len(received) == 10


def test_large_body_spills_to_file(app: Flask) -> None:
    """Received bytes not read yet go to a temporary file past
    ``spill_size``; once read, the file is dropped."""
    info: dict[str, t.Any] = {}

    @app.post("/")
    def index() -> str:
        stream = flask.request.environ["wsgi.input"]
        info["spilled"] = stream._file is not None
        data = flask.request.get_data()
        info["after"] = stream._file is not None
        return str(len(data))

    asgi = ASGIApp(app, spill_size=1000)
    r = run(asgi, "POST", "/", [b"a" * 800, b"b" * 800, b"c" * 800])
    assert r.body == b"2400"
    assert info == {"spilled": True, "after": False}
    r = run(ASGIApp(app), "POST", "/", [b"a" * 800, b"b" * 800, b"c" * 800])
    assert r.body == b"2400"
    assert info == {"spilled": False, "after": False}


# -- streaming -------------------------------------------------------------------


def test_sync_generator_streams_chunk_by_chunk(app: Flask) -> None:
    @app.route("/")
    def index() -> t.Any:
        @flask.stream_with_context
        def gen() -> t.Iterator[str]:
            yield "a"
            yield flask.request.path
            yield threading.current_thread().name

        return gen()

    r = run(app.asgi_app)
    bodies = [m["body"] for m in r.messages[1:]]
    assert bodies[:2] == [b"a", b"/"]
    assert bodies[2].startswith(b"flask-asgi")
    assert r.messages[-1] == {"type": "http.response.body", "body": b""}
    assert all(m.get("more_body") for m in r.messages[1:-1])


def test_async_generator_iterated_on_loop(app: Flask) -> None:
    @app.route("/")
    def index() -> flask.Response:
        async def gen() -> t.AsyncIterator[str]:
            yield "x"
            await asyncio.sleep(0)
            yield threading.current_thread().name

        return flask.Response(gen(), mimetype="text/plain")

    r = run(app.asgi_app)
    assert r.body == b"x" + threading.main_thread().name.encode()
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in r.headers
    head = run(app.asgi_app, "HEAD")
    assert head.body == b""


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_disconnect_closes_stream_and_tears_down_once(app: Flask, kind: str) -> None:
    events: list[str] = []

    @app.teardown_request
    def td(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/sync")
    def s() -> t.Any:
        @flask.stream_with_context
        def gen() -> t.Iterator[str]:
            try:
                while True:
                    time.sleep(0.01)
                    yield "chunk"
            finally:
                events.append("closed")

        return gen()

    @app.route("/async")
    def a() -> flask.Response:
        async def gen() -> t.AsyncIterator[str]:
            try:
                while True:
                    await asyncio.sleep(0.01)
                    yield "chunk"
            finally:
                events.append("closed")

        return flask.Response(gen())

    r = run(app.asgi_app, path=f"/{kind}", disconnect_after=3)
    assert r.status == 200
    assert events.count("closed") == 1
    assert events.count("teardown") == 1


def test_response_close_callbacks_run(app: Flask) -> None:
    closed: list[bool] = []

    @app.route("/")
    def index() -> flask.Response:
        rv = flask.Response(iter([b"a", b"b"]))
        rv.call_on_close(lambda: closed.append(True))
        return rv

    assert run(app.asgi_app).body == b"ab"
    assert closed == [True]


# -- fallback and overrides ------------------------------------------------------------


def test_middleware_on_wsgi_app_runs_whole_request_in_worker(app: Flask) -> None:
    threads: list[str] = []

    @app.route("/")
    async def index() -> str:
        threads.append(threading.current_thread().name)
        return flask.request.environ["X-MW"]

    inner = app.wsgi_app

    def middleware(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        environ["X-MW"] = "yes"
        threads.append(threading.current_thread().name)
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    r = run(app.asgi_app)
    assert r.body == b"yes"
    assert threads[0].startswith("flask-asgi")
    # The async view still runs on the server's loop (its thread waits).
    assert threads[1] == threading.main_thread().name


def test_legacy_dispatch_override_honoured(app: Flask) -> None:
    with pytest.warns(DeprecationWarning):

        class Legacy(Flask):
            def dispatch_request(self) -> t.Any:  # type: ignore[override]
                rv = super().dispatch_request()
                return f"[{rv}]"

    legacy = Legacy(__name__)

    @legacy.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return "v"

    assert run(legacy.asgi_app).body == b"[v]"


def test_websocket_to_app_without_websocket_routes_is_404(app: Flask) -> None:
    """WebSocket scopes are served (see tests/websocket); one for a path
    without a WebSocket route is rejected with the 404 response."""
    sent: list[dict[str, t.Any]] = []
    inbox = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, t.Any]:
        if inbox:
            return inbox.pop()
        await asyncio.sleep(3600)
        raise AssertionError("not reached")

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    scope = make_scope(path="/")
    scope.update(type="websocket", scheme="ws", subprotocols=[])
    del scope["method"]
    scope["extensions"] = {"websocket.http.response": {}}
    asyncio.run(app.asgi_app(scope, receive, send))
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 404


# -- lifespan ----------------------------------------------------------------------


class Lifespan:
    """Drives the lifespan protocol as a server does, in a task."""

    def __init__(self, asgi: t.Any) -> None:
        self.inbox: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        self.sent: list[dict[str, t.Any]] = []
        self.task = asyncio.get_running_loop().create_task(
            asgi(
                {"type": "lifespan", "asgi": {"version": "3.0"}},
                self.inbox.get,
                self.send,
            )
        )

    async def send(self, message: dict[str, t.Any]) -> None:
        self.sent.append(message)

    async def event(self, phase: str) -> dict[str, t.Any]:
        n = len(self.sent)
        await self.inbox.put({"type": f"lifespan.{phase}"})
        while len(self.sent) == n:
            await asyncio.sleep(0.001)
        return self.sent[-1]


async def lifespan(asgi: t.Any, phase: str) -> dict[str, t.Any]:
    return await Lifespan(asgi).event(phase)


def test_lifespan_hooks_run_on_server_loop(app: Flask) -> None:
    log: list[t.Any] = []

    @app.before_serving
    async def open_pool() -> None:
        app.extensions["pool"] = asyncio.get_running_loop()
        log.append(("start", flask.current_app.name))

    @app.before_serving
    def sync_start() -> None:
        log.append(("sync start", threading.current_thread().name[:10]))

    @app.after_serving
    async def first_registered() -> None:
        log.append("stop 1")

    @app.after_serving
    def second_registered() -> None:
        log.append("stop 2")

    @app.route("/")
    async def index() -> str:
        return str(app.extensions["pool"] is asyncio.get_running_loop())

    async def main() -> tuple[list[dict[str, t.Any]], Result]:
        asgi = app.asgi_app
        server = Lifespan(asgi)
        await server.event("startup")
        r, _ = await call(asgi)
        await server.event("shutdown")
        await server.task
        return server.sent, r

    sent, r = asyncio.run(main())
    assert sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]
    assert r.body == b"True"
    assert log == [
        ("start", "test_adapter"),
        ("sync start", "flask-asgi"),
        "stop 2",
        "stop 1",
    ]


def test_lifespan_startup_failure_reported(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_serving
    async def broken() -> None:
        raise ConnectionError("database unreachable")

    sent = asyncio.run(lifespan(app.asgi_app, "startup"))
    assert sent == {
        "type": "lifespan.startup.failed",
        "message": "ConnectionError: database unreachable",
    }
    assert "lifespan startup failed" in caplog.text


def test_serving_decorators_are_setup_methods(app: Flask) -> None:
    @app.route("/")
    def index() -> str:
        return ""

    app.test_client().get("/")
    with pytest.raises(AssertionError):
        app.before_serving(lambda: None)


def test_httpx_asgi_transport(app: Flask) -> None:
    @app.route("/set")
    async def set_() -> str:
        flask.session["n"] = 41
        return "set"

    @app.route("/get")
    def get() -> str:
        return str(flask.session["n"] + 1)

    async def main() -> str:
        transport = httpx.ASGITransport(app=app.asgi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            await c.get("/set")
            return (await c.get("/get")).text

    assert asyncio.run(main()) == "42"


def test_plain_async_requests_need_no_worker_thread(app: Flask) -> None:
    """Without hooks, overrides or signal receivers around an async view,
    the whole request runs on the loop: a busy pool does not delay it."""

    @app.route("/busy")
    def busy() -> str:
        time.sleep(1)
        return "busy"

    @app.route("/")
    async def index() -> str:
        return "free"

    asgi = ASGIApp(app, max_threads=1)

    async def main() -> tuple[float, list[Result], Result]:
        await call(asgi)  # the first request does first-request setup
        blocker = asyncio.ensure_future(call(asgi, path="/busy"))
        await asyncio.sleep(0.1)
        start = time.perf_counter()
        results = [r for r, _ in await asyncio.gather(*(call(asgi) for _ in range(20)))]
        elapsed = time.perf_counter() - start
        return elapsed, results, (await blocker)[0]

    elapsed, results, blocked = asyncio.run(main())
    assert [r.body for r in results] == [b"free"] * 20
    assert blocked.body == b"busy"
    assert elapsed < 0.5


def test_hooks_around_async_view_run_in_worker(app: Flask) -> None:
    threads: list[str] = []

    @app.before_request
    def before() -> None:
        threads.append(threading.current_thread().name)

    @app.after_request
    def after(response: flask.Response) -> flask.Response:
        threads.append(threading.current_thread().name)
        return response

    @app.route("/")
    async def index() -> str:
        threads.append(threading.current_thread().name)
        return "ok"

    run(app.asgi_app)
    run(app.asgi_app)
    main = threading.main_thread().name
    assert [n == main for n in threads] == [False, True, False] * 2
    assert threads[0].startswith("flask-asgi")


def test_error_after_async_view_handled_in_worker(app: Flask) -> None:
    got: list[str] = []

    @app.route("/")
    async def index() -> None:
        return None

    @app.errorhandler(500)
    def on_500(e: Exception) -> tuple[str, int]:
        got.append(threading.current_thread().name)
        return "handled", 500

    run(app.asgi_app)
    r = run(app.asgi_app)
    assert (r.status, r.body) == (500, b"handled")
    assert all(name.startswith("flask-asgi") for name in got)


def test_custom_session_interface_opened_in_worker(app: Flask) -> None:
    opened: list[str] = []

    class Interface(flask.sessions.SecureCookieSessionInterface):
        def open_session(self, app: Flask, request: t.Any) -> t.Any:
            opened.append(threading.current_thread().name)
            return super().open_session(app, request)

    app.session_interface = Interface()

    @app.route("/")
    async def index() -> str:
        return str(flask.session.get("x"))

    for _ in range(2):
        assert run(app.asgi_app).body == b"None"
    assert opened and all(name.startswith("flask-asgi") for name in opened)


def test_context_variables_do_not_leak_between_requests(app: Flask) -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    @app.before_request
    async def hook() -> None:
        # Set in an async hook (on the loop), seen by the sync view.
        if flask.request.args.get("set"):
            var.set("hook " + flask.request.args["set"])

    @app.route("/async")
    async def a() -> str:
        old = var.get()
        var.set("async view")
        return old

    @app.route("/sync")
    def s() -> str:
        old = var.get()
        var.set("sync view")
        return old

    asgi = ASGIApp(app, max_threads=1)  # one worker thread: reused every time

    async def main() -> list[bytes]:
        out = []
        for path in ["/async", "/sync", "/async", "/sync?set=1", "/sync", "/async"]:
            out.append((await call(asgi, path=path))[0].body)
        return out

    assert asyncio.run(main()) == [
        b"unset",
        b"unset",
        b"unset",
        b"hook 1",
        b"unset",
        b"unset",
    ]
    assert var.get() == "unset"


def test_async_views_need_no_asgiref_over_asgi(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 'async' extra (asgiref) is what WSGI needs; over ASGI async views,
    hooks and async code reached through ensure_sync work without it."""
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)

    async def helper() -> str:
        return "helped"

    @app.before_request
    async def before() -> None:
        flask.g.before = True

    @app.route("/")
    async def index() -> str:
        return f"async {flask.g.before}"

    @app.route("/sync")
    def sync() -> str:
        return flask.current_app.ensure_sync(helper)()

    assert run(app.asgi_app).body == b"async True"
    assert run(app.asgi_app, path="/sync").body == b"helped"
    app.testing = True
    with pytest.raises(RuntimeError, match=r"the 'async' extra"):
        app.test_client().get("/")


def test_stream_reading_the_request_body_while_watched(app: Flask) -> None:
    """A streamed response whose generator reads the request body as it
    goes (an echo): the disconnect watch receives for it and nothing is
    lost or dropped, even far past ``spill_size``."""

    @app.post("/echo")
    def echo() -> t.Any:
        @flask.stream_with_context
        def gen() -> t.Iterator[bytes]:
            stream = flask.request.stream
            while chunk := stream.read(1000):
                yield chunk.upper()

        return gen()

    chunks = [bytes([97 + i % 26]) * 700 for i in range(60)]  # 42,000 bytes
    asgi = ASGIApp(app, spill_size=2000)
    r = run(asgi, "POST", "/echo", chunks, [(b"content-length", b"42000")])
    assert r.status == 200
    assert r.body == b"".join(chunks).upper()


def test_watch_drops_unread_body_past_limit_and_reads_answer_413(
    app: Flask,
) -> None:
    """While a stream is sent, body bytes nobody reads are kept only up to
    the read-ahead limit; the disconnect is still seen."""
    seen: dict[str, t.Any] = {}

    @app.post("/late")
    def late() -> t.Any:
        stream = flask.request.environ["wsgi.input"]

        def gen() -> t.Iterator[bytes]:
            yield b"first "
            time.sleep(0.2)  # the watch receives meanwhile
            try:
                while stream.read(4096):
                    pass
            except Exception as e:
                seen["error"] = type(e).__name__
            yield b"done"

        return gen()

    chunks = [b"x" * 1000] * 50
    asgi = ASGIApp(app, spill_size=100, read_ahead=5000)
    r = run(asgi, "POST", "/late", chunks)
    assert r.body == b"first done"
    assert seen == {"error": "RequestEntityTooLarge"}


def test_plan_is_made_again_when_pipeline_attributes_change(app: Flask) -> None:
    """What the door decides once per app is decided again when the app's
    pipeline methods or classes are replaced on the instance."""
    from flask._plan import plan_of

    seen: list[str] = []

    @app.route("/")
    async def index() -> str:
        return "view"

    assert run(app.asgi_app).body == b"view"
    assert run(app.asgi_app).body == b"view"
    assert plan_of(app).inline and plan_of(app).splittable

    inner = app.wsgi_app

    def middleware(environ: t.Any, start_response: t.Any) -> t.Any:
        seen.append("middleware")
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    assert not plan_of(app).splittable
    assert run(app.asgi_app).body == b"view"
    assert seen == ["middleware"]
    del app.wsgi_app
    assert plan_of(app).splittable

    class Custom(flask.Request):
        pass

    app.request_class = Custom
    assert not plan_of(app).inline
    assert run(app.asgi_app).body == b"view"

    def dispatch(ctx: t.Any = None) -> str:
        seen.append("dispatch")
        return "overridden"

    app.request_class = flask.Request
    app.dispatch_request = dispatch  # type: ignore[method-assign]
    assert not plan_of(app).own_dispatch
    assert run(app.asgi_app).body == b"overridden"
    assert seen == ["middleware", "dispatch"]


@pytest.mark.parametrize("status", [999, 600, 0, 42, -1, 100, "42 Answer", "abc"])
def test_status_outside_200_599_is_an_error_before_sending(
    app: Flask, status: t.Any
) -> None:
    """An ASGI server cannot send such a status (uvicorn dropped the
    connection for 999, found by tests/differential_asgi): a ``ValueError``
    naming it is raised before anything is sent, so the server answers 500."""

    @app.route("/")
    def index() -> t.Any:
        return flask.Response("s", status=status)

    sent: list[dict[str, t.Any]] = []

    async def receive() -> dict[str, t.Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    with pytest.raises(ValueError, match="cannot be sent.* from 200 to 599"):
        asyncio.run(app.asgi_app(make_scope(), receive, send))
    assert sent == []
    for ok in (200, 299, 599):
        app.view_functions["index"] = lambda ok=ok: flask.Response("s", status=ok)
        assert run(app.asgi_app).status == ok


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("X-Value", "a\x01b", "response header"),
        ("X-Value", "\x00", "response header"),
        ("X-Value", "\x7f", "response header"),
        ("X-Value", "\u20ac", "response header"),  # not latin-1
        ("X Value", "1", "response header"),  # not a token
        ("Content-Length", "x", "response's Content-Length"),
        ("Content-Length", "-1", "response's Content-Length"),
    ],
)
def test_response_head_http_cannot_carry_is_an_error_before_sending(
    app: Flask, name: str, value: str, error: str
) -> None:
    """What gunicorn refuses with a 500 (uvicorn dropped the connection for
    most of these, or sent them; found by tests/differential_asgi)."""

    @app.route("/")
    def index() -> t.Any:
        rv = flask.Response("s")
        rv.headers.add(name, value)
        return rv

    sent: list[dict[str, t.Any]] = []

    async def receive() -> dict[str, t.Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    with pytest.raises(ValueError, match=f"The {error}.* cannot be sent"):
        asyncio.run(app.asgi_app(make_scope(), receive, send))
    assert sent == []


def test_response_header_values_without_surrounding_whitespace(app: Flask) -> None:
    """Spaces and tabs around a value are not part of it (RFC 9110, 5.5):
    left out, as gunicorn does (h11 refused to send them: uvicorn dropped
    the connection). Inside a value they stay, tabs too."""

    @app.route("/")
    def index() -> t.Any:
        return "s", {"X-A": " x ", "X-B": "\ta\tb\t", "Content-Length": " 1"}

    r = run(app.asgi_app)
    assert (r.headers["x-a"], r.headers["x-b"]) == ("x", "a\tb")
    assert r.headers["content-length"] == "1"


def test_app_freed_after_a_request_served_in_a_worker() -> None:
    """The worker thread lets go of the job (whose context refers to the
    app) before the loop learns the job is done: nothing of the request
    outlives its response in the pool."""
    import gc
    import weakref

    asgi = None

    def serve_one() -> weakref.ref[Flask]:
        nonlocal asgi
        app = Flask("freed")

        @app.route("/")
        def index() -> str:
            return "sync"

        asgi = ASGIApp(app, max_threads=1)
        assert run(asgi).body == b"sync"
        asgi.app = None  # type: ignore[assignment]
        return weakref.ref(app)

    gc.disable()
    try:
        for _ in range(20):
            ref = serve_one()
            assert ref() is None
    finally:
        gc.enable()


def test_response_header_cache_keeps_no_cookies(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoded response headers are remembered (bounded) but a cookie's
    value never is, and a bad header is refused however often it is sent."""
    from flask.asgi import _stream

    monkeypatch.setattr(_stream, "_encoded", {})
    monkeypatch.setattr(_stream, "_ENCODED_MAX", 3)

    @app.route("/")
    def index() -> t.Any:
        flask.session["n"] = 1
        return "x", {"X-A": "1", "X-B": "2", "X-C": "3"}

    for _ in range(2):
        r = run(app.asgi_app)
        assert (r.status, r.headers["x-c"]) == (200, "3")
        assert "session=" in r.headers["set-cookie"]
    assert len(_stream._encoded) == 3
    assert not [k for k in _stream._encoded if k[0].lower() == "set-cookie"]
    for _ in range(2):
        with pytest.raises(ValueError, match="cannot be sent"):
            _stream.response_headers([("X-Bad", "a\x01b")])


@pytest.mark.parametrize(
    ("version", "headers", "receives"),
    [
        ("1.1", [], False),
        ("1.0", [(b"content-length", b"0")], False),
        ("1.1", [(b"expect", b"100-continue")], True),
        ("2", [], True),
    ],
)
def test_body_is_not_awaited_when_http1_framing_says_there_is_none(
    app: Flask, version: str, headers: list[tuple[bytes, bytes]], receives: bool
) -> None:
    """An HTTP/1 request without Content-Length or Transfer-Encoding has no
    body: the app runs without asking the server for one (some servers
    answer receive() through another thread). HTTP/2 frames bodies
    otherwise, and "Expect: 100-continue" is answered by receiving."""

    @app.route("/")
    async def index() -> str:
        return repr(flask.request.get_data())

    async def main() -> tuple[Result, list[dict[str, t.Any]]]:
        scope = make_scope(http_version=version)
        scope["headers"] += headers
        received: list[dict[str, t.Any]] = []
        sent: list[dict[str, t.Any]] = []

        async def receive() -> dict[str, t.Any]:
            message = {"type": "http.request", "body": b"", "more_body": False}
            received.append(message)
            return message

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)

        await app.asgi_app(scope, receive, send)
        body = b"".join(m.get("body", b"") for m in sent[1:])
        return Result(sent[0]["status"], {}, body, sent), received

    result, received = asyncio.run(main())
    assert (result.status, result.body) == (200, b"b''")
    assert bool(received) is receives


@pytest.mark.parametrize("view", ["sync", "async", "too-large"])
def test_early_response_drains_the_body_for_a_bounded_server_queue(
    view: str,
) -> None:
    """A response sent before the request body was all received (a view
    that ignores it, a 413): a server whose queue of request messages is
    bounded and which, once the response is complete, puts the client's
    disconnect in that queue (hypercorn) can only finish sending it if the
    app receives the rest. Found by hand under hypercorn: such requests
    stayed open forever, each holding a task and a socket."""
    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20 if view == "too-large" else None

    @app.post("/sync")
    def sync_ignore() -> str:
        return "ignored"

    @app.post("/async")
    async def async_ignore() -> str:
        return "ignored"

    @app.post("/too-large")
    def too_large() -> str:
        return str(len(flask.request.get_data()))

    chunk, count = b"x" * 65536, 48  # 3 MiB: more than is read ahead
    size = str(len(chunk) * count).encode()

    async def main() -> list[dict[str, t.Any]]:
        queue: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue(maxsize=4)

        async def client() -> None:
            for i in range(count):
                await queue.put(
                    {"type": "http.request", "body": chunk, "more_body": i < count - 1}
                )

        sent: list[dict[str, t.Any]] = []

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await queue.put({"type": "http.disconnect"})

        feeder = asyncio.create_task(client())
        scope = make_scope("POST", f"/{view}")
        scope["headers"] = [(b"host", b"localhost"), (b"content-length", size)]
        await asyncio.wait_for(app.asgi_app(scope, queue.get, send), 10)
        feeder.cancel()
        return sent

    sent = asyncio.run(main())
    assert sent[0]["status"] == (413 if view == "too-large" else 200)
    assert sent[-1]["type"] == "http.response.body"
    if view != "too-large":
        assert sent[-1]["body"] == b"ignored"
