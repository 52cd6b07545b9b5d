"""Request hooks, teardown, error handlers and exception propagation."""

from __future__ import annotations

import logging
import sys

import pytest
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import NotFound

import flask


def test_hook_order(app: flask.Flask, client) -> None:
    calls: list[str] = []

    @app.before_request
    def b1() -> None:
        calls.append("before1")

    @app.before_request
    def b2() -> None:
        calls.append("before2")

    @app.after_request
    def a1(r):  # type: ignore[no-untyped-def]
        calls.append("after1")
        return r

    @app.after_request
    def a2(r):  # type: ignore[no-untyped-def]
        calls.append("after2")
        return r

    @app.teardown_request
    def t1(e) -> None:  # type: ignore[no-untyped-def]
        calls.append(f"teardown1 {e}")

    @app.teardown_request
    def t2(e) -> None:  # type: ignore[no-untyped-def]
        calls.append(f"teardown2 {e}")

    @app.teardown_appcontext
    def tac(e) -> None:  # type: ignore[no-untyped-def]
        calls.append(f"appctx {e}")

    @app.route("/")
    def index() -> str:
        @flask.after_this_request
        def atr(r):  # type: ignore[no-untyped-def]
            calls.append("after_this_request")
            return r

        calls.append("view")
        return "ok"

    assert client.get("/").data == b"ok"
    assert calls == [
        "before1",
        "before2",
        "view",
        "after_this_request",
        "after2",
        "after1",
        "teardown2 None",
        "teardown1 None",
        "appctx None",
    ]


def test_before_request_short_circuits(app: flask.Flask, client) -> None:
    calls: list[str] = []

    @app.before_request
    def stop() -> str:
        return "stopped"

    @app.before_request
    def never() -> None:
        calls.append("never")

    @app.after_request
    def after(r):  # type: ignore[no-untyped-def]
        r.headers["X-After"] = "yes"
        return r

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "view"

    rv = client.get("/")
    assert rv.data == b"stopped"
    assert rv.headers["X-After"] == "yes"
    assert calls == []


def test_after_request_can_replace_response(app: flask.Flask, client) -> None:
    @app.after_request
    def replace(r):  # type: ignore[no-untyped-def]
        return flask.Response("replaced", 202)

    app.add_url_rule("/", "i", lambda: "x")
    rv = client.get("/")
    assert (rv.status_code, rv.data) == (202, b"replaced")


def test_teardown_gets_the_exception(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[object] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError("boom")

    rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert [type(e).__name__ for e in seen] == ["ZeroDivisionError"] * 2


def test_handled_error_is_not_passed_to_teardown(app: flask.Flask, client) -> None:
    seen: list[object] = []
    app.teardown_request(seen.append)

    @app.errorhandler(ZeroDivisionError)
    def handle(e):  # type: ignore[no-untyped-def]
        return "handled", 500

    app.add_url_rule("/", "i", lambda: 1 / 0)
    assert client.get("/").data == b"handled"
    assert seen == [None]


def test_all_teardowns_run_even_if_one_raises(app: flask.Flask, client) -> None:
    calls: list[str] = []

    @app.teardown_request
    def first(e) -> None:  # type: ignore[no-untyped-def]
        calls.append("first")

    @app.teardown_request
    def raises(e) -> None:  # type: ignore[no-untyped-def]
        calls.append("raises")
        raise ValueError("teardown failed")

    @app.teardown_appcontext
    def appctx(e) -> None:  # type: ignore[no-untyped-def]
        calls.append("appctx")

    app.add_url_rule("/", "i", lambda: "x")
    with pytest.raises(Exception) as info:
        client.get("/")
    error = info.value
    if sys.version_info >= (3, 11):
        # context teardown group -> request teardown group -> the error
        assert isinstance(error, ExceptionGroup)  # noqa: F821
        error = error.exceptions[0].exceptions[0]  # type: ignore[attr-defined]
    assert isinstance(error, ValueError)
    assert str(error) == "teardown failed"
    assert calls == ["raises", "first", "appctx"]


def test_errorhandler_by_code(app: flask.Flask, client) -> None:
    @app.errorhandler(404)
    def not_found(e):  # type: ignore[no-untyped-def]
        assert isinstance(e, NotFound)
        return f"custom {e.code}", 404

    @app.errorhandler(403)
    def forbidden(e):  # type: ignore[no-untyped-def]
        return "forbidden", 403

    app.add_url_rule("/f", "f", lambda: flask.abort(403))
    assert client.get("/missing").data == b"custom 404"
    assert client.get("/f").data == b"forbidden"


def test_errorhandler_by_class_and_mro(app: flask.Flask, client) -> None:
    class ParentError(Exception):
        pass

    class ChildError(ParentError):
        pass

    class GrandChildError(ChildError):
        pass

    @app.errorhandler(ParentError)
    def parent(e):  # type: ignore[no-untyped-def]
        return "parent"

    @app.errorhandler(ChildError)
    def child(e):  # type: ignore[no-untyped-def]
        return "child"

    def raiser(exc: type[Exception]):  # type: ignore[no-untyped-def]
        def view() -> str:
            raise exc()

        return view

    app.add_url_rule("/p", "p", raiser(ParentError))
    app.add_url_rule("/c", "c", raiser(ChildError))
    app.add_url_rule("/g", "g", raiser(GrandChildError))
    assert client.get("/p").data == b"parent"
    assert client.get("/c").data == b"child"
    assert client.get("/g").data == b"child"


def test_http_exception_class_handler_catches_all_http_errors(
    app: flask.Flask, client
) -> None:
    @app.errorhandler(HTTPException)
    def handle(e):  # type: ignore[no-untyped-def]
        return f"http {e.code}", e.code

    @app.errorhandler(404)
    def nf(e):  # type: ignore[no-untyped-def]
        return "specific 404", 404

    app.add_url_rule("/", "i", lambda: flask.abort(409))
    assert client.get("/").data == b"http 409"
    assert client.get("/x").data == b"specific 404"


def test_register_error_handler(app: flask.Flask, client) -> None:
    app.register_error_handler(KeyError, lambda e: ("key error", 400))
    app.add_url_rule("/", "i", lambda: {}["x"])
    assert client.get("/").data == b"key error"


def test_errorhandler_argument_errors(app: flask.Flask) -> None:
    with pytest.raises(ValueError, match="not a recognized HTTP error code"):
        app.register_error_handler(999, lambda e: "")
    with pytest.raises(TypeError, match="is an instance, not a class"):
        app.register_error_handler(ValueError(), lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not a subclass of Exception"):
        app.register_error_handler(str, lambda e: "")  # type: ignore[arg-type]


def test_unhandled_error_is_500_with_original(app: flask.Flask, caplog) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen = []

    @app.errorhandler(500)
    def ise(e):  # type: ignore[no-untyped-def]
        assert isinstance(e, InternalServerError)
        seen.append(e.original_exception)
        return "server error", 500

    app.add_url_rule("/", "i", lambda: 1 / 0)
    with caplog.at_level(logging.ERROR):
        rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert rv.data == b"server error"
    assert isinstance(seen[0], ZeroDivisionError)
    assert "Exception on / [GET]" in caplog.text


def test_500_handler_for_exception_class(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(InternalServerError)
    def ise(e):  # type: ignore[no-untyped-def]
        return f"ise {type(e.original_exception).__name__}", 500

    app.add_url_rule("/", "i", lambda: 1 / 0)
    assert app.test_client().get("/").data == b"ise ZeroDivisionError"


def test_abort_500_is_handled_with_no_original(app: flask.Flask, client) -> None:
    @app.errorhandler(500)
    def ise(e):  # type: ignore[no-untyped-def]
        return f"orig={e.original_exception}", 500

    app.add_url_rule("/", "i", lambda: flask.abort(500))
    assert client.get("/").data == b"orig=None"


def test_testing_propagates_exceptions(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "i", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        client.get("/")


def test_production_does_not_propagate(caplog) -> None:
    app = flask.Flask(__name__)
    app.add_url_rule("/", "i", lambda: 1 / 0)
    with caplog.at_level(logging.ERROR):
        rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data


def test_error_in_error_handler_propagates(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(ZeroDivisionError)
    def broken(e):  # type: ignore[no-untyped-def]
        raise KeyError("handler broke")

    app.add_url_rule("/", "i", lambda: 1 / 0)
    assert app.test_client().get("/").status_code == 500


def test_trap_http_exceptions(app: flask.Flask, client) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/", "i", lambda: flask.abort(404))
    with pytest.raises(NotFound):
        client.get("/")


def test_trap_bad_request_errors(app: flask.Flask, client) -> None:
    @app.route("/key")
    def key() -> str:
        return flask.request.args["missing"]

    @app.route("/abort")
    def ab() -> str:
        flask.abort(400)

    # Default, not debug: a 400 response.
    assert client.get("/key").status_code == 400
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    with pytest.raises(KeyError):
        client.get("/key")
    with pytest.raises(BadRequest):
        client.get("/abort")


def test_bad_request_key_error_in_debug(app: flask.Flask, client) -> None:
    app.debug = True

    @app.route("/key")
    def key() -> str:
        return flask.request.form["missing"]

    with pytest.raises(KeyError) as e:
        client.get("/key")
    assert "missing" in str(e.value)


def test_bad_request_key_error_shown_with_handler(app: flask.Flask, client) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    app.debug = True

    @app.route("/key")
    def key() -> str:
        return flask.request.args["missing"]

    rv = client.get("/key")
    assert rv.status_code == 400
    assert b"missing" in rv.data


def test_routing_redirect_not_handled_by_error_handler(
    app: flask.Flask, client
) -> None:
    @app.errorhandler(HTTPException)
    def handle(e):  # type: ignore[no-untyped-def]
        return "handled", 500

    app.add_url_rule("/dir/", "d", lambda: "d")
    assert client.get("/dir").status_code == 308


def test_handler_for_forbidden_subclass(app: flask.Flask, client) -> None:
    class MyForbidden(Forbidden):
        description = "mine"

    @app.errorhandler(403)
    def handle(e):  # type: ignore[no-untyped-def]
        return e.description, 403

    def view() -> str:
        raise MyForbidden()

    app.add_url_rule("/", "i", view)
    assert client.get("/").data == b"mine"


def test_log_exception_can_be_overridden() -> None:
    logged = []

    class MyApp(flask.Flask):
        def log_exception(self, ctx, exc_info):  # type: ignore[no-untyped-def]
            logged.append(exc_info[0])

    app = MyApp(__name__)
    app.add_url_rule("/", "i", lambda: 1 / 0)
    assert app.test_client().get("/").status_code == 500
    assert logged == [ZeroDivisionError]


def test_handle_exception_can_be_overridden() -> None:
    class MyApp(flask.Flask):
        def handle_exception(self, ctx, e):  # type: ignore[no-untyped-def]
            return flask.Response(f"custom {type(e).__name__}", 500)

    app = MyApp(__name__)
    app.add_url_rule("/", "i", lambda: 1 / 0)
    assert app.test_client().get("/").data == b"custom ZeroDivisionError"


def test_error_handler_response_runs_after_request(app: flask.Flask, client) -> None:
    @app.errorhandler(404)
    def nf(e):  # type: ignore[no-untyped-def]
        return "nf", 404

    @app.after_request
    def after(r):  # type: ignore[no-untyped-def]
        r.headers["X-After"] = "1"
        return r

    assert client.get("/missing").headers["X-After"] == "1"
