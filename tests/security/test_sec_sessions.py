"""The signed cookie session: key rotation, cookie attributes on set and
delete, ``Vary: Cookie`` whenever the response depends on the session, and
configuration mistakes caught at start-up."""

from __future__ import annotations

import typing as t

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import parse_dict_header

from flask import abort
from flask import flash
from flask import Flask
from flask import get_flashed_messages
from flask import render_template_string
from flask import request
from flask import session
from flask.testing import FlaskClient


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.route("/get")
    def get() -> dict[str, t.Any]:
        return {"session": dict(session)}

    @app.route("/set")
    def set_() -> str:
        session["user"] = request.args.get("user", "alice")
        return "set"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    return app


def _serializer(app: Flask, key: str) -> URLSafeTimedSerializer:
    """A serializer like the session's, with a single key."""
    interface: t.Any = app.session_interface
    return URLSafeTimedSerializer(
        key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer_kwargs={
            "key_derivation": interface.key_derivation,
            "digest_method": interface.digest_method,
        },
    )


def _attributes(set_cookie: str) -> dict[str, str | None]:
    """The attributes of a Set-Cookie header, names lowercased."""
    _, _, attrs = set_cookie.partition(";")
    return {k.lower(): v for k, v in parse_dict_header(attrs.replace(";", ",")).items()}


# -- keys -----------------------------------------------------------------------------


def test_cookie_signed_with_another_key_is_rejected(
    app: Flask, client: FlaskClient
) -> None:
    client.set_cookie("session", _serializer(app, "not the key").dumps({"u": "x"}))
    assert client.get("/get").json == {"session": {}}


@pytest.mark.parametrize("old_key", ["old 2", "old 1"])
def test_fallback_keys_are_accepted_and_cookie_is_resigned(
    app: Flask, client: FlaskClient, old_key: str
) -> None:
    app.config["SECRET_KEY"] = "new"
    app.config["SECRET_KEY_FALLBACKS"] = ["old 1", "old 2"]
    client.set_cookie("session", _serializer(app, old_key).dumps({"u": old_key}))
    assert client.get("/get").json == {"session": {"u": old_key}}

    client.get("/set?user=bob")
    resigned = client.get_cookie("session")
    assert resigned is not None
    # Always signed with the current key, never with a fallback.
    assert _serializer(app, "new").loads(resigned.value) == {
        "u": old_key,
        "user": "bob",
    }
    with pytest.raises(Exception, match="Signature"):
        _serializer(app, old_key).loads(resigned.value)


def test_key_order_current_key_is_tried_first(app: Flask) -> None:
    # itsdangerous signs with the last key and tries keys from the last one
    # back: SECRET_KEY first, then the fallbacks from the end of the list.
    app.config["SECRET_KEY"] = "new"
    app.config["SECRET_KEY_FALLBACKS"] = ["old 1", "old 2"]
    signer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert signer.secret_keys == [b"old 1", b"old 2", b"new"]


def test_removed_fallback_key_is_rejected(app: Flask, client: FlaskClient) -> None:
    app.config["SECRET_KEY"] = "new"
    app.config["SECRET_KEY_FALLBACKS"] = ["old"]
    client.set_cookie("session", _serializer(app, "old").dumps({"u": 1}))
    assert client.get("/get").json == {"session": {"u": 1}}
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/get").json == {"session": {}}


def test_rotating_secret_key_invalidates_old_cookies(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/set")
    assert client.get("/get").json == {"session": {"user": "alice"}}
    app.config["SECRET_KEY"] = "rotated"
    assert client.get("/get").json == {"session": {}}


# -- cookie attributes -----------------------------------------------------------------


@pytest.fixture
def strict_cookies(app: Flask) -> Flask:
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/app",
    )
    return app


EXPECTED_FLAGS = {
    "secure": None,
    "httponly": None,
    "samesite": "Strict",
    "partitioned": None,
    "domain": "example.com",
    "path": "/app",
}


@pytest.mark.usefixtures("strict_cookies")
def test_cookie_flags_on_set(client: FlaskClient) -> None:
    rv = client.get("/set", base_url="https://example.com")
    (header,) = rv.headers.getlist("Set-Cookie")
    attrs = _attributes(header)
    for name, value in EXPECTED_FLAGS.items():
        assert name in attrs, header
        assert attrs[name] == value, header


@pytest.mark.usefixtures("strict_cookies")
def test_cookie_flags_on_delete(client: FlaskClient) -> None:
    # Browsers only delete a cookie set with the same attributes.
    client.get("/set", base_url="https://example.com")
    rv = client.get("/clear", base_url="https://example.com")
    (header,) = rv.headers.getlist("Set-Cookie")
    assert header.startswith("session=;")
    attrs = _attributes(header)
    assert attrs["max-age"] == "0"
    for name, value in EXPECTED_FLAGS.items():
        assert name in attrs, header
        assert attrs[name] == value, header
    assert rv.headers["Vary"] == "Cookie"


def test_cookie_flags_off(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = False
    (header,) = client.get("/set").headers.getlist("Set-Cookie")
    attrs = _attributes(header)
    assert "httponly" not in attrs
    assert "secure" not in attrs
    assert "samesite" not in attrs
    assert "partitioned" not in attrs
    assert attrs["path"] == "/"


@pytest.mark.parametrize(("value", "expected"), [("lax", "Lax"), ("None", "None")])
def test_samesite_values(
    app: Flask, client: FlaskClient, value: str, expected: str
) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = value
    (header,) = client.get("/set").headers.getlist("Set-Cookie")
    assert _attributes(header)["samesite"] == expected


def test_invalid_samesite_is_rejected_at_startup(app: Flask) -> None:
    # Real Flask only fails when a response sets the cookie (a 500 each time).
    calls = []
    app.before_request(lambda: calls.append(1))
    app.config["SESSION_COOKIE_SAMESITE"] = "Sometimes"
    client = app.test_client()
    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        # The first request fails, even one that does not use the session.
        client.get("/plain")
    assert calls == []


# -- Vary: Cookie ----------------------------------------------------------------------


def _reader_app(app: Flask) -> None:
    @app.route("/r/getitem")
    def r_getitem() -> str:
        return str(session["user"] if "user" in session else None)

    @app.route("/r/get")
    def r_get() -> str:
        return str(session.get("user"))

    @app.route("/r/len")
    def r_len() -> str:
        return str(len(session))

    @app.route("/r/iter")
    def r_iter() -> str:
        return ",".join(session)

    @app.route("/r/permanent")
    def r_permanent() -> str:
        return str(session.permanent)

    @app.route("/r/template")
    def r_template() -> str:
        return render_template_string("{{ session.get('user') }}")

    @app.route("/r/flashes")
    def r_flashes() -> str:
        return str(get_flashed_messages())

    @app.route("/r/abort")
    def r_abort() -> str:
        session.get("user")
        abort(403)

    @app.route("/r/error")
    def r_error() -> str:
        session.get("user")
        raise RuntimeError("view failed")

    @app.route("/r/hook")
    def r_hook() -> str:
        return "view"

    @app.before_request
    def hook() -> str | None:
        if request.path == "/r/hook":
            return f"hook {session.get('user')}"
        return None


READS = [
    "/r/getitem",
    "/r/get",
    "/r/len",
    "/r/iter",
    "/r/permanent",
    "/r/template",
    "/r/flashes",
    "/r/abort",
    "/r/error",
    "/r/hook",
]


@pytest.mark.parametrize("with_cookie", [False, True], ids=["no-cookie", "cookie"])
@pytest.mark.parametrize("path", READS)
def test_vary_cookie_whenever_session_is_read(
    app: Flask,
    client: FlaskClient,
    errors: list[BaseException],
    path: str,
    with_cookie: bool,
) -> None:
    _reader_app(app)
    if with_cookie:
        client.get("/set")
    rv = client.get(path)
    assert rv.headers.get("Vary") == "Cookie", (path, rv.status_code)
    # Read only: the cookie is neither set again nor deleted.
    assert "Set-Cookie" not in rv.headers
    assert len(errors) == (1 if path == "/r/error" else 0)


def test_no_vary_when_session_untouched(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/set")
    rv = client.get("/plain")
    assert "Vary" not in rv.headers
    assert "Set-Cookie" not in rv.headers


def test_vary_cookie_added_to_existing_vary(app: Flask, client: FlaskClient) -> None:
    @app.route("/varied")
    def varied() -> t.Any:
        session.get("user")
        return "x", {"Vary": "Accept-Encoding"}

    rv = client.get("/varied")
    assert {v.strip() for v in rv.headers["Vary"].split(",")} == {
        "Accept-Encoding",
        "Cookie",
    }


def test_flash_sets_cookie_and_vary(app: Flask, client: FlaskClient) -> None:
    _reader_app(app)

    @app.route("/flash")
    def do_flash() -> str:
        flash("hello")
        return "flashed"

    rv = client.get("/flash")
    assert rv.headers["Vary"] == "Cookie"
    assert rv.headers["Set-Cookie"].startswith("session=")
    assert client.get("/r/flashes").data == b"['hello']"
