"""App contexts (carrying the request in 3.2), proxies and g."""

from __future__ import annotations

import threading

import pytest
import werkzeug.local

import flask
from flask.ctx import AppContext
from flask.globals import _cv_app


def test_proxies_outside_context_raise_clear_errors() -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        flask.current_app.name
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        flask.g.x
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        flask.request.path
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        flask.session.get("x")


def test_request_outside_request_but_inside_app_context(app: flask.Flask) -> None:
    with app.app_context():
        assert flask.current_app._get_current_object() is app
        with pytest.raises(RuntimeError, match="Working outside of request context"):
            flask.request.path
        assert not flask.has_request_context()
        assert flask.has_app_context()


def test_has_context_functions(app: flask.Flask) -> None:
    assert not flask.has_app_context()
    assert not flask.has_request_context()
    with app.test_request_context("/x?a=1"):
        assert flask.has_app_context()
        assert flask.has_request_context()
        assert flask.request.args["a"] == "1"
        assert flask.request.path == "/x"
    assert not flask.has_app_context()


def test_app_ctx_proxy_and_current_object(app: flask.Flask) -> None:
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert flask.globals.app_ctx._get_current_object() is ctx
        assert flask.g._get_current_object() is ctx.g  # type: ignore[attr-defined]
        assert not ctx.has_request


def test_g_behaves_like_a_namespace(app: flask.Flask) -> None:
    with app.app_context():
        flask.g.a = 1
        assert "a" in flask.g
        assert flask.g.get("a") == 1
        assert flask.g.get("missing", 2) == 2
        assert flask.g.setdefault("b", 3) == 3
        assert flask.g.setdefault("b", 4) == 3
        assert sorted(flask.g) == ["a", "b"]
        assert flask.g.pop("a") == 1
        assert flask.g.pop("a", None) is None
        with pytest.raises(KeyError):
            flask.g.pop("a")
        with pytest.raises(AttributeError):
            flask.g.missing
        del flask.g.b
        assert "b" not in flask.g
        assert repr(flask.g) == "<flask.g of 'flask_test'>"


def test_g_is_per_context(app: flask.Flask) -> None:
    with app.app_context():
        flask.g.value = "outer"
        with app.app_context():
            assert "value" not in flask.g
            flask.g.value = "inner"
        assert flask.g.value == "outer"


def test_g_is_fresh_for_each_request(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> str:
        count = flask.g.get("count", 0) + 1
        flask.g.count = count
        return str(count)

    assert client.get("/").data == b"1"
    assert client.get("/").data == b"1"


def test_custom_g_class() -> None:
    class MyG(flask.ctx._AppCtxGlobals):
        def hello(self) -> str:
            return "hi"

    class MyApp(flask.Flask):
        app_ctx_globals_class = MyG

    app = MyApp(__name__)
    with app.app_context():
        assert flask.g.hello() == "hi"


def test_nested_push_runs_teardown_once(app: flask.Flask) -> None:
    calls: list[object] = []
    app.teardown_appcontext(calls.append)
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert calls == []
    ctx.pop()
    assert calls == [None]


def test_popping_wrong_context_is_an_error(app: flask.Flask) -> None:
    outer = app.app_context()
    inner = app.app_context()
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="Popped the wrong app context"):
        outer.pop()
    # The stack is restored to what it was before 'outer' was pushed.
    assert _cv_app.get(None) is None


def test_pop_without_push(app: flask.Flask) -> None:
    with pytest.raises(RuntimeError, match="not pushed"):
        app.app_context().pop()


def test_test_request_context_matches_url(app: flask.Flask) -> None:
    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    with app.test_request_context("/user/alice", method="GET"):
        assert flask.request.endpoint == "user"
        assert flask.request.view_args == {"name": "alice"}
    with app.test_request_context("/nope"):
        assert flask.request.routing_exception is not None
        assert flask.request.routing_exception.code == 404


def test_request_context_from_environ(app: flask.Flask) -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/p",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    with app.request_context(environ):
        assert flask.request.method == "POST"
        assert flask.request.path == "/p"


def test_request_context_deprecated_alias() -> None:
    with pytest.warns(DeprecationWarning, match="RequestContext"):
        from flask.ctx import RequestContext
    assert RequestContext is AppContext


def test_deprecated_request_ctx_globals(app: flask.Flask) -> None:
    with pytest.warns(DeprecationWarning):
        from flask.globals import request_ctx
    with app.test_request_context("/x"):
        assert request_ctx.request.path == "/x"


def test_after_this_request_outside_request(app: flask.Flask) -> None:
    with pytest.raises(RuntimeError, match="after_this_request"):
        flask.after_this_request(lambda r: r)


def test_copy_current_request_context_in_thread(app: flask.Flask, client) -> None:
    results: list[str] = []

    @app.route("/")
    def index() -> str:
        flask.g.user = "bob"

        @flask.copy_current_request_context
        def work() -> None:
            results.append(f"{flask.request.path} {'user' in flask.g}")
            results.append(flask.session.get("k"))

        flask.session["k"] = "v"
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return "ok"

    assert client.get("/").data == b"ok"
    # The request and session are shared; g belongs to the new context.
    assert results == ["/ False", "v"]


def test_copy_current_request_context_outside(app: flask.Flask) -> None:
    with pytest.raises(RuntimeError, match="copy_current_request_context"):
        flask.copy_current_request_context(lambda: None)


def test_context_isolated_between_threads(app: flask.Flask) -> None:
    seen: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def worker(path: str) -> None:
        with app.test_request_context(path):
            barrier.wait(timeout=5)
            seen[path] = flask.request.path

    threads = [threading.Thread(target=worker, args=(p,)) for p in ("/a", "/b")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert seen == {"/a": "/a", "/b": "/b"}


def test_context_repr(app: flask.Flask) -> None:
    with app.test_request_context("/r") as ctx:
        assert repr(ctx) == "<AppContext 'http://localhost/r' [GET] of flask_test>"
    assert repr(app.app_context()) == "<AppContext of flask_test>"


def test_session_opened_lazily(app: flask.Flask, client) -> None:
    """The default cookie session is only opened when a request uses it."""
    opened: list[int] = []
    interface = app.session_interface
    original = interface.open_session

    def counting(app, request):  # type: ignore[no-untyped-def]
        opened.append(1)
        return original(app, request)

    interface.open_session = counting  # type: ignore[method-assign]
    app.add_url_rule("/", "i", lambda: "no session")
    app.add_url_rule("/s", "s", lambda: str(flask.session.get("x")))
    client.get("/")
    assert opened == []
    client.get("/s")
    assert opened == [1]


def test_app_context_signals_and_repush(app: flask.Flask) -> None:
    events: list[str] = []

    def pushed(sender, **kw):  # type: ignore[no-untyped-def]
        events.append("pushed")

    def popped(sender, **kw):  # type: ignore[no-untyped-def]
        events.append("popped")

    with (
        flask.appcontext_pushed.connected_to(pushed, app),
        flask.appcontext_popped.connected_to(popped, app),
    ):
        with app.app_context():
            events.append("inside")
    assert events == ["pushed", "inside", "popped"]


def test_proxies_outside_a_context_repr_as_werkzeug_proxies() -> None:
    """Outside a context the proxies read as Flask's do (Flask's own suite
    compares ``repr(flask.g)`` with this)."""
    for proxy in (flask.g, flask.request, flask.session, flask.current_app):
        assert repr(proxy) == "<LocalProxy unbound>"
    assert isinstance(flask.g, werkzeug.local.LocalProxy)
