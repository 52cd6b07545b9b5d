"""The shortcut for requests that meet no hook (``flask._plain``) gives what
the general pipeline gives: each app here is driven twice, once with the
shortcut and once with it switched off, and the two runs must agree."""

from __future__ import annotations

import gc
import re
import typing as t

import pytest
from werkzeug.exceptions import NotFound

import flask
from flask import signals


def _record(rv: t.Any) -> tuple[t.Any, ...]:
    # A signed session cookie carries a timestamp: compare what it holds.
    headers = [
        (k, re.sub(r"^(session=[^.;]*)\.[^;]*", r"\1", v))
        for k, v in rv.headers.items()
    ]
    return (rv.status, sorted(headers), rv.get_data())


def _run(build: t.Callable[[], flask.Flask], plain: bool) -> list[t.Any]:
    gc.collect()  # receivers of earlier apps' requests are gone
    app = build()
    assert app._plain_pipeline  # Flask's own methods
    app.__dict__["_plain_pipeline"] = plain
    client = app.test_client()
    log: list[t.Any] = []
    for method, path in REQUESTS:
        try:
            rv = client.open(path, method=method)
        except Exception as e:  # propagated (TESTING): compare the error
            log.append(("raised", type(e).__name__, str(e)))
        else:
            log.append(_record(rv))
    log.extend(getattr(app, "events", []))
    return log


REQUESTS = [
    ("GET", "/"),
    ("GET", "/"),
    ("HEAD", "/"),
    ("OPTIONS", "/"),
    ("POST", "/"),
    ("GET", "/missing"),
    ("GET", "/error"),
    ("GET", "/http-error"),
    ("GET", "/later"),
    ("GET", "/finished"),
    ("GET", "/session"),
    ("GET", "/bp/x"),
    ("GET", "/bp/error"),
    ("GET", "/dict"),
]


def _base(
    setup_bp: t.Callable[[flask.Blueprint, list[t.Any]], None] | None = None,
) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = "k"
    app.events = []  # type: ignore[attr-defined]
    events: list[t.Any] = app.events  # type: ignore[attr-defined]

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/dict")
    def as_dict() -> dict[str, int]:
        return {"a": 1}

    @app.route("/error")
    def error() -> str:
        raise ValueError("boom")

    @app.route("/http-error")
    def http_error() -> str:
        flask.abort(418)

    @app.route("/later")
    def later() -> str:
        @flask.after_this_request
        def add(response: flask.Response) -> flask.Response:
            response.headers["X-Later"] = "1"
            return response

        return "later"

    @app.route("/finished")
    def finished() -> str:
        def receiver(sender: t.Any, response: flask.Response, **kw: t.Any) -> None:
            events.append(("finished", response.status))
            signals.request_finished.disconnect(receiver)  # only this request

        signals.request_finished.connect(receiver, app)
        flask.g.keep = receiver  # alive (weakly connected) for this request
        return "finished"

    @app.route("/session")
    def sess() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    @app.errorhandler(ValueError)
    def handle(e: ValueError) -> tuple[str, int]:
        events.append(("handled", str(e)))
        return f"handled {e}", 500

    bp = flask.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/x")
    def x() -> str:
        return "x"

    @bp.route("/error")
    def bp_error() -> str:
        raise NotFound()

    if setup_bp is not None:
        setup_bp(bp, events)
    app.register_blueprint(bp)
    return app


def _blueprint_hooks(bp: flask.Blueprint, events: list[t.Any]) -> None:
    bp.before_request(lambda: events.append("bp before"))
    bp.teardown_request(lambda exc: events.append(("bp teardown", repr(exc))))


def _with_blueprint_hooks() -> flask.Flask:
    app = _base(_blueprint_hooks)
    assert app._hooks("before", "bp") and app._hooks("teardown", "bp")
    return app


def _with_app_hooks() -> flask.Flask:
    app = _base()
    events: list[t.Any] = app.events  # type: ignore[attr-defined]

    @app.after_request
    def after(response: flask.Response) -> flask.Response:
        response.headers["X-After"] = "1"
        return response

    @app.teardown_request
    def down(exc: BaseException | None) -> None:
        events.append(("teardown", repr(exc)))

    @app.teardown_appcontext
    def down_app(exc: BaseException | None) -> None:
        events.append(("app teardown", repr(exc)))

    return app


def _testing() -> flask.Flask:
    app = _base()
    app.testing = True
    return app


@pytest.mark.parametrize(
    "build", [_base, _with_blueprint_hooks, _with_app_hooks, _testing]
)
def test_plain_and_general_paths_agree(
    build: t.Callable[[], flask.Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Receivers left connected by other tests' apps would send every request
    # down the general path: hide them for this test.
    for name in (
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
    ):
        monkeypatch.setattr(getattr(signals, name), "receivers", {})
    assert _run(build, True) == _run(build, False)


def test_receivers_connected_later_are_called() -> None:
    app = _base()
    client = app.test_client()
    assert client.get("/").text == "index"
    seen: list[str] = []

    def started(sender: t.Any, **kw: t.Any) -> None:
        seen.append("started")

    def tearing(sender: t.Any, **kw: t.Any) -> None:
        seen.append("tearing")

    with signals.request_started.connected_to(started, app):
        with signals.request_tearing_down.connected_to(tearing, app):
            assert client.get("/").text == "index"
    assert seen == ["started", "tearing"]


def test_overridden_pipeline_methods_are_not_plain() -> None:
    class Own(flask.Flask):
        def process_response(
            self, ctx: flask.ctx.AppContext, response: flask.Response
        ) -> flask.Response:
            response = super().process_response(ctx, response)
            response.headers["X-Own"] = "1"
            return response

    own = Own(__name__)
    own.route("/")(lambda: "x")
    assert not own._plain_pipeline
    assert own.test_client().get("/").headers["X-Own"] == "1"

    app = flask.Flask(__name__)
    app.route("/")(lambda: "x")
    assert app._plain_pipeline
    original = app.make_response

    def make_response(rv: t.Any) -> flask.Response:
        response = original(rv)
        response.headers["X-Made"] = "1"
        return response

    app.make_response = make_response  # type: ignore[method-assign]
    assert not app._plain_pipeline
    assert app.test_client().get("/").headers["X-Made"] == "1"
    del app.make_response
    assert app._plain_pipeline
    assert "X-Made" not in app.test_client().get("/").headers


def test_hooks_registered_after_a_request_are_seen() -> None:
    app = flask.Flask(__name__)
    app.route("/")(lambda: "x")
    client = app.test_client()
    assert "X-Hook" not in client.get("/").headers
    app.after_request_funcs.setdefault(None, []).append(_add_header)
    app._setup_changed()  # what a setup method does
    assert client.get("/").headers["X-Hook"] == "1"


def _add_header(response: flask.Response) -> flask.Response:
    response.headers["X-Hook"] = "1"
    return response


def test_a_method_patched_on_the_class_later_is_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = flask.Flask(__name__)
    app.route("/")(lambda: "x")
    client = app.test_client()
    assert client.get("/").text == "x"
    original = flask.Flask.process_response
    seen: list[str] = []

    def process_response(
        self: flask.Flask, ctx: flask.ctx.AppContext, response: flask.Response
    ) -> flask.Response:
        seen.append("process")
        return original(self, ctx, response)

    monkeypatch.setattr(flask.Flask, "process_response", process_response)
    assert client.get("/").text == "x"
    assert seen == ["process"]
