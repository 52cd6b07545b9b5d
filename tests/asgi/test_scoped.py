"""Requests the lean path serves from the scope (``flask.asgi._scoped``):
the same answers, hooks and request as the general path, with the environ
and the request built only when something asks for them."""

from __future__ import annotations

import asyncio
import io
import typing as t

import pytest
from plain_sync_views import add_after_this
from plain_sync_views import add_sync_views
from test_adapter import make_scope

import flask
from flask import Flask
from flask._plan import plan_of
from flask.asgi import _http
from flask.asgi import _scoped

#: Environ keys whose values are objects of the request's own.
_OWN = {"wsgi.input", "wsgi.errors", "asgi.scope", "werkzeug.request"}


def make_app(events: list[str]) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k")

    @app.get("/hello")
    async def hello() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json() -> dict[str, t.Any]:
        return {"message": "Hello"}

    @app.route("/environ", methods=["GET", "POST", "DELETE"])
    async def environ() -> dict[str, t.Any]:
        return describe()

    def describe() -> dict[str, t.Any]:
        req = flask.request
        return {
            "environ": sorted(
                (k, repr(v)) for k, v in req.environ.items() if k not in _OWN
            ),
            "url": req.url,
            "full_path": req.full_path,
            "args": list(req.args.items(multi=True)),
            "headers": list(req.headers.items()),
            "host": req.host,
            "remote": req.remote_addr,
            "scheme": req.scheme,
            "method": req.method,
            "rule": req.url_rule.rule if req.url_rule else None,
            "endpoint": req.endpoint,
            "view_args": req.view_args,
            "blueprint": req.blueprint,
            "external": flask.url_for("args", n=3, q="é", _external=True),
            "has_request": flask.has_request_context(),
            "context": repr(flask.globals._cv_app.get()),
            "cookies": dict(req.cookies),
            "body": req.get_data(as_text=True),
        }

    @app.get("/args/<int:n>")
    async def args(n: int) -> str:
        flask.request.view_args["n"] = -1  # type: ignore[index]
        return f"{n} {flask.request.view_args} {flask.request.args.get('q')}"

    @app.get("/session")
    async def session() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    @app.get("/tuple")
    async def tuple_() -> t.Any:
        return "made", 201, {"X-A": "1"}

    @app.get("/g")
    async def g() -> str:
        flask.g.x = "gx"
        return flask.g.x + flask.url_for("hello")

    @app.get("/after-this")
    async def after_this() -> str:
        return add_after_this(events)

    @app.get("/copy")
    async def copy() -> str:
        @flask.copy_current_request_context
        def inner() -> str:
            return f"{flask.request.path} {flask.request.endpoint}"

        return inner()

    @app.get("/error")
    async def error() -> str:
        raise ValueError("boom")

    @app.get("/abort")
    async def abort() -> str:
        flask.abort(418)

    @app.get("/redirect")
    async def redirect() -> t.Any:
        return flask.redirect(flask.url_for("hello"))

    @app.get("/slash/")
    async def slash() -> str:
        return "slash"

    @app.get("/sync")
    def sync() -> str:
        return "sync"

    # Sync views: the lean path calls them in one worker job (_lean.run_sync).
    add_sync_views(app, events, "s/")

    @app.get("/s/json")
    def s_json() -> dict[str, t.Any]:
        return {"message": "Hello", "thread": flask.request.path}

    @app.route("/s/environ", methods=["GET", "POST", "DELETE"])
    def s_environ() -> t.Any:
        return describe()

    @app.get("/s/tuple")
    def s_tuple() -> t.Any:
        return "made", 201, {"X-A": "1"}

    @app.get("/s/bytes")
    def s_bytes() -> t.Any:
        return b"raw", {"X-B": "2"}

    @app.get("/s/g")
    def s_g() -> str:
        flask.g.x = "gx"
        return flask.g.x + flask.url_for("hello", _external=True)

    @app.get("/s/async-handled")
    def s_async_handled() -> str:
        raise LookupError("looked")

    @app.get("/s/stream")
    def s_stream() -> t.Any:
        def chunks() -> t.Iterator[str]:
            yield "one "
            yield flask.request.path

        return flask.Response(flask.stream_with_context(chunks()))

    @app.get("/s/file")
    def s_file() -> t.Any:
        return flask.send_file(io.BytesIO(b"file body"), mimetype="text/plain")

    @app.get("/s/ensure")
    def s_ensure() -> str:
        async def inner() -> str:
            await asyncio.sleep(0)
            return f"awaited {flask.request.path}"

        return app.ensure_sync(inner)()  # type: ignore[no-any-return]

    bp = flask.Blueprint("torn", __name__, url_prefix="/torn")

    @bp.teardown_request
    def torn_down(exc: BaseException | None) -> None:
        events.append(f"teardown {flask.request.path} {exc!r}")

    @bp.after_request
    def after(response: flask.Response) -> flask.Response:
        events.append(f"after {flask.request.url}")
        return response

    @bp.get("/")
    async def torn() -> str:
        return "torn"

    @bp.get("/sync")
    def torn_sync() -> str:
        return "torn sync"

    app.register_blueprint(bp)

    @app.errorhandler(ValueError)
    def on_value_error(e: ValueError) -> tuple[str, int]:
        events.append(f"handler {flask.request.path}")
        return f"handled {e}", 500

    @app.errorhandler(LookupError)
    async def on_lookup_error(e: LookupError) -> tuple[str, int]:
        await asyncio.sleep(0)
        events.append(f"async handler {flask.request.path}")
        return f"handled {e}", 409

    return app


async def serve(app: Flask, scope: dict[str, t.Any], body: bytes = b"") -> t.Any:
    sent: list[dict[str, t.Any]] = []
    inbox = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, t.Any]:
        if inbox:
            return inbox.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    await app.asgi_app(scope, receive, send)
    start = sent[0]
    return (
        start["status"],
        sorted((k.decode(), v.decode()) for k, v in start["headers"]),
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


def scope_for(
    method: str, path: str, headers: t.Any = None, **kw: t.Any
) -> dict[str, t.Any]:
    scope = make_scope(method, path, **kw)
    if headers is not None:
        scope["headers"] = headers
    return scope


HOST = [(b"host", b"localhost")]

#: (method, path, headers (None: Host only), scope changes, body, whether
#: the scope is enough for the lean path).
CASES: list[tuple[str, str, t.Any, dict[str, t.Any], bytes, bool]] = [
    ("GET", "/hello", None, {}, b"", True),
    ("GET", "/json", None, {}, b"", True),
    ("GET", "/environ?a=1&a=%C3%A9&b=%FF", None, {}, b"", True),
    ("GET", "/environ", [(b"host", b"Example.COM:8080")], {}, b"", True),
    ("GET", "/environ", [], {}, b"", True),
    ("GET", "/environ", [(b"host", b"h"), (b"x", b"1"), (b"x", b"2")], {}, b"", True),
    ("GET", "/environ", [(b"Host", b"h"), (b"X_Dropped", b"1")], {}, b"", True),
    ("GET", "/environ", HOST + [(b"cookie", b"a=b"), (b"cookie", b"c")], {}, b"", True),
    ("GET", "/environ", HOST + [(b"content-length", b"0")], {}, b"", True),
    ("DELETE", "/environ", None, {}, b"", True),
    ("GET", "/environ", None, {"scheme": "https", "server": ("h", 443)}, b"", True),
    ("GET", "/environ", None, {"server": ("h", None), "client": None}, b"", True),
    ("GET", "/environ", None, {"raw_path": None}, b"", True),
    ("GET", "/environ", None, {"http_version": "1.0"}, b"", True),
    ("GET", "//environ", None, {}, b"", True),
    ("GET", "/args/7?q=x", None, {}, b"", True),
    ("GET", "/session", None, {}, b"", True),
    ("GET", "/session", HOST + [(b"cookie", b"session=garbage")], {}, b"", True),
    ("GET", "/tuple", None, {}, b"", True),
    ("GET", "/g", None, {}, b"", True),
    ("GET", "/after-this", None, {}, b"", True),
    ("GET", "/copy", None, {}, b"", True),
    ("GET", "/error", None, {}, b"", True),
    ("GET", "/abort", None, {}, b"", True),
    ("GET", "/redirect", None, {}, b"", True),
    ("GET", "/torn/", None, {}, b"", True),
    ("GET", "/sync", None, {}, b"", True),
    ("GET", "/s/json", None, {}, b"", True),
    ("GET", "/s/environ?a=1&a=%C3%A9&b=%FF", None, {}, b"", True),
    ("GET", "/s/environ", HOST + [(b"cookie", b"a=b")], {}, b"", True),
    ("DELETE", "/s/environ", None, {"scheme": "https"}, b"", True),
    ("GET", "/s/args/7?q=x", None, {}, b"", True),
    ("GET", "/s/session", None, {}, b"", True),
    ("GET", "/s/session", HOST + [(b"cookie", b"session=garbage")], {}, b"", True),
    ("GET", "/s/tuple", None, {}, b"", True),
    ("GET", "/s/bytes", None, {}, b"", True),
    ("GET", "/s/g", None, {}, b"", True),
    ("GET", "/s/after-this", None, {}, b"", True),
    ("GET", "/s/error", None, {}, b"", True),
    ("GET", "/s/async-handled", None, {}, b"", True),
    ("GET", "/s/abort", None, {}, b"", True),
    ("GET", "/s/none", None, {}, b"", True),
    ("GET", "/s/redirect", None, {}, b"", True),
    ("GET", "/s/stream", None, {}, b"", True),
    ("GET", "/s/file", None, {}, b"", True),
    ("GET", "/s/ensure", None, {}, b"", True),
    # What the scope cannot tell: the general path.
    ("GET", "/slash", None, {}, b"", False),  # a redirect: not remembered
    ("GET", "/torn/sync", None, {}, b"", False),  # a sync view with hooks
    ("HEAD", "/sync", None, {}, b"", False),
    ("POST", "/s/environ", HOST + [(b"content-length", b"3")], {}, b"a=b", False),
    ("GET", "/nowhere", None, {}, b"", False),
    ("HEAD", "/hello", None, {}, b"", False),
    ("OPTIONS", "/hello", None, {}, b"", False),
    ("POST", "/hello", None, {}, b"", False),
    ("get", "/hello", None, {}, b"", False),
    ("POST", "/environ", HOST + [(b"content-length", b"3")], {}, b"a=b", False),
    ("POST", "/environ", HOST + [(b"transfer-encoding", b"chunked")], {}, b"x", False),
    ("GET", "/environ", HOST + [(b"expect", b"100-continue")], {}, b"", False),
    ("GET", "/environ", HOST + [(b"upgrade", b"h2c")], {}, b"", False),
    ("GET", "/environ", HOST + [(b"host", b"other")], {}, b"", False),
    ("GET", "/environ", [(b"host", b"bad host")], {}, b"", False),
    ("GET", "/environ", [(b"host", "é.example".encode())], {}, b"", False),
    ("GET", "/environ", [(bytearray(b"host"), b"h")], {}, b"", False),
    ("GET", "/environ", None, {"http_version": "2"}, b"", False),
    ("GET", "/app/environ", None, {"root_path": "/app"}, b"", False),
    ("GET", "/environ", None, {"raw_path": b"/%65nviron"}, b"", False),
    ("GET", "/environ", None, {"raw_path": b"/environ#f"}, b"", False),
    ("GET", "/environ", None, {"raw_path": b"http://h/environ"}, b"", False),
    ("GET", "/environ", None, {"server": None}, b"", False),
]


Request = tuple[str, str, t.Any, dict[str, t.Any], bytes]


async def serve_all(app: Flask, requests: list[Request], events: list[str]) -> t.Any:
    """Serve each of ``requests`` once ahead (after a GET of its path: a
    bad Host matches nothing), so that its route is remembered, then again
    for the answers."""
    for method, path, headers, changes, body in requests:
        await serve(app, scope_for("GET", path.partition("?")[0]))
        await serve(app, scope_for(method, path, headers, **changes), body)
    events.clear()
    return [
        await serve(app, scope_for(method, path, headers, **changes), body)
        for method, path, headers, changes, body in requests
    ]


def run_both(
    monkeypatch: pytest.MonkeyPatch,
    requests: list[Request],
    setup: t.Callable[[Flask], None] = lambda app: None,
) -> list[tuple[t.Any, list[str], list[bool]]]:
    """Serve ``requests`` (see :func:`serve_all`) with the scope path on
    and off: the answers, the events and, per request answered, whether
    the scope path took it."""
    real = _http.scoped_context
    results = []
    for use in (True, False):
        taken: list[bool] = []

        def spy(
            app: Flask,
            scope: t.Any,
            *plan: t.Any,
            use: bool = use,
            taken: t.Any = taken,
        ) -> t.Any:
            found = real(app, scope, *plan) if use else None
            taken.append(found is not None)
            return found

        monkeypatch.setattr(_http, "scoped_context", spy)
        events: list[str] = []
        app = make_app(events)
        app.config["PROPAGATE_EXCEPTIONS"] = False
        setup(app)
        answers = asyncio.run(serve_all(app, requests, events))
        # The last ones are the requests answered.
        results.append((answers, list(events), taken[len(taken) - len(requests) :]))
    return results


@pytest.mark.parametrize(
    ("method", "path", "headers", "changes", "body", "scoped"),
    CASES,
    ids=[f"{c[0]} {c[1]} {i}" for i, c in enumerate(CASES)],
)
def test_scope_path_answers_as_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    headers: t.Any,
    changes: dict[str, t.Any],
    body: bytes,
    scoped: bool,
) -> None:
    (on, on_events, on_taken), (off, off_events, _) = run_both(
        monkeypatch, [(method, path, headers, changes, body)]
    )
    if path.endswith("/session"):
        # The cookie's signature has a timestamp: compare what it holds.
        on, off = _sessions(on), _sessions(off)
    # (send_file's Date header is the time of each run.)
    assert _undated(on) == _undated(off)
    assert on_events == off_events
    assert on_taken == [scoped]


def _undated(answers: list[t.Any]) -> list[t.Any]:
    """``answers`` with any ``Date`` header's value left out."""
    return [
        (status, [(k, "" if k == "date" else v) for k, v in headers], body)
        for status, headers, body in answers
    ]


def _sessions(answers: list[t.Any]) -> list[t.Any]:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "k"
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    out = []
    for status, headers, body in answers:
        kept = []
        for name, value in headers:
            if name == "set-cookie":
                cookie, _, attrs = value.partition(";")
                value = f"{serializer.loads(cookie.partition('=')[2])};{attrs}"
            kept.append((name, value))
        out.append((status, kept, body))
    return out


@pytest.mark.parametrize(
    "setup",
    [
        lambda app: app.config.update(SERVER_NAME="localhost"),
        lambda app: app.config.update(TRUSTED_HOSTS=["localhost"]),
        lambda app: setattr(app, "subdomain_matching", True),
        lambda app: setattr(app.url_map, "host_matching", True),
        lambda app: app.teardown_appcontext(lambda exc: None),
        lambda app: app.before_request(lambda: None),
    ],
    ids=["SERVER_NAME", "TRUSTED_HOSTS", "subdomains", "hosts", "teardown", "before"],
)
def test_app_setups_the_scope_path_leaves_alone(
    monkeypatch: pytest.MonkeyPatch, setup: t.Callable[[Flask], None]
) -> None:
    requests = [("GET", "/environ", None, {}, b""), ("GET", "/hello", None, {}, b"")]
    (on, on_events, on_taken), (off, off_events, _) = run_both(
        monkeypatch, requests, setup
    )
    assert on == off
    assert on_events == off_events
    assert not any(on_taken)


def test_the_request_is_built_only_when_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A view that never reads the request costs no environ and no request;
    one that does gets them once, and the cycle between them is broken
    when the request is answered."""
    from flask.wrappers import Request

    built: list[dict[str, t.Any]] = []
    init = Request.__init__

    def counting(self: Request, environ: t.Any, *args: t.Any, **kw: t.Any) -> None:
        built.append(environ)
        init(self, environ, *args, **kw)

    monkeypatch.setattr(Request, "__init__", counting)
    environs: list[int] = []
    real = _http.environ_from_scope
    monkeypatch.setattr(
        _http, "environ_from_scope", lambda *a: environs.append(1) or real(*a)
    )
    app = make_app([])

    async def go() -> None:
        for path in ("/hello", "/json", "/environ", "/args/1"):
            await serve(app, scope_for("GET", path))  # remembered
        built.clear()
        environs.clear()
        assert (await serve(app, scope_for("GET", "/hello")))[2] == b"Hello, World!"
        assert await serve(app, scope_for("GET", "/json"))
        assert built == [] and environs == []
        status, _, body = await serve(app, scope_for("GET", "/environ"))
        assert status == 200 and b'"has_request":true' in body
        assert environs == []
        [environ] = built
        assert "werkzeug.request" not in environ
        assert environ["wsgi.input"].closed
        built.clear()
        # The arguments the view gets are those the request shows.
        assert (await serve(app, scope_for("GET", "/args/1")))[2] == (
            b"1 {'n': -1} None"
        )
        assert len(built) == 1

    asyncio.run(go())


def test_a_scope_context_outside_the_lean_path() -> None:
    """What a scope context shows before its request is built: it has a
    request, its repr is an app context's, and a copy is an ordinary
    context with the same request."""
    from flask.ctx import AppContext

    app = make_app([])

    async def go() -> None:
        await serve(app, scope_for("GET", "/args/5?q=1"))
        opened = _scoped.scoped_context(
            app, scope_for("GET", "/args/5?q=1"), plan_of(app)
        )
        assert opened is not None
        ctx, view, args, after, bare, sync = opened
        assert (args, after, bare, sync) == ({"n": 5}, True, True, False)
        assert view is app.view_functions["args"]
        assert ctx.has_request and ctx._source is not None
        with ctx:
            assert flask.request.view_args == {"n": 5}
            assert flask.url_for("args", n=2) == "/args/2"
            copied = ctx.copy()
            assert isinstance(copied, AppContext) and copied._source is None
            assert copied._request is ctx._request
            assert copied.url_adapter is not None
        expected = "<AppContext 'http://localhost/args/5?q=1' [GET] of test_scoped>"
        assert repr(ctx) == expected
        ctx.release()

    asyncio.run(go())


def test_a_scope_context_has_what_an_app_context_has() -> None:
    """``scoped_context`` sets an app context's attributes itself: all of
    them, the request, the URL adapter and ``g`` being made on first use."""
    from flask.ctx import AppContext

    app = make_app([])

    async def go() -> None:
        await serve(app, scope_for("GET", "/hello"))
        await serve(app, scope_for("GET", "/hello"))
        opened = _scoped.scoped_context(app, scope_for("GET", "/hello"), plan_of(app))
        assert opened is not None
        ctx = opened[0]
        eager = AppContext(app)
        made_on_use = {"_request", "url_adapter", "g"}
        assert set(vars(eager)) - made_on_use <= set(vars(ctx))
        assert "g" not in vars(ctx)
        for name, value in vars(eager).items():
            if name not in ("_request", "url_adapter", "g", "app"):
                assert getattr(ctx, name) == value, name
        assert type(ctx.g) is type(eager.g) and ctx.app is app
        assert vars(ctx)["g"] is ctx.g
        assert ctx.url_adapter is not None and ctx._request is not None

    asyncio.run(go())


def test_receivers_for_another_app_leave_the_scope_path_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A receiver of a signal the steps send, connected for another app,
    is never called for this one: the scope path (and the lean path) stay
    on, with the same answers. One connected for this app turns them off."""
    from flask import signals

    other = Flask("other")
    seen: list[t.Any] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        seen.append(sender)

    names = (
        "appcontext_pushed",
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    )
    requests: list[Request] = [
        ("GET", "/hello", None, {}, b""),
        ("GET", "/sync", None, {}, b""),
        ("GET", "/s/json", None, {}, b""),
    ]
    try:
        for name in names:
            getattr(signals, name).connect(receiver, sender=other)
        (on, on_events, on_taken), (off, off_events, _) = run_both(
            monkeypatch, requests
        )
        assert on == off
        assert on_events == off_events
        assert on_taken == [True, True, True]
        assert seen == []

        def connect(app: Flask) -> None:
            signals.request_finished.connect(receiver, sender=app)

        (on, _, on_taken), (off, _, _) = run_both(monkeypatch, requests, connect)
        assert on == off
        assert on_taken == []  # not even asked
        # Called for each request served (3 each, twice), never for "other".
        assert len(seen) == 2 * 3 * len(requests)
        assert other not in seen
    finally:
        for name in names:
            getattr(signals, name).disconnect(receiver)
