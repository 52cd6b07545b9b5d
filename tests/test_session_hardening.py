"""Session cookie hardening beyond Flask: a single fallback key, bounded
decompression, canonical signatures, and cookie-name prefix rules."""

from __future__ import annotations

import hashlib
import json
import typing as t
import zlib

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

import flask
from flask._signing import _compress
from flask._signing import _inflate
from flask._signing import MAX_PAYLOAD_SIZE
from flask.sessions import session_json_serializer


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
    """GET /get with the cookie put in the environ as is (a test client
    refuses some bytes a raw client can send)."""
    environ = EnvironBuilder("/get").get_environ()
    environ["HTTP_COOKIE"] = f"session={cookie}"
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert status == "200 OK"
    return b"".join(body)


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


# -- bounded decompression -------------------------------------------------------------


class ConcatInterface(flask.sessions.SecureCookieSessionInterface):
    """Other signing settings: cookies go through itsdangerous, not the
    one-pass codec."""

    key_derivation = "django-concat"


INTERFACES = pytest.mark.parametrize(
    "interface", [None, ConcatInterface], ids=["codec", "serializer"]
)


def _signed(app: flask.Flask, data: dict[str, t.Any]) -> str:
    with app.app_context():
        return app.session_interface._codec(app).dumps(data)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(
    "interface", [None, ConcatInterface], ids=["codec", "serializer"]
)
def test_payload_inflating_over_limit_is_empty_session(
    reader: flask.Flask, interface: t.Any
) -> None:
    if interface is not None:
        reader.session_interface = interface()
    limit = MAX_PAYLOAD_SIZE
    assert limit == 256 * 1024
    # The JSON is {"x":"aaa..."}: 8 bytes around the string.
    fits = _signed(reader, {"x": "a" * (limit - 8)})
    over = _signed(reader, {"x": "a" * (limit - 7)})
    assert fits[0] == over[0] == "."  # compressed
    assert len(over) < 1000
    assert _read(reader, fits) == repr({"x": "a" * (limit - 8)}).encode()
    assert _read(reader, over) == b"{}"
    bomb = _signed(reader, {"x": "a" * 3_000_000})
    assert len(bomb) < 4096
    assert _read(reader, bomb) == b"{}"


@pytest.mark.parametrize(
    "interface", [None, ConcatInterface], ids=["codec", "serializer"]
)
def test_payload_limit_is_configurable(reader: flask.Flask, interface: t.Any) -> None:
    cls = interface or flask.sessions.SecureCookieSessionInterface
    reader.session_interface = type("Small", (cls,), {"max_payload_size": 1000})()
    assert (
        _read(reader, _signed(reader, {"x": "a" * 992}))
        == repr({"x": "a" * 992}).encode()
    )
    assert _read(reader, _signed(reader, {"x": "a" * 993})) == b"{}"


@settings(max_examples=500, deadline=None)
@given(
    data=st.binary(max_size=300),
    cut=st.integers(0, 20),
    junk=st.binary(max_size=3),
    limit=st.integers(0, 400),
)
def test_inflate_matches_zlib(data: bytes, cut: int, junk: bytes, limit: int) -> None:
    stream = zlib.compress(data)
    stream = stream[: len(stream) - cut] + junk if cut else stream + junk
    try:
        expected: bytes | None = zlib.decompress(stream)
    except zlib.error:
        expected = None
    try:
        got: bytes | None = _inflate(stream, limit)
    except (zlib.error, ValueError):
        got = None
    if expected is not None and len(expected) > limit:
        assert got is None
    else:
        assert got == expected


# -- cookie name prefixes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "settings", "problem"),
    [
        ("__Host-session", {}, "SESSION_COOKIE_SECURE is not True"),
        (
            "__Host-session",
            {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_DOMAIN": "example.com"},
            "SESSION_COOKIE_DOMAIN is set ('example.com')",
        ),
        (
            "__Host-session",
            {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_PATH": "/app"},
            "the cookie path is '/app'",
        ),
        (
            "__Host-session",
            {"SESSION_COOKIE_SECURE": True, "APPLICATION_ROOT": "/app"},
            "the cookie path is '/app'",
        ),
        ("__host-s", {}, "SESSION_COOKIE_SECURE is not True"),
        ("__Secure-session", {}, "SESSION_COOKIE_SECURE is not True"),
        ("__SECURE-s", {"SESSION_COOKIE_DOMAIN": "example.com"}, "not True"),
    ],
)
def test_bad_prefixed_cookie_rejected_at_first_request(
    app: flask.Flask, name: str, settings: dict[str, t.Any], problem: str
) -> None:
    app.config.update(SESSION_COOKIE_NAME=name, **settings)
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    # Even a request that does not use the session fails, every time.
    for _ in range(2):
        with pytest.raises(ValueError, match="prefix") as info:
            client.get("/")
        assert problem in str(info.value)
        assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("__Host-session", {"SESSION_COOKIE_SECURE": True}),
        (
            "__Host-session",
            {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_PATH": "/"},
        ),
        (
            "__Secure-session",
            {
                "SESSION_COOKIE_SECURE": True,
                "SESSION_COOKIE_DOMAIN": "example.com",
                "SESSION_COOKIE_PATH": "/app",
            },
        ),
        ("session", {"SESSION_COOKIE_DOMAIN": "example.com"}),
        ("_Host-session", {}),
        ("x__Secure-session", {}),
    ],
)
def test_valid_prefixed_cookie_works(
    app: flask.Flask, name: str, settings: dict[str, t.Any]
) -> None:
    app.config.update(SESSION_COOKIE_NAME=name, **settings)

    @app.route("/set")
    def set_value() -> str:
        flask.session["a"] = 1
        return "ok"

    rv = app.test_client().get("/set", base_url="https://example.com/app")
    assert rv.status_code == 200
    assert rv.headers["Set-Cookie"].startswith(f"{name}=")


def test_prefix_check_uses_the_session_interface(app: flask.Flask) -> None:
    class Interface(flask.sessions.SecureCookieSessionInterface):
        def get_cookie_name(self, app: flask.Flask) -> str:
            return "__Host-custom"

        def get_cookie_secure(self, app: flask.Flask) -> bool:
            return True

    app.session_interface = Interface()
    app.config["SESSION_COOKIE_PATH"] = "/api"
    app.add_url_rule("/", "index", lambda: "ok")
    with pytest.raises(ValueError, match="'__Host-custom'.*'/api'"):
        app.test_client().get("/")
    app.config["SESSION_COOKIE_PATH"] = "/"
    assert app.test_client().get("/").data == b"ok"


# -- canonical signatures ------------------------------------------------------------

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _respellings(cookie: str) -> dict[str, str]:
    """Other spellings of ``cookie``'s signature that lenient base64 decodes
    to the same bytes."""
    value, _, sig = cookie.rpartition(".")
    last = _ALPHABET.index(sig[-1])
    # SHA-1: 20 bytes in 27 characters, the last 2 bits unused.
    assert last & 3 == 0
    spellings = {
        "padding": sig + "=",
        "double-padding": sig + "==",
        "junk": sig[:5] + "!!!!" + sig[5:],
        "junk-padded": sig[:5] + "!" + sig[5:] + "=",
        "newline": sig[:5] + "\n" + sig[5:] + "=",
        "last-bits": sig[:-1] + _ALPHABET[last | 1],
        "last-bits-high": sig[:-1] + _ALPHABET[last | 3],
    }
    standard = sig.replace("-", "+").replace("_", "/")
    if standard != sig:
        spellings["standard-alphabet"] = standard
    return {k: f"{value}.{v}" for k, v in spellings.items()}


@INTERFACES
def test_only_canonical_signature_accepted(
    reader: flask.Flask, interface: t.Any
) -> None:
    if interface is not None:
        reader.session_interface = interface()
    seen: set[str] = set()
    for i in range(40):  # enough cookies for signatures with '-' and '_'
        cookie = _signed(reader, {"n": i})
        assert _read(reader, cookie) == repr({"n": i}).encode()
        for kind, spelling in _respellings(cookie).items():
            assert _read(reader, spelling) == b"{}", kind
            seen.add(kind)
    assert "standard-alphabet" in seen


def test_lenient_spellings_verify_with_itsdangerous() -> None:
    """The spellings rejected above are ones plain itsdangerous accepts:
    the test checks something real."""
    serializer = _serializer("test key")
    cookie = serializer.dumps({"n": 1})
    for kind, spelling in _respellings(cookie).items():
        assert serializer.loads(spelling) == {"n": 1}, kind


# -- what _compress documents ---------------------------------------------------------


def test_small_compression_differs_but_reads_back() -> None:
    """Small inputs are compressed differently from ``zlib.compress`` (not
    just in the header), and zlib reads them back."""
    payloads = [
        json.dumps({f"key{i}": "value" * (i % 7) for i in range(n)}).encode()
        for n in range(1, 40)
    ]
    bodies_differ = 0
    for data in payloads:
        ours, reference = _compress(data), zlib.compress(data)
        assert zlib.decompress(ours) == data
        if len(data) > 512:
            assert ours == reference
            continue
        assert ours[:2] != reference[:2]  # the window recorded in the header
        if ours[2:] != reference[2:]:
            bodies_differ += 1
    assert any(len(data) > 512 for data in payloads)
    assert bodies_differ > 5
