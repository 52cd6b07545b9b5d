"""Session cookie hardening beyond Flask: a single fallback key, bounded
decompression, canonical signatures, and cookie-name prefix rules."""

from __future__ import annotations

import hashlib
import typing as t

import pytest
from itsdangerous import URLSafeTimedSerializer

import flask
from flask.sessions import session_json_serializer
from flask.testing import FlaskClient


def _serializer(key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


@pytest.fixture
def reader(app: flask.Flask) -> flask.Flask:
    @app.route("/get")
    def get_value() -> str:
        return repr(dict(flask.session))

    return app


def _read(app: flask.Flask, cookie: str) -> bytes:
    client: FlaskClient = app.test_client(use_cookies=False)
    return client.get("/get", headers={"Cookie": f"session={cookie}"}).data


# -- SECRET_KEY_FALLBACKS as one string ---------------------------------------------


@pytest.mark.parametrize("fallbacks", ["oldkey", b"oldkey"])
def test_single_fallback_is_one_key(reader: flask.Flask, fallbacks: t.Any) -> None:
    reader.config["SECRET_KEY_FALLBACKS"] = fallbacks
    old = _serializer("oldkey").dumps({"user": "alice"})
    assert _read(reader, old) == b"{'user': 'alice'}"
    # Not one key per character: a cookie signed with "o" is rejected.
    for char in ("o", "l", "d", "k", "e", "y"):
        forged = _serializer(char).dumps({"user": "admin"})
        assert _read(reader, forged) == b"{}"


def test_fallback_from_prefixed_env(
    reader: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", "oldkey")
    reader.config.from_prefixed_env()
    assert reader.config["SECRET_KEY_FALLBACKS"] == "oldkey"
    assert _read(reader, _serializer("oldkey").dumps({"a": 1})) == b"{'a': 1}"
    assert _read(reader, _serializer("o").dumps({"a": 1})) == b"{}"


def test_fallback_list_still_works(reader: flask.Flask) -> None:
    reader.config["SECRET_KEY_FALLBACKS"] = ["k1", b"k2"]
    assert _read(reader, _serializer("k1").dumps({"a": 1})) == b"{'a': 1}"
    assert _read(reader, _serializer(b"k2").dumps({"a": 2})) == b"{'a': 2}"
    assert _read(reader, _serializer("k").dumps({"a": 3})) == b"{}"


def test_single_fallback_with_custom_signing_serializer(app: flask.Flask) -> None:
    """The itsdangerous path (a subclass overriding the serializer) gets the
    same keys."""

    class Interface(flask.sessions.SecureCookieSessionInterface):
        digest_method = staticmethod(hashlib.sha256)

    app.session_interface = Interface()
    app.config["SECRET_KEY_FALLBACKS"] = "oldkey"
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    assert serializer.secret_keys == [b"oldkey", b"test key"]
