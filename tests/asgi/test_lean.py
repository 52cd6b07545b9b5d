"""The lean path (``flask.asgi._lean``) against the general one: the same
answers and side effects, with the request handed over where the lean
path must stop."""

from __future__ import annotations

import asyncio
import typing as t

import pytest
from test_adapter import call
from test_adapter import Result

import flask
from flask import Flask
from flask._plan import plan_of
from flask.asgi import _http


def make_app(events: list[str]) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k")

    @app.get("/hello")
    async def hello() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json() -> dict[str, t.Any]:
        return {"message": "Hello", "n": [1, 2]}

    @app.get("/tuple")
    async def tuple_() -> t.Any:
        return "made", 201, {"X-A": "1"}

    @app.get("/jsonify")
    async def as_jsonify() -> t.Any:
        response = flask.jsonify(message="Hello")
        response.headers["X-J"] = "1"
        return response

    @app.get("/args/<int:n>")
    async def args(n: int) -> str:
        return f"{n} {flask.request.args.get('q')}"

    @app.get("/session")
    async def session() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    @app.get("/redirect")
    async def redirect() -> t.Any:
        return flask.redirect("/hello")

    @app.route("/sync")
    def sync() -> str:
        return "sync"

    @app.get("/abort")
    async def abort() -> str:
        flask.abort(418)

    @app.get("/handled")
    async def handled() -> str:
        raise KeyError("x")

    @app.errorhandler(KeyError)
    async def on_key_error(e: KeyError) -> tuple[str, int]:
        events.append("handler")
        return "handled", 409

    @app.get("/error")
    async def error() -> str:
        raise ValueError("boom")

    @app.get("/none")
    async def none() -> None:
        return None

    @app.get("/unjsonable")
    async def unjsonable() -> dict[str, t.Any]:
        return {"x": object()}

    async def takes_nothing() -> str:
        return "never"

    # Routed with an argument the view does not take.
    app.add_url_rule("/wrong-args/<x>", "wrong_args", takes_nothing)

    @app.get("/after-this")
    async def after_this() -> str:
        @flask.after_this_request
        def add(response: flask.Response) -> flask.Response:
            events.append("after_this_request")
            response.headers["X-After"] = "1"
            return response

        return "after"

    @app.get("/stream")
    async def stream() -> t.Any:
        def gen() -> t.Iterator[str]:
            yield "a"
            yield "b"

        return gen()

    @app.get("/async-stream")
    async def async_stream() -> t.Any:
        async def gen() -> t.AsyncIterator[bytes]:
            yield b"x"
            yield b"y"

        return flask.Response(gen())

    bp = flask.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.before_request
    def before() -> None:
        events.append("before")

    @bp.get("/hooked")
    async def hooked() -> str:
        return "hooked"

    bp2 = flask.Blueprint("torn", __name__, url_prefix="/torn")

    @bp2.teardown_request
    def torn_down(exc: BaseException | None) -> None:
        events.append(f"teardown {exc!r}")

    @bp2.get("/")
    async def torn() -> str:
        return "torn"

    app.register_blueprint(bp)
    app.register_blueprint(bp2)
    return app


#: (method, path, headers, where the lean path stops: None when it sends
#: the response itself (a str or dict with no session in use, or a
#: response served directly), else the step it hands over; "respond": the
#: response is made, the general path sends it).
CASES = [
    ("GET", "/hello", [], None),
    ("GET", "/json", [], None),
    ("GET", "/tuple", [], None),
    ("GET", "/jsonify", [], None),
    ("GET", "/args/7?q=%C3%A9", [], None),
    ("GET", "/session", [(b"cookie", b"session=garbage")], None),
    ("GET", "/nowhere", [], "after push"),
    ("POST", "/hello", [], "after push"),
    ("OPTIONS", "/hello", [], "after push"),
    ("GET", "/sync", [], "after push"),
    ("GET", "/bp/hooked", [], "after push"),
    ("GET", "/hello", [(b"host", b"bad host")], "after push"),
    ("HEAD", "/hello", [], "respond"),
    ("GET", "/redirect", [], "respond"),
    ("GET", "/async-stream", [], "resume"),
    ("GET", "/abort", [], "resume"),
    ("GET", "/handled", [], "resume"),
    ("GET", "/error", [], "resume"),
    ("GET", "/wrong-args/1", [], "resume"),
    ("GET", "/after-this", [], "resume"),
    ("GET", "/stream", [], "resume"),
    ("GET", "/torn/", [], "resume"),
    ("GET", "/none", [], "resume"),
    ("GET", "/unjsonable", [], "fail"),
]


async def serve(
    app: Flask, method: str, path: str, headers: list[tuple[bytes, bytes]]
) -> Result:
    result, _ = await call(app.asgi_app, method, path, headers=headers)
    return result


def comparable(app: Flask, result: Result) -> tuple[t.Any, ...]:
    """Status, headers and body; a session cookie by what it holds (its
    signature has a timestamp)."""
    headers = dict(result.headers)
    cookie = headers.pop("set-cookie", None)
    if cookie is not None:
        value = cookie.partition(";")[0].partition("=")[2]
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookie = (serializer.loads(value), cookie.partition(";")[2])
    return result.status, headers, result.body, cookie


@pytest.mark.parametrize(("method", "path", "headers", "stop"), CASES)
def test_lean_path_answers_as_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    stop: str | None,
) -> None:
    stops: list[str | None] = []
    lean = _http.serve_lean

    async def spy(*args: t.Any) -> t.Any:
        handover = await lean(*args)
        stops.append(None if handover is None else handover.step)
        return handover

    monkeypatch.setattr(_http, "serve_lean", spy)

    async def both() -> list[tuple[t.Any, list[str]]]:
        results = []
        for use_lean in (True, False):
            events: list[str] = []
            app = make_app(events)
            app.config["PROPAGATE_EXCEPTIONS"] = False
            await serve(app, "GET", "/hello", [])  # the first request
            plan_of(app).lean = use_lean
            stops.clear()
            result = await serve(app, method, path, headers)
            results.append((comparable(app, result), events))
            assert stops == ([stop] if use_lean else [])
        return results

    (lean_result, lean_events), (general, general_events) = asyncio.run(both())
    assert lean_result == general
    assert lean_events == general_events


def test_lean_path_runs_no_worker_thread_and_keeps_no_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A plain async request is served by the lean path on the loop, in a
    context of its own: nothing it set is seen afterwards."""
    from flask.asgi._pool import WorkerPool

    app = make_app([])
    seen: list[t.Any] = []
    jobs: list[t.Any] = []
    submit = WorkerPool.submit

    def counting(self: WorkerPool, *args: t.Any, **kwargs: t.Any) -> t.Any:
        jobs.append(args)
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(WorkerPool, "submit", counting)

    @app.get("/where")
    async def where() -> str:
        seen.append(flask.globals._cv_app.get())
        return "here"

    async def go() -> None:
        await serve(app, "GET", "/hello", [])  # the first request
        jobs.clear()
        result = await serve(app, "GET", "/where", [])
        assert result.body == b"here"
        assert flask.globals._cv_app.get(None) is None
        assert jobs == []
        result = await serve(app, "GET", "/sync", [])
        assert result.body == b"sync"
        assert len(jobs) == 1

    asyncio.run(go())
    [ctx] = seen
    assert ctx.app is app
    assert not ctx._cv_tokens  # popped


class TextResponse(flask.Response):
    default_mimetype = "text/plain"


class Provider(flask.json.provider.DefaultJSONProvider):
    mimetype = "application/vnd.api+json"
    sort_keys = False


class OwnResponse(flask.json.provider.DefaultJSONProvider):
    def response(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return flask.Response("own", mimetype="text/x-own")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Hello, World!",
        "é<x>\n",
        {"b": 1, "a": [1, "é"]},
        {},
        ["list"],
        b"b",
        ("text", {"X-A": "1", "X-B": "é"}),
        ("text", {"content-TYPE": "a/b"}),
        ("text", {}),
        ("text", {"Location": "/x"}),
        ("text", {"Content-Location": "/x"}),
        ("text", {"X-N": 5}),
        ("text", {"Content-Length": "4"}),
        ("text", {b"X-B": "1"}),
        ("text", 201),
        ("text", 201, {"X-A": "1"}),
        (b"bytes", {"X-A": "1"}),
    ],
)
@pytest.mark.parametrize(
    "setup",
    ["default", "debug", "compact", "indented", "text class", "provider", "own"],
)
def test_plain_parts_give_what_make_response_gives(value: t.Any, setup: str) -> None:
    """The headers and body the lean path sends for a view's ``str`` or
    ``dict`` without a response object are those of the response."""
    from flask._responses import direct_parts
    from flask._responses import plain_parts

    app = Flask(__name__)
    if setup == "debug":
        app.debug = True
    elif setup == "compact":
        app.json.compact = True  # type: ignore[attr-defined]
    elif setup == "indented":
        app.json.compact = False  # type: ignore[attr-defined]
    elif setup == "text class":
        app.response_class = TextResponse
    elif setup == "provider":
        app.json = Provider(app)
    elif setup == "own":
        app.json = OwnResponse(app)
    with app.test_request_context():
        parts = plain_parts(app, value)
        direct = (
            type(value) is str
            or (type(value) is dict and setup != "own")
            or (
                type(value) is tuple
                and len(value) == 2
                and type(value[0]) is str
                and type(value[1]) is dict
                and all(
                    type(k) is str
                    and type(v) is str
                    and k.lower()
                    not in ("location", "content-location", "content-length")
                    for k, v in value[1].items()
                )
            )
        )
        if not direct:
            assert parts is None
            return
        slow = direct_parts(app.make_response(value), head=False)
    assert slow is not None
    assert parts == (slow[0], b"".join(slow[1]))


def test_plain_parts_leave_a_patched_json_response_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flask._responses import plain_parts
    from flask.json.provider import DefaultJSONProvider

    def response(self: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return flask.Response("patched")

    app = Flask(__name__)
    assert plain_parts(app, {"a": 1}) is not None
    monkeypatch.setattr(DefaultJSONProvider, "response", response)
    assert plain_parts(app, {"a": 1}) is None
    assert plain_parts(app, "text") is not None


@pytest.mark.parametrize("chunks", [None, [b"a", b"b"]], ids=["lean", "inline"])
def test_base_exception_while_making_the_response_pops_once(
    monkeypatch: pytest.MonkeyPatch, chunks: list[bytes] | None
) -> None:
    """A KeyboardInterrupt or SystemExit raised while the response is made
    on the loop propagates as it is, with the context popped once (a body
    that arrived in pieces takes the general inline steps)."""
    import flask.app

    app = Flask(__name__)

    @app.post("/")
    async def index() -> list[str]:
        return ["made"]

    real = flask.app._make_response

    def make_response(app_: Flask, rv: t.Any) -> t.Any:
        if rv == ["boom"]:
            raise SystemExit(3)
        return real(app_, rv)

    async def go() -> None:
        for _ in range(2):  # the first requests decide the plan
            result, _ = await call(app.asgi_app, "POST", "/", chunks=chunks)
            assert result.body == b'["made"]\n'
        monkeypatch.setattr(flask.app, "_make_response", make_response)
        app.view_functions["index"] = boom
        with pytest.raises(SystemExit):
            await call(app.asgi_app, "POST", "/", chunks=chunks)

    async def boom() -> list[str]:
        return ["boom"]

    asyncio.run(go())
