"""WSGI requests served with a context whose request is built on first use
(``flask._lazy_context``), and with the view called by ``wsgi_app`` itself:
the same answers, hooks, signals and request as the ordinary path."""

from __future__ import annotations

import collections
import typing as t

import pytest
from plain_sync_views import add_sync_views
from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

import flask
from flask import _lazy_context
from flask import app as app_module
from flask import Flask
from flask.ctx import AppContext

_OWN = {"wsgi.input", "wsgi.errors", "werkzeug.request"}


@pytest.fixture(autouse=True)
def _no_stray_receivers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Receivers other tests in this process left connected to Flask's
    signals (a docs example connects some with ``weak=False``) send
    requests down the general path; each test here starts without them."""
    import blinker

    for signal in vars(flask.signals).values():
        if isinstance(signal, blinker.Signal):
            monkeypatch.setattr(signal, "receivers", {})
            monkeypatch.setattr(signal, "_by_sender", collections.defaultdict(set))
            monkeypatch.setattr(signal, "_by_receiver", collections.defaultdict(set))
            monkeypatch.setattr(signal, "_weak_senders", {})


def make_app(events: list[str]) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k")

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.get("/json")
    def json() -> t.Any:
        return flask.jsonify(message="Hello")

    @app.get("/jsonify-args")
    def jsonify_args() -> t.Any:
        return flask.jsonify(1, 2)

    @app.get("/dict")
    def dict_() -> dict[str, t.Any]:
        return {"b": 1, "a": ["é"]}

    @app.get("/text-headers")
    def text_headers() -> t.Any:
        return "made", {"X-A": "1", "content-type": "text/csv"}

    @app.get("/text-location")
    def text_location() -> t.Any:
        return "moved", {"Location": "/elsewhere"}

    @app.get("/text-bad-header")
    def text_bad_header() -> t.Any:
        return "bad", {"X-Bad": "a\nb"}

    @app.get("/text-number-header")
    def text_number_header() -> t.Any:
        return "n", {"X-N": 5, "X-L": ["a", "b"]}

    @app.get("/text-length")
    def text_length() -> t.Any:
        return "length", {"Content-Length": "6"}

    @app.get("/status")
    def status() -> t.Any:
        return "made", 201, {"X-A": "1"}

    @app.get("/response")
    def response() -> flask.Response:
        rv = flask.Response("resp", status=202, headers={"X-R": "1"})
        rv.set_cookie("c", "v")
        return rv

    @app.route("/environ", methods=["GET", "POST", "DELETE"])
    def environ() -> dict[str, t.Any]:
        req = flask.request
        return {
            "environ": sorted(
                (k, repr(v)) for k, v in req.environ.items() if k not in _OWN
            ),
            "url": req.url,
            "args": list(req.args.items(multi=True)),
            "host": req.host,
            "method": req.method,
            "rule": req.url_rule.rule if req.url_rule else None,
            "endpoint": req.endpoint,
            "view_args": req.view_args,
            "external": flask.url_for("args", n=3, q="é", _external=True),
            "context": repr(flask.globals._cv_app.get()),
            "cookies": dict(req.cookies),
            "body": req.get_data(as_text=True),
            "form": dict(req.form),
        }

    add_sync_views(app, events)

    @app.get("/g")
    def g() -> str:
        flask.g.x = "gx"
        return flask.g.x + flask.url_for("hello")

    @app.get("/copy")
    def copy() -> str:
        @flask.copy_current_request_context
        def inner() -> str:
            return f"{flask.request.path} {flask.request.endpoint}"

        return inner()

    @app.get("/http-exception")
    def http_exception() -> t.Any:
        from werkzeug.exceptions import Gone

        return Gone()

    @app.get("/slash/")
    def slash() -> str:
        return "slash"

    @app.get("/async")
    async def async_() -> str:
        return "async"

    @app.get("/stream")
    def stream() -> t.Any:
        return flask.stream_with_context(iter(["a", flask.request.path]))

    bp = flask.Blueprint("torn", __name__, url_prefix="/torn")

    @bp.teardown_request
    def torn_down(exc: BaseException | None) -> None:
        events.append(f"teardown {flask.request.path} {exc!r}")

    @bp.after_request
    def after(response: flask.Response) -> flask.Response:
        events.append(f"after {flask.request.url}")
        return response

    @bp.get("/")
    def torn() -> str:
        return "torn"

    app.register_blueprint(bp)

    @app.errorhandler(ValueError)
    def on_value_error(e: ValueError) -> tuple[str, int]:
        events.append(f"handler {flask.request.path}")
        return f"handled {e}", 500

    return app


def serve(app: Flask, method: str, path: str, **kw: t.Any) -> t.Any:
    builder = EnvironBuilder(path=path, method=method, **kw)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    # werkzeug runs the app as a server would (body joined, iterable closed).
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    return status, headers.to_wsgi_list(), b"".join(app_iter)


#: (method, path, builder arguments, whether the lazy context is used, whether
#: wsgi_app calls the view itself).
CASES: list[tuple[str, str, dict[str, t.Any], bool, bool]] = [
    ("GET", "/hello", {}, True, True),
    ("GET", "/json", {}, True, True),
    ("GET", "/jsonify-args", {}, True, True),
    ("GET", "/dict", {}, True, True),
    ("GET", "/text-headers", {}, True, True),
    ("GET", "/text-location", {}, True, True),
    ("GET", "/text-bad-header", {}, True, True),
    ("GET", "/text-number-header", {}, True, True),
    ("GET", "/text-length", {}, True, True),
    ("GET", "/status", {}, True, True),
    ("GET", "/response", {}, True, True),
    ("GET", "/environ?a=1&a=%C3%A9&b=%FF", {}, True, True),
    ("GET", "/environ", {"headers": {"Host": "Example.COM:8080"}}, True, True),
    ("GET", "/environ", {"headers": {"Cookie": "a=b; c"}}, True, True),
    ("POST", "/environ", {"data": {"f": "v"}}, True, True),
    ("DELETE", "/environ", {}, True, True),
    ("GET", "/environ", {"base_url": "https://h:443/"}, True, True),
    ("GET", "/environ", {"base_url": "http://h/app/"}, True, True),
    ("GET", "/args/7?q=x", {}, True, True),
    ("GET", "/session", {}, True, True),
    ("GET", "/session", {"headers": {"Cookie": "session=garbage"}}, True, True),
    ("GET", "/g", {}, True, True),
    ("GET", "/after-this", {}, True, True),
    ("GET", "/copy", {}, True, True),
    ("GET", "/error", {}, True, True),
    ("GET", "/abort", {}, True, True),
    ("GET", "/redirect", {}, True, True),
    ("GET", "/http-exception", {}, True, True),
    ("GET", "/stream", {}, True, True),
    ("HEAD", "/hello", {}, True, True),
    ("HEAD", "/json", {}, True, True),
    ("GET", "/torn/", {}, True, False),  # hooks: dispatched as usual
    ("GET", "/async", {}, True, False),  # not a sync view
    ("OPTIONS", "/hello", {}, True, False),
    # What the lazy context is not for: an ordinary context.
    ("GET", "/slash", {}, False, False),  # a redirect: not remembered
    ("GET", "/nowhere", {}, False, False),
    ("POST", "/hello", {}, False, False),  # 405
    ("GET", "/environ", {"headers": {"Host": "bad host"}}, False, False),
    ("GET", "/environ", {"headers": {"Upgrade": "h2c"}}, False, False),
]


def run_both(
    monkeypatch: pytest.MonkeyPatch,
    cases: list[tuple[str, str, dict[str, t.Any], bool, bool]],
    setup: t.Callable[[Flask], None] = lambda app: None,
) -> list[tuple[list[t.Any], list[str], list[tuple[bool, bool]]]]:
    """Serve ``cases`` twice each (the first remembers the route) with the
    lazy context on and off: the second answers, the events, and per
    answer whether the lazy context (and the direct call) was used."""
    import itsdangerous

    # Signed cookies made in another second would differ.
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: 0)
    real = app_module._environ_context
    results = []
    for use in (True, False):
        taken: list[tuple[bool, bool]] = []

        def spy(
            app: Flask, environ: t.Any, use: bool = use, taken: t.Any = taken
        ) -> t.Any:
            found = real(app, environ) if use else None
            taken.append(
                (found is not None, found is not None and found[1] is not None)
            )
            return found

        monkeypatch.setattr(app_module, "_environ_context", spy)
        events: list[str] = []
        app = make_app(events)
        setup(app)
        answers = []
        for method, path, kw, _lazy, _direct in cases:
            serve(app, method, path, **kw)
            events.clear()
            del taken[:]
            answers.append(serve(app, method, path, **kw))
            answers.append(list(events))
            answers.append(taken[0])
        results.append((answers[0::3], answers[1::3], answers[2::3]))
    return results


def test_the_lazy_path_answers_as_the_ordinary_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (lazy, lazy_events, taken), (plain, plain_events, not_taken) = run_both(
        monkeypatch, CASES
    )
    for case, a, b in zip(CASES, lazy, plain, strict=True):
        assert a == b, case
    assert lazy_events == plain_events
    assert taken == [(lazy, direct) for _m, _p, _k, lazy, direct in CASES]
    assert not any(lazy for lazy, _ in not_taken)
    # Hooks and handlers ran as usual.
    assert ["handler /error"] in lazy_events
    assert ["after_this_request /after-this"] in lazy_events


@pytest.mark.parametrize("lazy", [True, False])
def test_receivers_added_later_are_seen(
    monkeypatch: pytest.MonkeyPatch, lazy: bool
) -> None:
    """Receivers connected once routes are remembered: the request is
    dispatched as usual, with the same signals in the same order."""
    if not lazy:
        monkeypatch.setattr(app_module, "_environ_context", lambda a, e: None)
    app = make_app([])
    for path in ("/hello", "/error", "/hello", "/error"):
        serve(app, "GET", path)
    order: list[str] = []

    def started(sender: Flask, **kw: t.Any) -> None:
        order.append(f"started {flask.request.path}")

    def finished(sender: Flask, response: flask.Response, **kw: t.Any) -> None:
        order.append(f"finished {response.status_code}")

    def pushed(sender: Flask, **kw: t.Any) -> None:
        order.append(f"pushed {flask.request.endpoint}")

    def torn(sender: Flask, exc: t.Any = None, **kw: t.Any) -> None:
        order.append(f"torn {exc!r}")

    with (
        flask.request_started.connected_to(started),
        flask.request_finished.connected_to(finished),
        flask.appcontext_pushed.connected_to(pushed),
        flask.request_tearing_down.connected_to(torn),
    ):
        answers = [serve(app, "GET", path)[0] for path in ("/hello", "/error")]
    assert answers == ["200 OK", "500 INTERNAL SERVER ERROR"]
    # The request is not matched yet when the context is pushed.
    assert order == [
        "pushed None",
        "started /hello",
        "finished 200",
        "torn None",
        "pushed None",
        "started /error",
        "finished 500",
        "torn None",
    ]


def test_receivers_for_another_app_leave_the_lazy_path_on() -> None:
    app, other = make_app([]), Flask("other")
    serve(app, "GET", "/hello")
    environ = EnvironBuilder(path="/hello").get_environ()

    def pushed(sender: Flask, **kw: t.Any) -> None:
        raise AssertionError("not for this app")

    with flask.appcontext_pushed.connected_to(pushed, other):
        assert _lazy_context.environ_context(app, environ) is not None
        with flask.appcontext_pushed.connected_to(pushed, app):
            assert _lazy_context.environ_context(app, environ) is None


def test_the_request_is_built_only_when_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    real = _lazy_context.EnvironContext._environ

    def spy(self: t.Any) -> dict[str, t.Any]:
        environ = real(self)
        built.append(environ["PATH_INFO"])
        return environ

    monkeypatch.setattr(_lazy_context.EnvironContext, "_environ", spy)
    app = make_app([])
    for path in ("/hello", "/json", "/dict", "/text-headers", "/environ", "/error"):
        serve(app, "GET", path)
        built.clear()
        serve(app, "GET", path)
        expected = [path] if path in ("/environ", "/error") else []
        assert built == expected, path
    # A cookie: the session is checked for a refresh, from the request.
    built.clear()
    serve(app, "GET", "/hello", headers={"Cookie": "a=b"})
    assert built == ["/hello"]


def test_a_lazy_context_before_its_request_is_built() -> None:
    app = make_app([])
    serve(app, "GET", "/args/5?q=1")
    builder = EnvironBuilder(path="/args/5", query_string="q=1")
    environ = builder.get_environ()
    found = _lazy_context.environ_context(app, environ)
    assert found is not None
    ctx, view, args, bare = found
    assert (view, args, bare) == (app.view_functions["args"], {"n": 5}, True)
    assert ctx.has_request and ctx._source is environ
    assert (
        repr(ctx)
        == "<AppContext 'http://localhost/args/5?q=1' [GET] of test_lazy_context>"
    )
    with ctx:
        assert flask.request.view_args == {"n": 5}
        assert flask.request.url_rule is not None
        assert flask.url_for("args", n=2) == "/args/2"
        copied = ctx.copy()
        assert isinstance(copied, AppContext) and copied._source is None
        assert copied._request is ctx._request
        assert copied.url_adapter is not None
    assert ctx._source is None


def test_a_lazy_context_has_what_an_app_context_has() -> None:
    """``lazy_context`` sets an app context's attributes itself: all of
    them (a change to ``AppContext.__init__`` must be made there too), but
    Flask's own ``g``, made when first read."""
    app = make_app([])
    serve(app, "GET", "/hello")
    environ = EnvironBuilder(path="/hello").get_environ()
    found = _lazy_context.environ_context(app, environ)
    assert found is not None
    lazy = found[0]
    with app.test_request_context("/hello") as plain:
        lazy_attrs = set(vars(lazy)) - {"_source", "_rule", "_args"}
        plain_attrs = set(vars(plain)) - {"_request", "url_adapter"}
        assert lazy_attrs == plain_attrs - {"g"}
        assert type(lazy.g) is type(plain.g)
        assert vars(lazy)["g"] is lazy.g


def test_changes_after_the_first_requests_are_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([])
    client = app.test_client()
    assert client.get("/hello").text == "Hello, World!"
    assert client.get("/hello").text == "Hello, World!"
    # A view replaced in the table.
    app.view_functions["hello"] = lambda: "replaced"
    assert client.get("/hello").text == "replaced"
    # dispatch_request patched on the class, and make_response.
    real = Flask.dispatch_request

    def dispatch(self: Flask, ctx: t.Any = None) -> t.Any:
        return "patched " + real(self, ctx)

    monkeypatch.setattr(Flask, "dispatch_request", dispatch)
    assert client.get("/hello").text == "patched replaced"
    monkeypatch.undo()
    real_make = Flask.make_response

    def make(self: Flask, rv: t.Any) -> t.Any:
        response = real_make(self, rv)
        response.headers["X-Made"] = "1"
        return response

    monkeypatch.setattr(Flask, "make_response", make)
    assert client.get("/response").headers["X-Made"] == "1"
    monkeypatch.undo()
    # A setting that changes how the host is checked.
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    assert client.get("/hello").status_code == 400
    app.config["TRUSTED_HOSTS"] = None
    assert client.get("/hello").status_code == 200
    # A rule added later: the remembered matches start afresh.
    assert client.get("/args/7").text == "7 {'n': -1} None"
    assert client.get("/args/7").text == "7 {'n': -1} None"
    app.url_map.add(Rule("/args/7", endpoint="hello"))
    assert client.get("/args/7").text == "replaced"


def test_a_preserved_context_gives_the_request_afterwards() -> None:
    app = make_app([])
    client = app.test_client()
    client.get("/hello?x=1")
    with client:
        assert client.get("/hello?x=2").text == "Hello, World!"
        assert flask.request.args["x"] == "2"
        assert flask.request.endpoint == "hello"
        assert flask.session.get("n") is None


def test_the_session_can_be_inspected_after_the_response() -> None:
    """3.2 code reads ``ctx._session`` after a request: there, even if the
    view never used it."""
    app = make_app([])
    seen: list[t.Any] = []

    @app.teardown_appcontext
    def look(exc: BaseException | None) -> None:
        seen.append(flask.globals._cv_app.get()._session)

    client = app.test_client()
    client.get("/hello")
    client.get("/hello")
    assert seen[-1] is not None and not seen[-1].modified


def test_an_overridden_context_factory_takes_the_ordinary_path() -> None:
    made: list[str] = []

    class MyFlask(Flask):
        def request_context(self, environ: t.Any) -> AppContext:
            made.append(environ["PATH_INFO"])
            return super().request_context(environ)

    app = MyFlask(__name__)
    app.get("/")(lambda: "x")
    client = app.test_client()
    client.get("/")
    client.get("/")
    assert made == ["/", "/"]


def _spy_on_decisions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``environ_context`` takes a decision for, from now on."""
    decided: list[str] = []
    real = _lazy_context._decide

    def spy(app: Flask, environ: t.Any, plan: t.Any) -> t.Any:
        decided.append(environ["PATH_INFO"])
        return real(app, environ, plan)

    monkeypatch.setattr(_lazy_context, "_decide", spy)
    return decided


def test_a_decision_is_taken_once_per_request_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What environ_context decides from the request line and host is kept
    (flask._lines): decided again only for another line or host, or once
    what it depended on changed."""
    from flask import _lines

    decided = _spy_on_decisions(monkeypatch)
    app = make_app([])
    serve(app, "GET", "/json")  # (the app's first request: the ordinary way)
    decided.clear()
    answers = [serve(app, "GET", p) for p in ("/args/7", "/hello") * 4]
    # Matched the ordinary way (then remembered), decided, then kept.
    assert decided == ["/args/7", "/hello"] * 2
    assert answers[2:] == answers[:2] * 3
    assert answers[0][2] == b"7 {'n': -1} None"
    decided.clear()
    serve(app, "GET", "/hello", headers={"Host": "example.com"})
    serve(app, "HEAD", "/hello")
    serve(app, "GET", "/hello", base_url="https://localhost/")
    assert decided == ["/hello"] * 3
    # A view replaced: decided again, then kept.
    decided.clear()
    app.view_functions["hello"] = lambda: "replaced"
    assert [serve(app, "GET", "/hello")[2] for _ in range(2)] == [b"replaced"] * 2
    assert decided == ["/hello"]
    # Another map of the same generation (each counted from its first use):
    # its own match, not the one kept.
    from werkzeug.routing import Map

    other = Map([Rule("/hello", endpoint="json")])
    assert flask._urls.generation(other) == flask._urls.generation(app.url_map)
    json_body = serve(app, "GET", "/json")[2]
    kept_map = app.url_map
    app.url_map = other
    assert [serve(app, "GET", "/hello")[2] for _ in range(3)] == [json_body] * 3
    app.url_map = kept_map
    # At most MAX_LINES lines are kept.
    monkeypatch.setattr(_lines, "MAX_LINES", 2)
    for n in range(5):
        for _ in range(2):
            assert (
                serve(app, "GET", f"/args/{n}")[2] == f"{n} {{'n': -1}} None".encode()
            )
    assert 0 < len(app._dispatch_cache[_lazy_context._DOOR]) <= 2


def test_an_environ_without_host_values_takes_the_lazy_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An environ without ``HTTP_HOST``, ``SERVER_NAME`` or ``SERVER_PORT``
    (kept under a key of its own) is answered on the lazy path as on the
    ordinary one, and decided once."""
    decided = _spy_on_decisions(monkeypatch)
    app = make_app([])
    real_context = app_module._environ_context
    ordinary = [False]
    monkeypatch.setattr(
        app_module,
        "_environ_context",
        lambda app, environ: None if ordinary[0] else real_context(app, environ),
    )

    def answer(*missing: str) -> tuple[t.Any, ...]:
        environ = EnvironBuilder(path="/environ").get_environ()
        for key in missing:
            del environ[key]
        app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
        return status, headers.to_wsgi_list(), b"".join(app_iter)

    answer()  # the first request and the match: the ordinary way
    for missing in [("HTTP_HOST",), ("SERVER_PORT",), ("HTTP_HOST", "SERVER_NAME")]:
        decided.clear()
        lazy = [answer(*missing) for _ in range(3)]
        assert decided == ["/environ"]  # then kept for that shape
        ordinary[0] = True
        assert lazy == [answer(*missing)] * 3, missing
        ordinary[0] = False


def test_context_methods_patched_on_the_class_later_are_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([])
    client = app.test_client()
    assert [client.get("/hello").text for _ in range(2)] == ["Hello, World!"] * 2
    made: list[str] = []
    real_context = Flask.request_context

    def request_context(self: Flask, environ: t.Any) -> AppContext:
        made.append("context")
        return real_context(self, environ)

    monkeypatch.setattr(Flask, "request_context", request_context)
    assert client.get("/hello").text == "Hello, World!"
    assert made == ["context"]
    monkeypatch.undo()
    real_adapter = Flask.create_url_adapter

    def create_url_adapter(self: Flask, request: t.Any) -> t.Any:
        made.append("adapter")
        return real_adapter(self, request)

    monkeypatch.setattr(Flask, "create_url_adapter", create_url_adapter)
    assert client.get("/hello").text == "Hello, World!"
    assert made == ["context", "adapter"]
    monkeypatch.undo()
    made.clear()
    assert client.get("/hello").text == "Hello, World!"
    assert made == []


def test_g_is_made_on_first_read_and_kept() -> None:
    """On the lazy path Flask's own ``g`` is made when first read (a view
    that never reads it costs none), then is the same object for the
    request: through ``flask.g``, the context and templates; assigned, the
    assigned object is ``g``."""
    from flask.globals import _cv_app

    app = Flask(__name__)
    seen: list[t.Any] = []

    @app.get("/untouched")
    def untouched() -> str:
        ctx = _cv_app.get()
        seen.append((type(ctx), "g" in vars(ctx)))
        return "ok"

    @app.get("/used")
    def used() -> str:
        ctx = _cv_app.get()
        before = "g" in vars(ctx)
        flask.g.name = "x"
        seen.append((before, vars(ctx)["g"] is ctx.g, flask.g.get("name")))
        return flask.render_template_string("{{ g.name }}")

    replacement = flask.ctx._AppCtxGlobals()
    replacement.name = "replaced"

    @app.get("/assigned")
    def assigned() -> str:
        _cv_app.get().g = replacement
        current = flask.g._get_current_object()  # type: ignore[attr-defined]
        return f"{flask.g.name} {current is replacement}"

    for _ in range(3):
        assert serve(app, "GET", "/untouched")[2] == b"ok"
        assert serve(app, "GET", "/used")[2] == b"x"
        assert serve(app, "GET", "/assigned")[2] == b"replaced True"
    assert seen[-2] == (_lazy_context.EnvironContext, False)
    assert seen[-1] == (False, True, "x")


def test_an_apps_own_g_class_is_made_for_every_request() -> None:
    """A ``app_ctx_globals_class`` of the user's is made up front, once
    per request, as Flask does (its ``__init__`` may count or set
    defaults), also when the class is set after the first requests."""
    app = Flask(__name__)

    class CountingGlobals(flask.ctx._AppCtxGlobals):
        made = 0

        def __init__(self) -> None:
            type(self).made += 1
            self.default = "set"

    @app.get("/untouched")
    def untouched() -> str:
        return "ok"

    @app.get("/used")
    def used() -> str:
        current = flask.g._get_current_object()  # type: ignore[attr-defined]
        return f"{type(current).__name__} {flask.g.get('default')}"

    for _ in range(3):
        assert serve(app, "GET", "/untouched")[2] == b"ok"
    assert serve(app, "GET", "/used")[2] == b"_AppCtxGlobals None"
    app.app_ctx_globals_class = CountingGlobals
    for _ in range(3):
        assert serve(app, "GET", "/untouched")[2] == b"ok"
    assert CountingGlobals.made == 3
    assert serve(app, "GET", "/used")[2] == b"CountingGlobals set"
    assert CountingGlobals.made == 4


@pytest.mark.parametrize(
    "endpoint",
    [
        ("before", None),
        ("after", None),
        ("teardown", None),
        ("url_value", None),
        ("plain", None),
        _lazy_context._DOOR,
        "before",
    ],
)
def test_an_endpoint_shaped_like_a_table_key_keeps_its_hooks(endpoint: t.Any) -> None:
    """werkzeug lets a rule's endpoint be any hashable value: one equal to
    a key of the app's dispatch tables neither reads nor replaces that
    table (the hooks still run, in their places)."""
    app = Flask(__name__)
    events: list[str] = []

    @app.before_request
    def before() -> None:
        events.append("before")

    @app.after_request
    def after(response: flask.Response) -> flask.Response:
        events.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    app.url_map.add(Rule("/odd", endpoint=endpoint))
    app.view_functions[endpoint] = lambda: "odd"
    for _ in range(3):
        for path in ("/odd", "/plain"):
            del events[:]
            status, headers, body = serve(app, "GET", path)
            assert (status, body) == ("200 OK", path[1:].encode())
            assert ("X-After", "1") in headers
            assert events == ["before", "after"]
