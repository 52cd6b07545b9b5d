"""The app logger: flask.logging and Flask.log_exception."""

from __future__ import annotations

import io
import logging
import sys
import typing as t

import pytest

import flask
from flask.logging import create_logger
from flask.logging import default_handler
from flask.logging import has_level_handler
from flask.logging import wsgi_errors_stream

FORMAT = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"


@pytest.fixture(autouse=True)
def reset_logging(pytestconfig: pytest.Config) -> t.Iterator[None]:
    """Start without pytest's root handlers and with a pristine app logger,
    so whether the default handler is added is up to the test.

    pytest's logging plugin adds capture handlers to the root logger around
    each test call, so it is unregistered for the duration of the test.
    """
    plugin = pytestconfig.pluginmanager.unregister(name="logging-plugin")
    root = logging.getLogger()
    root_handlers = root.handlers[:]
    root_level = root.level
    root.handlers.clear()
    logger = logging.getLogger("flask_test")
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
    yield
    root.handlers[:] = root_handlers
    root.setLevel(root_level)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
    if plugin is not None:
        pytestconfig.pluginmanager.register(plugin, "logging-plugin")


def test_default_handler() -> None:
    assert isinstance(default_handler, logging.StreamHandler)
    assert default_handler.stream is wsgi_errors_stream
    assert default_handler.level == logging.NOTSET
    assert default_handler.formatter is not None
    assert default_handler.formatter._fmt == FORMAT


def test_logger(app: flask.Flask) -> None:
    assert app.logger.name == "flask_test"
    assert app.logger is logging.getLogger("flask_test")
    assert app.logger is app.logger
    assert app.logger.level == logging.NOTSET
    assert app.logger.handlers == [default_handler]
    assert app.logger.propagate is True


def test_logger_debug_level() -> None:
    app = flask.Flask("flask_test")
    app.debug = True
    assert app.logger.level == logging.DEBUG


def test_logger_keeps_configured_level() -> None:
    logging.getLogger("flask_test").setLevel(logging.ERROR)
    app = flask.Flask("flask_test")
    app.debug = True
    assert app.logger.level == logging.ERROR


def test_existing_handler_prevents_default(app: flask.Flask) -> None:
    logging.getLogger().addHandler(logging.StreamHandler())
    assert app.logger.handlers == []


def test_handler_on_app_logger_prevents_default(app: flask.Flask) -> None:
    handler = logging.NullHandler()
    logging.getLogger("flask_test").addHandler(handler)
    assert app.logger.handlers == [handler]


def test_handler_above_level_does_not_count(app: flask.Flask) -> None:
    handler = logging.StreamHandler()
    handler.setLevel(logging.CRITICAL)
    logging.getLogger().addHandler(handler)
    assert app.logger.handlers == [default_handler]


def test_create_logger_direct() -> None:
    class FakeApp:
        name = "flask_test"
        debug = True

    logger = create_logger(FakeApp())  # type: ignore[arg-type]
    assert logger is logging.getLogger("flask_test")
    assert logger.level == logging.DEBUG
    assert logger.handlers == [default_handler]
    # Calling again does not add the handler twice.
    create_logger(FakeApp())  # type: ignore[arg-type]
    assert logger.handlers == [default_handler]


def test_has_level_handler() -> None:
    logger = logging.getLogger("flask_test.has_level")
    assert not has_level_handler(logger)

    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    assert has_level_handler(logger)

    logger.propagate = False
    try:
        assert not has_level_handler(logger)
    finally:
        logger.propagate = True

    handler.setLevel(logging.ERROR)
    assert not has_level_handler(logger)
    logger.setLevel(logging.ERROR)
    try:
        assert has_level_handler(logger)
    finally:
        logger.setLevel(logging.NOTSET)


def test_has_level_handler_stops_at_non_propagating_parent() -> None:
    parent = logging.getLogger("flask_test.parent")
    child = logging.getLogger("flask_test.parent.child")
    logging.getLogger().addHandler(logging.StreamHandler())
    parent.propagate = False
    try:
        assert not has_level_handler(child)
        handler = logging.NullHandler()
        parent.addHandler(handler)
        assert has_level_handler(child)
        parent.removeHandler(handler)
    finally:
        parent.propagate = True


def test_wsgi_errors_stream(app: flask.Flask) -> None:
    assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]
    stream = io.StringIO()
    with app.test_request_context(errors_stream=stream):
        assert wsgi_errors_stream._get_current_object() is stream  # type: ignore[attr-defined]
    # An app context without a request still uses stderr.
    with app.app_context():
        assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]


def test_log_to_request_errors_stream(app: flask.Flask) -> None:
    @app.route("/")
    def index() -> str:
        app.logger.error("from view %s", 42)
        return ""

    stream = io.StringIO()
    app.test_client().get("/", errors_stream=stream)
    output = stream.getvalue()
    assert output.startswith("[")
    assert "] ERROR in test_logging: from view 42\n" in output


def test_log_outside_request_goes_to_stderr(
    app: flask.Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    app.logger.warning("outside")
    err = capsys.readouterr().err
    assert "WARNING in test_logging: outside" in err


def test_production_level(app: flask.Flask) -> None:
    @app.route("/")
    def index() -> str:
        app.logger.debug("debug message")
        app.logger.info("info message")
        app.logger.warning("warning message")
        return ""

    stream = io.StringIO()
    app.test_client().get("/", errors_stream=stream)
    output = stream.getvalue()
    assert "debug message" not in output
    assert "info message" not in output
    assert "WARNING in test_logging: warning message" in output


def test_debug_level_output() -> None:
    app = flask.Flask("flask_test")
    app.debug = True

    @app.route("/")
    def index() -> str:
        app.logger.debug("debug message")
        return ""

    stream = io.StringIO()
    app.test_client().get("/", errors_stream=stream)
    assert "DEBUG in test_logging: debug message" in stream.getvalue()


def test_log_exception(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/fail", methods=["POST"])
    def fail() -> str:
        raise ZeroDivisionError("division")

    stream = io.StringIO()
    response = app.test_client().post("/fail", errors_stream=stream)
    assert response.status_code == 500
    output = stream.getvalue()
    assert "ERROR in app: Exception on /fail [POST]\n" in output
    assert "Traceback (most recent call last):" in output
    assert output.rstrip().endswith("ZeroDivisionError: division")


def test_log_exception_not_called_when_propagating(app: flask.Flask) -> None:
    @app.route("/fail")
    def fail() -> str:
        raise ZeroDivisionError("division")

    stream = io.StringIO()
    with pytest.raises(ZeroDivisionError):
        app.test_client().get("/fail", errors_stream=stream)
    assert stream.getvalue() == ""


def test_log_exception_not_called_for_handled_errors(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/fail")
    def fail() -> str:
        raise ZeroDivisionError("division")

    @app.errorhandler(ZeroDivisionError)
    def handle(e: ZeroDivisionError) -> tuple[str, int]:
        return "handled", 400

    stream = io.StringIO()
    assert app.test_client().get("/fail", errors_stream=stream).status_code == 400
    assert stream.getvalue() == ""


def test_log_exception_is_overridable() -> None:
    seen: list[tuple[t.Any, ...]] = []

    class App(flask.Flask):
        def log_exception(self, ctx: flask.ctx.AppContext, exc_info: t.Any) -> None:
            seen.append((exc_info[0], ctx.request.path))

    app = App("flask_test")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/fail")
    def fail() -> str:
        raise KeyError("k")

    assert app.test_client().get("/fail").status_code == 500
    assert seen == [(KeyError, "/fail")]


def test_log_exception_with_500_handler(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(500)
    def internal(e: t.Any) -> tuple[str, int]:
        return f"original={type(e.original_exception).__name__}", 500

    @app.route("/fail")
    def fail() -> str:
        raise KeyError("k")

    stream = io.StringIO()
    response = app.test_client().get("/fail", errors_stream=stream)
    assert response.data == b"original=KeyError"
    assert "Exception on /fail [GET]" in stream.getvalue()
