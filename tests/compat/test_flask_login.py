"""Flask-Login: login_user, login_required, remember cookie, current_user."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

fl = require("flask_login")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: a redirect: Flask 3.2 answers 303 where Flask 3.1 answered 302
REDIRECT = (302, 303)


class User(fl.UserMixin):
    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name


USERS = {"1": User("1", "ann"), "2": User("2", "bob")}


@pytest.fixture
def app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="login secret")
    manager = fl.LoginManager(app)
    manager.login_view = "login"
    manager.login_message = "Log in first."

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return USERS.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> t.Any:
        if flask.request.method == "POST":
            user = USERS[flask.request.form["id"]]
            remember = flask.request.form.get("remember") == "y"
            fl.login_user(user, remember=remember)
            return flask.redirect(flask.request.args.get("next") or "/")
        messages = flask.get_flashed_messages(with_categories=True)
        return {"next": flask.request.args.get("next"), "flashes": messages}

    @app.route("/")
    @fl.login_required
    def index() -> str:
        return flask.render_template_string(
            "{% if current_user.is_authenticated %}hello {{ current_user.name }}"
            "{% else %}anonymous{% endif %}"
        )

    @app.route("/whoami")
    def whoami() -> t.Any:
        user = fl.current_user
        return {
            "authenticated": user.is_authenticated,
            "anonymous": user.is_anonymous,
            "fresh": fl.login_fresh(),
            "name": getattr(user, "name", None),
        }

    @app.route("/page")
    def page() -> str:
        return flask.render_template_string(
            "{{ 'in' if current_user.is_authenticated else 'out' }}"
        )

    @app.route("/logout")
    def logout() -> t.Any:
        fl.logout_user()
        return flask.redirect("/")

    return app


def test_login_required_redirects_to_login_view(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/?a=1")
    assert rv.status_code in REDIRECT
    assert rv.headers["Location"] == "/login?next=%2F%3Fa%3D1"
    followed = client.get(rv.headers["Location"])
    assert followed.json == {
        "next": "/?a=1",
        "flashes": [["message", "Log in first."]],
    }


def test_login_required_without_login_view_is_401(app: flask.Flask) -> None:
    app.login_manager.login_view = None  # type: ignore[attr-defined]
    rv = app.test_client().get("/")
    assert rv.status_code == 401


def test_login_sets_session_and_current_user(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.get("/whoami").json["anonymous"] is True
    rv = client.post("/login?next=/whoami", data={"id": "1"})
    assert rv.status_code in REDIRECT
    assert rv.headers["Location"] == "/whoami"
    assert client.get("/whoami").json == {
        "authenticated": True,
        "anonymous": False,
        "fresh": True,
        "name": "ann",
    }
    with client.session_transaction() as sess:
        assert sess["_user_id"] == "1"
        assert sess["_fresh"] is True
    assert client.get("/").data == b"hello ann"
    assert client.get_cookie("remember_token") is None

    client.get("/logout")
    assert client.get("/whoami").json["authenticated"] is False
    assert client.get("/").status_code in REDIRECT


def test_current_user_in_templates(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.get("/page").data == b"out"
    client.post("/login", data={"id": "2"})
    assert client.get("/page").data == b"in"


def test_remember_cookie_restores_user(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.post("/login", data={"id": "2", "remember": "y"})
    set_cookie = [h for h in rv.headers.getlist("Set-Cookie") if "remember" in h]
    assert len(set_cookie) == 1
    assert "HttpOnly" in set_cookie[0]
    assert "Expires=" in set_cookie[0]
    token = client.get_cookie("remember_token")
    assert token is not None and token.value.startswith("2|")

    loaded: list[t.Any] = []
    with fl.user_loaded_from_cookie.connected_to(
        lambda sender, user: loaded.append((sender, user.name)), app
    ):
        client.delete_cookie("session")  # the browser session ended
        info = client.get("/whoami").json
    assert info == {
        "authenticated": True,
        "anonymous": False,
        "fresh": False,
        "name": "bob",
    }
    assert loaded == [(app, "bob")]

    client.get("/logout")
    assert client.get_cookie("remember_token") is None


def test_tampered_remember_cookie_is_ignored(app: flask.Flask) -> None:
    client = app.test_client()
    client.set_cookie("remember_token", "1|forged")
    assert client.get("/whoami").json["authenticated"] is False


def test_strong_session_protection(app: flask.Flask) -> None:
    app.login_manager.session_protection = "strong"  # type: ignore[attr-defined]
    client = app.test_client()
    client.post("/login", data={"id": "1"}, headers={"User-Agent": "browser A"})
    ua_a = {"User-Agent": "browser A"}
    assert client.get("/whoami", headers=ua_a).json["authenticated"] is True
    stolen = client.get("/whoami", headers={"User-Agent": "other"})
    assert stolen.json["authenticated"] is False


def test_login_user_in_test_request_context(app: flask.Flask) -> None:
    with app.test_request_context():
        assert fl.current_user.is_anonymous
        assert fl.login_user(USERS["1"]) is True
        assert fl.current_user.name == "ann"
        assert flask.session["_user_id"] == "1"
        assert flask.g._login_user is USERS["1"]
