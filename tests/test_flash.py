from __future__ import annotations

import typing as t

import pytest
from markupsafe import Markup

import flask
from flask import flash
from flask import get_flashed_messages
from flask.testing import FlaskClient


@pytest.fixture
def flash_app(app: flask.Flask) -> flask.Flask:
    @app.route("/flash")
    def do_flash() -> str:
        flash("hello")
        flash("oops", "error")
        flash(Markup("<em>safe</em>"), "warning")
        flash("fyi", category="info")
        return ""

    @app.route("/plain")
    def plain() -> t.Any:
        return get_flashed_messages()

    @app.route("/categories")
    def categories() -> t.Any:
        return [list(pair) for pair in get_flashed_messages(with_categories=True)]

    @app.route("/filter")
    def filtered() -> t.Any:
        return get_flashed_messages(category_filter=["error", "info"])

    @app.route("/filter-categories")
    def filtered_categories() -> t.Any:
        rv = get_flashed_messages(with_categories=True, category_filter=("warning",))
        return [list(pair) for pair in rv]

    return app


def test_flash_stored_in_session(app: flask.Flask) -> None:
    with app.test_request_context():
        flash("a")
        flash("b", "error")
        assert flask.session["_flashes"] == [("message", "a"), ("error", "b")]
        assert flask.session.modified


def test_flash_next_request(flash_app: flask.Flask, client: FlaskClient) -> None:
    client.get("/flash")
    assert client.get("/plain").json == ["hello", "oops", "<em>safe</em>", "fyi"]
    # Consumed: the next request sees nothing.
    assert client.get("/plain").json == []


def test_with_categories(flash_app: flask.Flask, client: FlaskClient) -> None:
    client.get("/flash")
    assert client.get("/categories").json == [
        ["message", "hello"],
        ["error", "oops"],
        ["warning", "<em>safe</em>"],
        ["info", "fyi"],
    ]


def test_category_filter(flash_app: flask.Flask, client: FlaskClient) -> None:
    client.get("/flash")
    assert client.get("/filter").json == ["oops", "fyi"]
    # Filtered-out messages are dropped too.
    assert client.get("/plain").json == []


def test_category_filter_with_categories(
    flash_app: flask.Flask, client: FlaskClient
) -> None:
    client.get("/flash")
    assert client.get("/filter-categories").json == [["warning", "<em>safe</em>"]]


def test_category_filter_accepts_iterator(app: flask.Flask) -> None:
    with app.test_request_context():
        flash("x", "a")
        flash("y", "b")
        assert get_flashed_messages(category_filter=iter(["b"])) == ["y"]


def test_same_messages_within_request(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/set")
    def set_messages() -> str:
        flash("one")
        flash("two", "error")
        return ""

    @app.route("/read")
    def read() -> str:
        first = get_flashed_messages()
        second = get_flashed_messages()
        errors = get_flashed_messages(category_filter=["error"])
        pairs = get_flashed_messages(with_categories=True)
        assert first == second == ["one", "two"]
        assert errors == ["two"]
        assert pairs == [("message", "one"), ("error", "two")]
        assert all(type(pair) is tuple for pair in pairs)
        assert "_flashes" not in flask.session
        return "ok"

    client.get("/set")
    assert client.get("/read").data == b"ok"


def test_markup_survives_cookie(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/set")
    def set_messages() -> str:
        flash(Markup("<b>bold</b>"))
        return ""

    @app.route("/read")
    def read() -> str:
        (message,) = get_flashed_messages()
        assert isinstance(message, Markup)
        return flask.render_template_string("{{ m }}", m=message)

    client.get("/set")
    assert client.get("/read").data == b"<b>bold</b>"


def test_flash_across_redirect(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/login", methods=["POST"])
    def login() -> t.Any:
        flash("Logged in", "success")
        return flask.redirect("/home")

    @app.route("/home")
    def home() -> str:
        return flask.render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}"
            "[{{ c }}:{{ m }}]{% endfor %}"
        )

    rv = client.post("/login", follow_redirects=True)
    assert rv.data == b"[success:Logged in]"
    assert client.get("/home").data == b""


def test_reading_without_flashes_does_not_set_cookie(
    app: flask.Flask, client: FlaskClient
) -> None:
    @app.route("/")
    def index() -> t.Any:
        return get_flashed_messages()

    rv = client.get("/")
    assert rv.json == []
    assert rv.headers.getlist("Set-Cookie") == []
    assert rv.headers["Vary"] == "Cookie"


def test_consuming_flashes_updates_cookie(
    flash_app: flask.Flask, client: FlaskClient
) -> None:
    client.get("/flash")
    rv = client.get("/plain")
    # The session is now empty, so the cookie is deleted.
    (cookie,) = rv.headers.getlist("Set-Cookie")
    assert cookie.startswith("session=;")
    assert client.get_cookie("session") is None


def test_flash_keeps_other_session_data(app: flask.Flask, client: FlaskClient) -> None:
    @app.route("/set")
    def set_data() -> str:
        flask.session["user"] = "alice"
        flash("hi")
        return ""

    @app.route("/read")
    def read() -> t.Any:
        return {"messages": get_flashed_messages(), "user": flask.session["user"]}

    client.get("/set")
    assert client.get("/read").json == {"messages": ["hi"], "user": "alice"}
    assert client.get("/read").json == {"messages": [], "user": "alice"}


def test_message_flashed_signal(app: flask.Flask) -> None:
    recorded: list[tuple[t.Any, str, str]] = []

    def record(sender: t.Any, message: str, category: str) -> None:
        recorded.append((sender, message, category))

    with flask.message_flashed.connected_to(record, app):
        with app.test_request_context():
            flash("first")
            flash("second", "error")

    assert recorded == [(app, "first", "message"), (app, "second", "error")]
    assert flask.signals.message_flashed is flask.message_flashed


def test_signal_for_other_app_not_received(app: flask.Flask) -> None:
    recorded: list[str] = []
    other = flask.Flask("other")
    other.secret_key = "x"

    def record(sender: t.Any, **kwargs: t.Any) -> None:
        recorded.append(kwargs["message"])

    with flask.message_flashed.connected_to(record, app):
        with other.test_request_context():
            flash("elsewhere")
        with app.test_request_context():
            flash("here")
    assert recorded == ["here"]


def test_flash_without_secret_key(app: flask.Flask) -> None:
    app.secret_key = None
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="no secret key was set"):
            flash("x")
        assert get_flashed_messages() == []


def test_flash_outside_request(app: flask.Flask) -> None:
    with pytest.raises(RuntimeError, match="request"):
        flash("x")
    with pytest.raises(RuntimeError, match="request"):
        get_flashed_messages()
    with app.app_context():
        with pytest.raises(RuntimeError, match="request"):
            flash("x")


def test_helpers_reexport() -> None:
    assert flask.helpers.flash is flash
    assert flask.helpers.get_flashed_messages is get_flashed_messages
