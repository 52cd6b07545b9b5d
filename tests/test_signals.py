"""Signals: which are sent, in what order, with which sender and arguments."""

from __future__ import annotations

import typing as t

import blinker
import pytest

import flask
from flask import signals

SIGNAL_NAMES = [
    "template_rendered",
    "before_render_template",
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_tearing_down",
    "appcontext_pushed",
    "appcontext_popped",
    "message_flashed",
]

Event = tuple[str, dict[str, t.Any]]


@pytest.fixture
def recorded(app: flask.Flask) -> t.Iterator[list[Event | str]]:
    """Connect a receiver for every signal, for ``app`` as sender only, that
    records the signal name and its keyword arguments."""
    events: list[Event | str] = []
    receivers = []
    for name in SIGNAL_NAMES:

        def receiver(sender: t.Any, _name: str = name, **kwargs: t.Any) -> None:
            assert sender is app
            events.append((_name, kwargs))

        getattr(signals, name).connect(receiver, app)
        receivers.append((name, receiver))

    @app.before_request
    def before() -> None:
        events.append("before_request")

    @app.after_request
    def after(response: flask.Response) -> flask.Response:
        events.append("after_request")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown_request")

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        events.append("teardown_appcontext")

    yield events
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver, app)


def names(events: list[Event | str]) -> list[str]:
    return [e if isinstance(e, str) else e[0] for e in events]


def test_signal_objects() -> None:
    assert signals.Namespace is blinker.Namespace
    for name in SIGNAL_NAMES:
        signal = getattr(signals, name)
        assert isinstance(signal, blinker.NamedSignal)
        assert signal.name == name.replace("_", "-")
        assert getattr(flask, name) is signal


def test_request_signal_order(app: flask.Flask, recorded: list[Event | str]) -> None:
    @app.route("/")
    def index() -> str:
        recorded.append("view")
        flask.flash("saved", "info")
        return flask.render_template_string("{{ value }}", value=42)

    response = app.test_client().get("/")
    assert response.data == b"42"
    assert names(recorded) == [
        "appcontext_pushed",
        "request_started",
        "before_request",
        "view",
        "message_flashed",
        "before_render_template",
        "template_rendered",
        "after_request",
        "request_finished",
        "teardown_request",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    events = {e[0]: e[1] for e in recorded if not isinstance(e, str)}
    assert events["appcontext_pushed"] == {}
    assert events["request_started"] == {}
    assert events["message_flashed"] == {"message": "saved", "category": "info"}
    assert events["request_finished"]["response"].data == b"42"
    assert set(events["request_finished"]) == {"response"}
    assert events["request_tearing_down"] == {"exc": None}
    assert events["appcontext_tearing_down"] == {"exc": None}
    assert events["appcontext_popped"] == {}
    for name in ("before_render_template", "template_rendered"):
        kwargs = events[name]
        assert set(kwargs) == {"template", "context"}
        assert kwargs["context"]["value"] == 42
        assert kwargs["context"]["request"].path == "/"
        assert kwargs["context"]["g"] is not None


def test_handled_exception_signals(
    app: flask.Flask, recorded: list[Event | str]
) -> None:
    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError()

    @app.errorhandler(ZeroDivisionError)
    def handle(e: Exception) -> tuple[str, int]:
        recorded.append("handler")
        return "handled", 500

    assert app.test_client().get("/").data == b"handled"
    # A handled error is not reported through got_request_exception.
    assert names(recorded) == [
        "appcontext_pushed",
        "request_started",
        "before_request",
        "handler",
        "after_request",
        "request_finished",
        "teardown_request",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]


def test_unhandled_exception_signals(
    app: flask.Flask, recorded: list[Event | str]
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True

    @app.route("/")
    def index() -> str:
        raise KeyError("k")

    try:
        assert app.test_client().get("/").status_code == 500
    finally:
        app.logger.disabled = False
    assert names(recorded) == [
        "appcontext_pushed",
        "request_started",
        "before_request",
        "got_request_exception",
        "after_request",
        "request_finished",
        "teardown_request",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    events = {e[0]: e[1] for e in recorded if not isinstance(e, str)}
    exc = events["got_request_exception"]["exception"]
    assert isinstance(exc, KeyError)
    assert events["request_finished"]["response"].status_code == 500
    assert events["request_tearing_down"]["exc"] is exc
    assert events["appcontext_tearing_down"]["exc"] is exc


def test_propagated_exception_still_signalled(
    app: flask.Flask, recorded: list[Event | str]
) -> None:
    @app.route("/")
    def index() -> str:
        raise KeyError("k")

    with pytest.raises(KeyError):
        app.test_client().get("/")
    assert names(recorded) == [
        "appcontext_pushed",
        "request_started",
        "before_request",
        "got_request_exception",
        "teardown_request",
        "request_tearing_down",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]


def test_http_exception_not_reported(
    app: flask.Flask, recorded: list[Event | str]
) -> None:
    app.test_client().get("/missing")
    assert "got_request_exception" not in names(recorded)
    events = {e[0]: e[1] for e in recorded if not isinstance(e, str)}
    assert events["request_finished"]["response"].status_code == 404
    assert events["request_tearing_down"] == {"exc": None}


def test_app_context_signals(app: flask.Flask, recorded: list[Event | str]) -> None:
    with app.app_context():
        recorded.append("inside")
    assert names(recorded) == [
        "appcontext_pushed",
        "inside",
        "teardown_appcontext",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]


def test_app_context_pushed_sees_context(app: flask.Flask) -> None:
    seen: list[t.Any] = []

    def receiver(sender: flask.Flask) -> None:
        flask.g.value = "set by signal"
        seen.append(flask.current_app._get_current_object())  # type: ignore[attr-defined]

    with signals.appcontext_pushed.connected_to(receiver, app):
        with app.app_context():
            assert flask.g.value == "set by signal"
    assert seen == [app]


def test_flash_signal_outside_view(app: flask.Flask) -> None:
    recorded: list[tuple[t.Any, dict[str, t.Any]]] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        recorded.append((sender, kwargs))

    with signals.message_flashed.connected_to(receiver, app):
        with app.test_request_context():
            flask.flash("one")
            flask.flash("two", "error")
    assert recorded == [
        (app, {"message": "one", "category": "message"}),
        (app, {"message": "two", "category": "error"}),
    ]


def test_template_signals_with_render_template(app: flask.Flask) -> None:
    recorded: list[tuple[str, str | None, dict[str, t.Any]]] = []

    def before(sender: t.Any, template: t.Any, context: dict[str, t.Any]) -> None:
        context["added"] = "by signal"
        recorded.append(("before", template.name, dict(context)))

    def after(sender: t.Any, template: t.Any, context: dict[str, t.Any]) -> None:
        recorded.append(("after", template.name, dict(context)))

    with signals.before_render_template.connected_to(before, app):
        with signals.template_rendered.connected_to(after, app):
            with app.test_request_context():
                out = flask.render_template_string("{{ added }}")
    # The before signal may change the context used for rendering.
    assert out == "by signal"
    assert [r[0] for r in recorded] == ["before", "after"]
    assert recorded[1][2]["added"] == "by signal"


def test_async_receiver(app: flask.Flask) -> None:
    seen: list[str] = []

    async def receiver(sender: flask.Flask, **kwargs: t.Any) -> None:
        seen.append(flask.request.path)

    @app.route("/path")
    def index() -> str:
        return ""

    with signals.request_started.connected_to(receiver, app):
        app.test_client().get("/path")
    assert seen == ["/path"]


def test_receivers_for_other_senders_not_called(app: flask.Flask) -> None:
    other = flask.Flask("other")
    seen: list[t.Any] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        seen.append(sender)

    with signals.request_started.connected_to(receiver, other):
        app.test_client().get("/")
    assert seen == []


def test_no_receivers_no_send(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal nobody listens to is not sent at all (checked before send).

    A design rule of this implementation (no cost for unused signals); Flask
    itself always calls ``send``.
    """
    for name in SIGNAL_NAMES:
        signal = getattr(signals, name)
        if signal.receivers:  # pragma: no cover - connected by another test
            continue

        def fail(*args: t.Any, _name: str = name, **kwargs: t.Any) -> None:
            raise AssertionError(f"{_name} was sent without receivers")

        monkeypatch.setattr(signal, "send", fail)

    @app.route("/")
    def index() -> str:
        flask.flash("x")
        return flask.render_template_string("x")

    assert app.test_client().get("/").data == b"x"


def test_namespace_custom_signal() -> None:
    ns = signals.Namespace()
    custom = ns.signal("custom")
    assert ns.signal("custom") is custom
    seen: list[t.Any] = []
    custom.connect(lambda sender, **kw: seen.append((sender, kw)), weak=False)
    custom.send("me", value=1)
    assert seen == [("me", {"value": 1})]
