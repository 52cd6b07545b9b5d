"""Flask 3.2 API changes (issue 13) and the 3.1 callers that keep working.

The dispatch methods take the app context first; 3.1-style overrides in a
subclass (deprecated) or on the instance (as Flask-RESTful/RESTX, Flask-CORS
install them) are called in the form they accept. Teardown collects errors;
``should_ignore_error`` is deprecated; ``provide_automatic_options=True`` wins
over the config; ``Config.from_mapping`` takes pairs; ``ctx._session`` is a
session after a request.
"""

from __future__ import annotations

import functools
import sys
import typing as t

import pytest
from werkzeug.exceptions import NotFound

import flask
import flask._hooks
import flask._teardown
from flask.ctx import AppContext
from flask.globals import _cv_app
from flask.sessions import NullSession
from flask.sessions import SecureCookieSession
from flask.views import MethodView

ALL_HOOKS = sorted(flask._hooks.CTX_HOOKS)


def _boom() -> str:
    raise KeyError("boom")


def _leaves(error: BaseException) -> list[BaseException]:
    if sys.version_info >= (3, 11) and isinstance(error, BaseExceptionGroup):  # noqa: F821
        return [leaf for e in error.exceptions for leaf in _leaves(e)]
    return [error]


# -- 1. ctx-first dispatch methods -------------------------------------------------


class CtxFirstApp(flask.Flask):
    """Overrides every dispatch method with the 3.2 signature, recording the
    context it was given and delegating with ``super()``."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, bool]] = []

    def _seen(self, name: str, ctx: AppContext) -> None:
        assert isinstance(ctx, AppContext)
        self.calls.append((name, ctx is _cv_app.get(None)))

    def full_dispatch_request(self, ctx):  # type: ignore[no-untyped-def]
        self._seen("full_dispatch_request", ctx)
        return super().full_dispatch_request(ctx)

    def preprocess_request(self, ctx):  # type: ignore[no-untyped-def]
        self._seen("preprocess_request", ctx)
        return super().preprocess_request(ctx)

    def dispatch_request(self, ctx):  # type: ignore[no-untyped-def]
        self._seen("dispatch_request", ctx)
        return super().dispatch_request(ctx)

    def make_default_options_response(self, ctx):  # type: ignore[no-untyped-def]
        self._seen("make_default_options_response", ctx)
        return super().make_default_options_response(ctx)

    def finalize_request(self, ctx, rv, from_error_handler=False):  # type: ignore[no-untyped-def]
        self._seen("finalize_request", ctx)
        return super().finalize_request(ctx, rv, from_error_handler)

    def process_response(self, ctx, response):  # type: ignore[no-untyped-def]
        self._seen("process_response", ctx)
        response = super().process_response(ctx, response)
        response.headers["X-Path"] = ctx.request.path
        return response

    def handle_user_exception(self, ctx, e):  # type: ignore[no-untyped-def]
        self._seen("handle_user_exception", ctx)
        return super().handle_user_exception(ctx, e)

    def handle_http_exception(self, ctx, e):  # type: ignore[no-untyped-def]
        self._seen("handle_http_exception", ctx)
        return super().handle_http_exception(ctx, e)

    def handle_exception(self, ctx, e):  # type: ignore[no-untyped-def]
        self._seen("handle_exception", ctx)
        return super().handle_exception(ctx, e)

    def log_exception(self, ctx, exc_info):  # type: ignore[no-untyped-def]
        self._seen("log_exception", ctx)

    def do_teardown_request(self, ctx, exc):  # type: ignore[no-untyped-def]
        self._seen("do_teardown_request", ctx)
        return super().do_teardown_request(ctx, exc)

    def do_teardown_appcontext(self, ctx, exc):  # type: ignore[no-untyped-def]
        self._seen("do_teardown_appcontext", ctx)
        return super().do_teardown_appcontext(ctx, exc)


@pytest.fixture
def ctx_app() -> CtxFirstApp:
    app = CtxFirstApp(__name__)
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/boom", "boom", _boom)
    return app


def test_ctx_first_subclass_is_called_with_the_context(ctx_app: CtxFirstApp) -> None:
    assert CtxFirstApp._legacy_hooks == frozenset()
    r = ctx_app.test_client().get("/")
    assert r.status_code == 200
    assert r.data == b"index"
    assert r.headers["X-Path"] == "/"
    assert ctx_app.calls == [
        ("full_dispatch_request", True),
        ("preprocess_request", True),
        ("dispatch_request", True),
        ("finalize_request", True),
        ("process_response", True),
        ("do_teardown_request", True),
        ("do_teardown_appcontext", True),
    ]


def test_ctx_first_error_path(ctx_app: CtxFirstApp) -> None:
    ctx_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = ctx_app.test_client()
    assert client.get("/boom").status_code == 500
    names = [name for name, current in ctx_app.calls if current]
    assert names == [
        "full_dispatch_request",
        "preprocess_request",
        "dispatch_request",
        "handle_user_exception",
        "handle_exception",
        "log_exception",
        "finalize_request",
        "process_response",
        "do_teardown_request",
        "do_teardown_appcontext",
    ]
    ctx_app.calls.clear()
    assert client.get("/missing").status_code == 404
    assert ("handle_http_exception", True) in ctx_app.calls
    ctx_app.calls.clear()
    r = client.options("/")
    assert r.status_code == 200
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert ("make_default_options_response", True) in ctx_app.calls


def test_old_signature_subclass_warns_and_keeps_working() -> None:
    with pytest.warns(DeprecationWarning) as record:

        class OldApp(flask.Flask):
            def process_response(self, response):  # type: ignore[no-untyped-def]
                response = super().process_response(response)
                response.headers["X-Old"] = "yes"
                return response

            def handle_exception(self, e):  # type: ignore[no-untyped-def]
                return flask.Response(f"old {type(e).__name__}", 500)

            def dispatch_request(self):  # type: ignore[no-untyped-def]
                return super().dispatch_request()

            def do_teardown_request(self, exc=None):  # type: ignore[no-untyped-def]
                torn.append(exc)
                return super().do_teardown_request(exc)

    messages = sorted(str(w.message) for w in record)
    names = ["dispatch_request", "do_teardown_request", "handle_exception"]
    names.append("process_response")
    assert len(messages) == 4
    for name, message in zip(names, messages, strict=True):
        assert f"OldApp.{name}'" in message
        assert "(ctx, ...)" in message
    assert all(w.filename == __file__ for w in record)
    assert OldApp._legacy_hooks == {
        "process_response",
        "handle_exception",
        "dispatch_request",
        "do_teardown_request",
    }

    torn: list[BaseException | None] = []
    app = OldApp(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/boom", "boom", _boom)
    client = app.test_client()
    r = client.get("/")
    assert (r.status_code, r.data, r.headers["X-Old"]) == (200, b"index", "yes")
    r = client.get("/boom")
    assert (r.status_code, r.data) == (500, b"old KeyError")
    assert torn[0] is None
    assert isinstance(torn[1], KeyError)


def test_subclass_of_old_subclass_does_not_warn_again() -> None:
    with pytest.warns(DeprecationWarning):

        class Old(flask.Flask):
            def log_exception(self, exc_info):  # type: ignore[no-untyped-def]
                pass

    class Child(Old):
        pass

    class Fixed(Old):
        def log_exception(self, ctx, exc_info):  # type: ignore[no-untyped-def]
            pass

    assert Child._legacy_hooks == {"log_exception"}
    assert Fixed._legacy_hooks == frozenset()


@pytest.mark.parametrize(
    ("source", "takes_ctx"),
    [
        ("def f(self, ctx, response): pass", True),
        ("def f(self, context: AppContext, response): pass", True),
        ("def f(self, context: 'flask.ctx.AppContext', response): pass", True),
        ("def f(self, context: 'AppContext | None', response): pass", True),
        ("def f(self, context: t.Optional[AppContext], response): pass", True),
        ("def f(self, *args, **kwargs): pass", True),
        ("def f(self, response): pass", False),
        ("def f(self, context, response): pass", False),
        ("def f(self, ctx: int, response): pass", False),
        ("def f(self): pass", False),
    ],
)
def test_which_parameter_is_the_context(source: str, takes_ctx: bool) -> None:
    namespace: dict[str, t.Any] = {"AppContext": AppContext, "t": t}
    exec(source, namespace)
    assert flask._hooks.takes_ctx(namespace["f"], unbound=True) is takes_ctx


def test_annotated_context_parameter_with_another_name() -> None:
    class App(flask.Flask):
        def process_response(
            self, context: AppContext, response: flask.Response
        ) -> flask.Response:
            response.headers["X-Ctx"] = type(context).__name__
            return super().process_response(context, response)

    app = App(__name__)
    app.add_url_rule("/", "index", lambda: "index")
    assert app.test_client().get("/").headers["X-Ctx"] == "AppContext"


def test_our_methods_accept_the_31_form(app: flask.Flask) -> None:
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/boom", "boom", _boom)
    with app.test_request_context("/", method="OPTIONS"):
        assert app.preprocess_request() is None
        rv = app.make_default_options_response()
        assert set(rv.allow) == {"GET", "HEAD", "OPTIONS"}
        response = app.finalize_request("done")
        assert response.data == b"done"
        response = app.process_response(flask.Response("x"))  # type: ignore[arg-type]
        assert response.data == b"x"
        assert app.handle_http_exception(NotFound()).code == 404  # type: ignore[arg-type,union-attr]
    with app.test_request_context("/"):
        assert app.dispatch_request() == "index"
        assert app.full_dispatch_request().data == b"index"
        app.config["PROPAGATE_EXCEPTIONS"] = False
        try:
            _boom()
        except KeyError as e:
            assert app.handle_exception(e).status_code == 500  # type: ignore[arg-type]
            with pytest.raises(KeyError):
                app.handle_user_exception(e)  # type: ignore[arg-type]
        app.do_teardown_request(None)  # type: ignore[arg-type]
        app.do_teardown_appcontext()


def test_our_methods_accept_31_keyword_arguments(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)
    with app.test_request_context("/"):
        assert app.finalize_request(rv="kw").data == b"kw"
        response = app.finalize_request("pos", True)  # type: ignore[arg-type]
        assert response.data == b"pos"
        response = app.process_response(response=flask.Response("r"))
        assert response.data == b"r"
        error = KeyError("k")
        assert app.handle_exception(e=error).status_code == 500
        assert app.handle_http_exception(e=NotFound()).code == 404  # type: ignore[union-attr]
        app.do_teardown_request(exc=error)
        app.do_teardown_appcontext(exc=None)
        ctx = _cv_app.get()
        app.do_teardown_request(ctx)
        assert seen == [error, None, None]
    assert seen[3:] == [None, None]  # popping the context


# -- beyond 3.2: hooks assigned on the instance ------------------------------------


class RouterStandIn:
    """What Flask-RESTful/RESTX do: ``app.handle_exception`` and
    ``app.handle_user_exception`` become ``partial(router, original)``, taking
    the exception only; errors of the API's URLs become JSON, the rest go to
    the original bound method with the exception only."""

    def __init__(self, app: flask.Flask) -> None:
        self.logged: list[type[BaseException] | None] = []
        app.handle_exception = functools.partial(  # type: ignore[method-assign]
            self.error_router, app.handle_exception
        )
        app.handle_user_exception = functools.partial(  # type: ignore[method-assign]
            self.error_router, app.handle_user_exception
        )

    def error_router(self, original: t.Callable[..., t.Any], e: Exception) -> t.Any:
        if flask.request.path.startswith("/api/"):
            # Flask-RESTX logs unhandled errors with the 3.1 arguments.
            flask.current_app.log_exception(sys.exc_info())
            self.logged.append(type(e))
            code = getattr(e, "code", 500)
            return flask.jsonify(message=type(e).__name__), code
        return original(e)


def test_instance_partial_error_router(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/api/boom", "api_boom", _boom)
    app.add_url_rule("/boom", "boom", _boom)

    @app.errorhandler(404)
    def nf(e: Exception) -> tuple[str, int]:
        return "custom 404", 404

    router = RouterStandIn(app)
    assert app._legacy_hooks == {"handle_exception", "handle_user_exception"}
    assert type(app)._legacy_hooks == frozenset()
    client = app.test_client()

    r = client.get("/api/boom")
    assert (r.status_code, r.get_json()) == (500, {"message": "KeyError"})
    r = client.get("/api/missing")
    assert (r.status_code, r.get_json()) == (404, {"message": "NotFound"})
    assert router.logged == [KeyError, NotFound]
    # Outside the API, the original methods run with the exception only.
    r = client.get("/boom")
    assert (r.status_code, b"Internal Server Error" in r.data) == (500, True)
    r = client.get("/missing")
    assert (r.status_code, r.data) == (404, b"custom 404")


def test_instance_hook_is_inspected_once_not_per_request(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    inspected: list[t.Any] = []
    real = flask._hooks._inspect

    def counting(func: t.Any, skip_self: bool) -> bool:
        inspected.append(func)
        return real(func, skip_self)

    monkeypatch.setattr(flask._hooks, "_inspect", counting)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/api/boom", "api_boom", _boom)
    RouterStandIn(app)
    assert len(inspected) == 2
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/boom").status_code == 500
    assert len(inspected) == 2


def test_instance_hook_with_ctx_and_deleting_it(app: flask.Flask) -> None:
    app.add_url_rule("/", "index", lambda: "index")
    seen: list[str] = []
    original = app.process_response

    def with_ctx(ctx: AppContext, response: flask.Response) -> flask.Response:
        seen.append(ctx.request.path)
        return original(ctx, response)

    app.process_response = with_ctx  # type: ignore[method-assign,assignment]
    assert app._legacy_hooks == frozenset()
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert seen == ["/"]

    app.process_response = lambda response: original(response)  # type: ignore[method-assign,assignment,arg-type]
    assert app._legacy_hooks == {"process_response"}
    assert client.get("/").status_code == 200

    del app.process_response
    assert app._legacy_hooks == frozenset()
    assert client.get("/").status_code == 200
    assert seen == ["/"]


def test_cors_style_no_argument_options_response(app: flask.Flask) -> None:
    """Flask-CORS builds its OPTIONS answer with
    ``app.make_default_options_response()`` and wraps the error handlers with
    a ``*args`` wrapper on the instance."""

    @app.route("/items", methods=["GET", "POST"])
    def items() -> str:
        if flask.request.method == "OPTIONS":
            return flask.current_app.make_default_options_response()  # type: ignore[return-value]
        return "items"

    items.provide_automatic_options = False  # type: ignore[attr-defined]

    @app.before_request
    def cors_preflight() -> flask.Response | None:
        if flask.request.method == "OPTIONS":
            rv = flask.current_app.make_default_options_response()  # type: ignore[call-arg]
            rv.headers["Access-Control-Allow-Origin"] = "*"
            return rv
        return None

    def add_cors(f: t.Callable[..., flask.Response]) -> t.Callable[..., t.Any]:
        @functools.wraps(f)
        def wrapped(*args: t.Any, **kwargs: t.Any) -> flask.Response:
            response = app.make_response(f(*args, **kwargs))
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapped

    app.handle_user_exception = add_cors(app.handle_user_exception)  # type: ignore[method-assign]
    assert app._legacy_hooks == frozenset()
    client = app.test_client()
    r = client.options("/items")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    r = client.get("/nowhere")
    assert r.status_code == 404
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_log_exception_with_31_arguments(
    app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with app.test_request_context("/where", method="POST"):
        try:
            _boom()
        except KeyError:
            app.log_exception(sys.exc_info())  # type: ignore[arg-type]
            app.log_exception(_cv_app.get(), sys.exc_info())
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Exception on /where [POST]"] * 2
    assert all(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)


# -- 2. teardown collects every error ----------------------------------------------


def _teardown_app(app: flask.Flask, calls: list[str]) -> None:
    app.add_url_rule("/", "index", lambda: "index")

    @app.teardown_request
    def req_ok(e: BaseException | None) -> None:
        calls.append("req_ok")

    @app.teardown_request
    def req_fail(e: BaseException | None) -> None:
        calls.append("req_fail")
        raise ValueError("req callback")

    @app.teardown_appcontext
    def app_fail(e: BaseException | None) -> None:
        calls.append("app_fail")
        raise KeyError("app callback")

    @app.teardown_appcontext
    def app_ok(e: BaseException | None) -> None:
        calls.append("app_ok")


def test_teardown_errors_are_grouped(app: flask.Flask) -> None:
    calls: list[str] = []
    _teardown_app(app, calls)

    def receiver_fail(sender: flask.Flask, **kw: t.Any) -> None:
        calls.append("signal_fail")
        raise RuntimeError("req receiver")

    def receiver_ok(sender: flask.Flask, **kw: t.Any) -> None:
        calls.append("signal_ok")

    def app_receiver_fail(sender: flask.Flask, **kw: t.Any) -> None:
        calls.append("app_signal_fail")
        raise LookupError("app receiver")

    with (
        flask.request_tearing_down.connected_to(receiver_fail, app),
        flask.request_tearing_down.connected_to(receiver_ok, app),
        flask.appcontext_tearing_down.connected_to(app_receiver_fail, app),
    ):
        with pytest.raises(Exception) as info:
            app.test_client().get("/")

    assert sorted(calls) == sorted(
        ["req_fail", "req_ok", "signal_fail", "signal_ok"]
        + ["app_ok", "app_fail", "app_signal_fail"]
    )
    # request teardown (innermost first) before app teardown (reversed)
    assert calls.index("req_ok") < calls.index("app_ok") < calls.index("app_fail")
    if sys.version_info < (3, 11):
        assert isinstance(info.value, ValueError)
        return
    outer = info.value
    assert isinstance(outer, ExceptionGroup)  # noqa: F821
    assert outer.message == "Errors during context teardown"
    request_group, app_group = outer.exceptions
    assert request_group.message == "Errors during request teardown"  # type: ignore[attr-defined]
    assert [str(e) for e in request_group.exceptions] == [  # type: ignore[attr-defined]
        "req callback",
        "req receiver",
    ]
    assert app_group.message == "Errors during app teardown"  # type: ignore[attr-defined]
    assert [str(e) for e in app_group.exceptions] == [  # type: ignore[attr-defined]
        "'app callback'",
        "app receiver",
    ]


def test_only_app_teardown_fails(app: flask.Flask) -> None:
    @app.teardown_appcontext
    def fail(e: BaseException | None) -> None:
        raise ValueError("only this")

    ctx = app.app_context()
    ctx.push()
    with pytest.raises(Exception) as info:
        ctx.pop()
    assert [str(e) for e in _leaves(info.value)] == ["only this"]
    assert not flask.has_app_context()
    if sys.version_info >= (3, 11):
        group = info.value
        assert isinstance(group, ExceptionGroup)  # noqa: F821
        assert group.message == "Errors during context teardown"
        inner = group.exceptions[0]
        assert inner.message == "Errors during app teardown"  # type: ignore[attr-defined]


def test_request_close_error_is_collected_with_teardown_errors(
    app: flask.Flask,
) -> None:
    """An error closing the request (a file upload's stream, say) joins the
    teardown errors: app teardown still runs and the context is popped."""
    calls: list[str] = []

    class ClosingRequest(flask.Request):
        def close(self) -> None:
            calls.append("close")
            raise OSError("close failed")

    app.request_class = ClosingRequest

    @app.teardown_appcontext
    def app_teardown(e: BaseException | None) -> None:
        calls.append("app")

    ctx = app.test_request_context("/")
    ctx.push()
    with pytest.raises(Exception) as info:
        ctx.pop()
    assert calls == ["close", "app"]
    assert [str(e) for e in _leaves(info.value)] == ["close failed"]
    assert not flask.has_app_context()
    if sys.version_info >= (3, 11):
        assert isinstance(info.value, ExceptionGroup)  # noqa: F821
        assert info.value.message == "Errors during context teardown"


def test_appcontext_popped_receiver_error_joins_teardown_errors(
    app: flask.Flask,
) -> None:
    """An ``appcontext_popped`` receiver that raises is reported with the
    teardown errors, after the context is gone."""

    @app.teardown_appcontext
    def fail(e: BaseException | None) -> None:
        raise ValueError("teardown")

    seen: list[bool] = []

    def popped(sender: flask.Flask, **kw: t.Any) -> None:
        seen.append(flask.has_app_context())
        raise RuntimeError("popped receiver")

    with flask.appcontext_popped.connected_to(popped, app):
        ctx = app.app_context()
        ctx.push()
        with pytest.raises(Exception) as info:
            ctx.pop()
    assert seen == [False]
    assert [str(e) for e in _leaves(info.value)] == ["teardown", "popped receiver"]
    if sys.version_info >= (3, 11):
        assert isinstance(info.value, ExceptionGroup)  # noqa: F821
        assert info.value.message == "Errors during context teardown"


def test_teardown_first_error_without_exception_groups(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What Python 3.10 gets: every callback runs, the first error is raised."""
    monkeypatch.setattr(flask._teardown, "USE_GROUPS", False)
    calls: list[str] = []
    _teardown_app(app, calls)
    with pytest.raises(ValueError, match="req callback"):
        app.test_client().get("/")
    assert calls == ["req_fail", "req_ok", "app_ok", "app_fail"]


# -- 3. should_ignore_error --------------------------------------------------------


def test_should_ignore_error_override_warns_and_is_honoured() -> None:
    with pytest.warns(DeprecationWarning, match="should_ignore_error"):

        class App(flask.Flask):
            def should_ignore_error(self, error: BaseException | None) -> bool:
                return isinstance(error, KeyError)

    app = App(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/key", "key", _boom)
    app.add_url_rule("/zero", "zero", lambda: 1 / 0)
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    client = app.test_client()
    assert client.get("/key").status_code == 500
    assert client.get("/zero").status_code == 500
    assert seen[0] is None
    assert isinstance(seen[1], ZeroDivisionError)


# -- 4. provide_automatic_options=True ---------------------------------------------


def test_explicit_automatic_options_wins_over_config(app: flask.Flask) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.add_url_rule("/arg", "arg", lambda: "arg", provide_automatic_options=True)

    def attr() -> str:
        return "attr"

    attr.provide_automatic_options = True  # type: ignore[attr-defined]
    app.add_url_rule("/attr", "attr", attr)

    class Items(MethodView):
        provide_automatic_options = True

        def get(self) -> str:
            return "items"

        def post(self) -> str:
            return "posted"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    bp = flask.Blueprint("bp", __name__)
    bp.add_url_rule("/bp", "bp", lambda: "bp", provide_automatic_options=True)
    app.register_blueprint(bp)
    app.add_url_rule("/plain", "plain", lambda: "plain")
    client = app.test_client()
    for path, methods in [
        ("/arg", {"GET", "HEAD", "OPTIONS"}),
        ("/attr", {"GET", "HEAD", "OPTIONS"}),
        ("/items", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/bp", {"GET", "HEAD", "OPTIONS"}),
    ]:
        r = client.options(path)
        assert r.status_code == 200, path
        assert r.data == b""
        assert set(r.headers["Allow"].split(", ")) == methods
    assert client.options("/plain").status_code == 405
    assert client.get("/arg").data == b"arg"


def test_automatic_options_false_keeps_405(app: flask.Flask) -> None:
    app.add_url_rule("/", "i", lambda: "i", provide_automatic_options=False)
    r = app.test_client().options("/")
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD"}


# -- 5. Config.from_mapping ----------------------------------------------------------


def test_from_mapping_accepts_what_dict_update_accepts() -> None:
    config = flask.Config(".")
    assert config.from_mapping({"A": 1, "lower": 0}) is True
    assert config.from_mapping([("B", 2), ("b", 0)], C=3, d=0) is True
    assert config.from_mapping(iter([("E", 5)])) is True
    assert config.from_mapping(F=6) is True
    assert config.from_mapping(None) is True
    assert dict(config) == {"A": 1, "B": 2, "C": 3, "E": 5, "F": 6}
    with pytest.raises(ValueError):
        config.from_mapping(["XY1"])  # not pairs, as dict.update says


# -- 7. ctx._session after a request ---------------------------------------------


def _capture_ctx(app: flask.Flask) -> list[AppContext]:
    contexts: list[AppContext] = []

    @app.teardown_request
    def keep(e: BaseException | None) -> None:
        contexts.append(_cv_app.get())

    return contexts


def test_session_attribute_after_untouched_request(app: flask.Flask) -> None:
    during: list[t.Any] = []

    @app.route("/")
    def index() -> str:
        during.append(_cv_app.get()._session)
        return "index"

    @app.route("/set")
    def set_value() -> str:
        flask.session["n"] = 1
        return "set"

    contexts = _capture_ctx(app)
    opened: list[str] = []
    interface = app.session_interface
    real_open = interface.open_session

    def counting_open(app_: flask.Flask, request: t.Any) -> t.Any:
        opened.append(request.path)
        return real_open(app_, request)

    interface.open_session = counting_open  # type: ignore[method-assign]
    try:
        client = app.test_client()
        client.get("/")
        assert during == [None]
        assert opened == []  # the request itself stayed lazy
        session = contexts[-1]._session
        assert type(session) is SecureCookieSession
        assert (session.accessed, session.modified) == (False, False)
        assert dict(session) == {}
        assert contexts[-1]._session is session  # opened once, then kept

        client.get("/set")
        session = contexts[-1]._session
        assert (session.accessed, session.modified) == (True, True)
        assert dict(session) == {"n": 1}
    finally:
        del interface.open_session  # type: ignore[method-assign]


def test_session_attribute_reads_the_cookie_when_not_refreshed(
    app: flask.Flask,
) -> None:
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False

    @app.route("/set")
    def set_value() -> str:
        flask.session["n"] = 2
        return "set"

    app.add_url_rule("/", "index", lambda: "index")
    contexts = _capture_ctx(app)
    client = app.test_client()
    client.get("/set")
    r = client.get("/")
    assert "Set-Cookie" not in r.headers
    session = contexts[-1]._session
    assert (session.accessed, session.modified) == (False, False)
    assert dict(session) == {"n": 2}


def test_session_attribute_without_secret_key() -> None:
    app = flask.Flask(__name__)
    app.add_url_rule("/", "index", lambda: "index")
    contexts = _capture_ctx(app)
    app.test_client().get("/")
    assert isinstance(contexts[-1]._session, NullSession)


def test_session_attribute_can_be_assigned(app: flask.Flask) -> None:
    replacement = SecureCookieSession({"swapped": True})

    @app.route("/")
    def index() -> str:
        _cv_app.get()._session = replacement
        return str(flask.session["swapped"])

    assert app.test_client().get("/").data == b"True"


def test_method_patched_on_the_class_after_creation() -> None:
    class App(flask.Flask):
        pass

    logged: list[t.Any] = []

    def old_log_exception(self: flask.Flask, exc_info: t.Any) -> None:
        logged.append(exc_info[0])

    App.log_exception = old_log_exception  # type: ignore[method-assign,assignment]
    app = App(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/boom", "boom", _boom)
    assert app.test_client().get("/boom").status_code == 500
    assert logged == [KeyError]
