"""The test client, EnvironBuilder and test_request_context."""

from __future__ import annotations

import pytest

import flask
from flask.testing import EnvironBuilder


def test_client_sends_json_data_headers(app: flask.Flask, client) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> object:
        r = flask.request
        return {
            "json": r.get_json(silent=True),
            "form": r.form.to_dict(),
            "h": r.headers.get("X-Test"),
            "ua": r.user_agent.string,
            "remote": r.remote_addr,
        }

    rv = client.post("/", json={"a": 1}, headers={"X-Test": "t"})
    assert rv.json["json"] == {"a": 1}
    assert rv.json["h"] == "t"
    assert rv.json["ua"].startswith("Werkzeug/")
    assert rv.json["remote"] == "127.0.0.1"
    rv = client.post("/", data={"f": "v"})
    assert rv.json["form"] == {"f": "v"}


def test_client_environ_base(app: flask.Flask) -> None:
    @app.route("/")
    def index() -> str:
        return flask.request.remote_addr or ""

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert client.get("/").data == b"10.1.2.3"
    assert client.get("/", environ_base={"REMOTE_ADDR": "1.1.1.1"}).data == b"1.1.1.1"


def test_client_follow_redirects(app: flask.Flask, client) -> None:
    app.add_url_rule("/a", "a", lambda: flask.redirect(flask.url_for("b")))
    app.add_url_rule("/b", "b", lambda: "at b")
    rv = client.get("/a", follow_redirects=True)
    assert rv.data == b"at b"
    assert rv.request.path == "/b"
    assert len(rv.history) == 1


def test_client_cookies(app: flask.Flask, client) -> None:
    @app.route("/set")
    def set_cookie() -> flask.Response:
        rv = flask.make_response("set")
        rv.set_cookie("flavor", "oatmeal")
        return rv

    @app.route("/get")
    def get_cookie() -> str:
        return flask.request.cookies.get("flavor", "none")

    client.get("/set")
    assert client.get_cookie("flavor").value == "oatmeal"
    assert client.get("/get").data == b"oatmeal"
    client.delete_cookie("flavor")
    assert client.get("/get").data == b"none"
    client.set_cookie("flavor", "choc")
    assert client.get("/get").data == b"choc"


def test_with_client_keeps_last_context(app: flask.Flask) -> None:
    @app.route("/<name>")
    def index(name: str) -> str:
        flask.g.name = name
        flask.session["name"] = name
        return name

    client = app.test_client()
    with client:
        client.get("/first?x=1")
        assert flask.request.path == "/first"
        assert flask.request.args["x"] == "1"
        assert flask.g.name == "first"
        assert flask.session["name"] == "first"
        client.get("/second")
        assert flask.g.name == "second"
    assert not flask.has_request_context()


def test_nested_with_client_is_an_error(app: flask.Flask) -> None:
    client = app.test_client()
    with client:
        with pytest.raises(RuntimeError, match="Cannot nest"):
            with client:
                pass


def test_session_transaction(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> str:
        return str(flask.session.get("user"))

    with client.session_transaction() as sess:
        sess["user"] = "alice"
    assert client.get("/").data == b"alice"
    with client.session_transaction() as sess:
        assert sess["user"] == "alice"
        sess.clear()
    assert client.get("/").data == b"None"


def test_session_transaction_needs_cookies(app: flask.Flask) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="Cookies are disabled"):
        with client.session_transaction():
            pass


def test_session_transaction_without_secret_key(app: flask.Flask, client) -> None:
    app.secret_key = None
    with pytest.raises(RuntimeError, match="Session backend did not open a session"):
        with client.session_transaction():
            pass


def test_environ_builder_uses_app_config(app: flask.Flask) -> None:
    app.config.update(
        SERVER_NAME="example.test:8080",
        APPLICATION_ROOT="/root",
        PREFERRED_URL_SCHEME="https",
    )
    builder = EnvironBuilder(app, "/path?q=1")
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    assert env["HTTP_HOST"] == "example.test:8080"
    assert env["SCRIPT_NAME"] == "/root"
    assert env["PATH_INFO"] == "/path"
    assert env["QUERY_STRING"] == "q=1"
    assert env["wsgi.url_scheme"] == "https"

    builder = EnvironBuilder(app, subdomain="api")
    try:
        assert builder.get_environ()["HTTP_HOST"] == "api.example.test:8080"
    finally:
        builder.close()


def test_environ_builder_rejects_conflicting_args(app: flask.Flask) -> None:
    with pytest.raises(AssertionError, match="Cannot pass"):
        EnvironBuilder(app, base_url="http://x/", subdomain="a")


def test_environ_builder_json_uses_app_provider(app: flask.Flask) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.test_request_context(json={"b": 1, "a": 2}):
        assert flask.request.get_data() == b'{"b": 1, "a": 2}'


def test_test_request_context_arguments(app: flask.Flask) -> None:
    with app.test_request_context("/p", method="PUT", data="raw", headers={"X-A": "1"}):
        assert flask.request.method == "PUT"
        assert flask.request.get_data() == b"raw"
        assert flask.request.headers["X-A"] == "1"


def test_client_open_with_builder_and_environ(app: flask.Flask, client) -> None:
    @app.route("/x")
    def x() -> str:
        return flask.request.method

    builder = EnvironBuilder(app, "/x", method="PATCH")
    try:
        assert client.open(builder).status_code == 405
    finally:
        builder.close()
    env = EnvironBuilder(app, "/x").get_environ()
    assert client.open(env).data == b"GET"


def test_test_client_class(app: flask.Flask) -> None:
    class MyClient(flask.testing.FlaskClient):
        marker = True

    app.test_client_class = MyClient
    assert isinstance(app.test_client(), MyClient)


def test_response_json(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "i", lambda: {"k": [1, 2]})
    assert client.get("/").json == {"k": [1, 2]}
    assert client.get("/").get_json() == {"k": [1, 2]}
