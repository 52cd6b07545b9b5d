from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import typing as t
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.http import parse_date

import flask
from flask.sessions import NullSession
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface
from flask.sessions import session_json_serializer
from flask.sessions import SessionInterface
from flask.sessions import SessionMixin
from flask.testing import FlaskClient

Client = FlaskClient


def set_cookie_headers(rv: t.Any) -> list[str]:
    return rv.headers.getlist("Set-Cookie")  # type: ignore[no-any-return]


def make_serializer(
    *keys: str, signer: type[TimestampSigner] = TimestampSigner
) -> URLSafeTimedSerializer:
    """An independent serializer with the documented cookie settings."""
    return URLSafeTimedSerializer(
        list(keys),
        salt="cookie-session",
        serializer=session_json_serializer,
        signer=signer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


@pytest.fixture
def session_app(app: flask.Flask) -> flask.Flask:
    @app.post("/set")
    def set_value() -> str:
        for key, value in flask.request.form.items():
            flask.session[key] = value
        return "set"

    @app.get("/get/<key>")
    def get_value(key: str) -> str:
        return repr(flask.session.get(key))

    @app.get("/dump")
    def dump() -> str:
        return json.dumps(dict(flask.session), sort_keys=True)

    @app.get("/nothing")
    def nothing() -> str:
        return "nothing"

    @app.post("/clear")
    def clear() -> str:
        flask.session.clear()
        return "cleared"

    @app.post("/permanent")
    def permanent() -> str:
        flask.session.permanent = True
        flask.session["p"] = 1
        return "permanent"

    return app


# --- basic behaviour -------------------------------------------------------


def test_session_round_trip(session_app: flask.Flask, client: Client) -> None:
    rv = client.post("/set", data={"value": "42"})
    assert rv.data == b"set"
    cookie = set_cookie_headers(rv)[0]
    assert cookie.startswith("session=")
    assert "; HttpOnly; Path=/" in cookie
    assert "Expires" not in cookie
    assert rv.headers["Vary"] == "Cookie"
    assert client.get("/get/value").data == b"'42'"


def test_session_types_round_trip(app: flask.Flask, client: Client) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    uid = uuid.uuid4()

    @app.route("/set")
    def set_values() -> str:
        flask.session["t"] = (1, 2, 3)
        flask.session["b"] = b"\x00\xff"
        flask.session["m"] = Markup("<b>x</b>")
        flask.session["u"] = uid
        flask.session["d"] = now
        flask.session["nested"] = {" t": (1,), "list": [(2,)]}
        flask.session["text"] = "héllo"
        return ""

    @app.route("/check")
    def check() -> str:
        s = flask.session
        assert s["t"] == (1, 2, 3)
        assert s["b"] == b"\x00\xff"
        assert s["m"] == Markup("<b>x</b>") and isinstance(s["m"], Markup)
        assert s["u"] == uid
        assert s["d"] == now
        assert s["nested"] == {" t": (1,), "list": [(2,)]}
        assert s["text"] == "héllo"
        return "ok"

    client.get("/set")
    assert client.get("/check").data == b"ok"


def test_unused_session_sets_nothing(session_app: flask.Flask, client: Client) -> None:
    rv = client.get("/nothing")
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers


def test_read_only_access_sets_vary_not_cookie(
    session_app: flask.Flask, client: Client
) -> None:
    client.post("/set", data={"a": "1"})
    rv = client.get("/get/a")
    assert rv.data == b"'1'"
    assert rv.headers["Vary"] == "Cookie"
    assert set_cookie_headers(rv) == []


@pytest.mark.parametrize(
    "op",
    [
        lambda s: s["a"] if "a" in s else None,
        lambda s: "a" in s,
        lambda s: len(s),
        lambda s: bool(s),
        lambda s: list(s),
        lambda s: s.get("a"),
        lambda s: s.keys(),
        lambda s: s.items(),
        lambda s: s.values(),
        lambda s: s.permanent,
    ],
)
def test_any_read_sets_vary(
    app: flask.Flask, client: Client, op: t.Callable[[t.Any], t.Any]
) -> None:
    @app.route("/")
    def index() -> str:
        op(flask.session)
        return ""

    rv = client.get("/")
    assert rv.headers["Vary"] == "Cookie"
    assert set_cookie_headers(rv) == []


def test_vary_added_to_existing(app: flask.Flask, client: Client) -> None:
    @app.route("/")
    def index() -> flask.Response:
        flask.session.get("x")
        rv = flask.make_response("")
        rv.vary.add("Accept-Encoding")
        return rv

    rv = client.get("/")
    assert rv.headers["Vary"] == "Accept-Encoding, Cookie"


def test_in_place_mutation_needs_modified(app: flask.Flask, client: Client) -> None:
    @app.route("/init")
    def init() -> str:
        flask.session["items"] = []
        return ""

    @app.route("/append/<flag>")
    def append(flag: str) -> str:
        flask.session["items"].append(flag)
        if flag == "mark":
            flask.session.modified = True
        return ""

    @app.route("/items")
    def items() -> str:
        return ",".join(flask.session["items"])

    client.get("/init")
    rv = client.get("/append/lost")
    assert set_cookie_headers(rv) == []
    assert client.get("/items").data == b""
    rv = client.get("/append/mark")
    assert len(set_cookie_headers(rv)) == 1
    assert client.get("/items").data == b"mark"


def test_session_in_test_request_context(app: flask.Flask) -> None:
    with app.test_request_context():
        assert isinstance(flask.session._get_current_object(), SecureCookieSession)
        assert flask.session.get("missing") is None
        flask.session["a"] = 1
        assert flask.session["a"] == 1


# --- cookie options --------------------------------------------------------


def test_cookie_options(session_app: flask.Flask, client: Client) -> None:
    session_app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN=".example.com",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    rv = client.post("/set", data={"a": "1"})
    (cookie,) = set_cookie_headers(rv)
    assert cookie.startswith("sid=")
    parts = [p.strip() for p in cookie.split(";")]
    assert "Domain=example.com" in parts
    assert "Path=/app" in parts
    assert "Secure" in parts
    assert "SameSite=Lax" in parts
    assert "Partitioned" in parts
    assert "HttpOnly" not in parts


@pytest.mark.parametrize("samesite", ["Strict", "Lax", "None"])
def test_cookie_samesite(
    session_app: flask.Flask, client: Client, samesite: str
) -> None:
    session_app.config["SESSION_COOKIE_SAMESITE"] = samesite
    (cookie,) = set_cookie_headers(client.post("/set", data={"a": "1"}))
    assert f"SameSite={samesite}" in cookie


def test_cookie_path_falls_back_to_application_root(
    session_app: flask.Flask, client: Client
) -> None:
    session_app.config["APPLICATION_ROOT"] = "/root"
    (cookie,) = set_cookie_headers(client.post("/set", data={"a": "1"}))
    assert "Path=/root" in cookie


def test_cookie_name_used_for_reading(session_app: flask.Flask, client: Client) -> None:
    session_app.config["SESSION_COOKIE_NAME"] = "custom"
    client.post("/set", data={"a": "x"})
    assert client.get_cookie("custom") is not None
    assert client.get_cookie("session") is None
    assert client.get("/get/a").data == b"'x'"


def test_domain_cookie_sent_back(session_app: flask.Flask) -> None:
    session_app.config["SESSION_COOKIE_DOMAIN"] = "example.com"
    client = session_app.test_client()
    rv = client.post("/set", data={"a": "1"}, base_url="http://www.example.com")
    assert "Domain=example.com" in set_cookie_headers(rv)[0]
    rv = client.get("/get/a", base_url="http://example.com")
    assert rv.data == b"'1'"


def test_clear_deletes_cookie_with_same_flags(
    session_app: flask.Flask, client: Client
) -> None:
    session_app.config.update(
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/p",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    base = "https://example.com/p"
    client.post("/set", data={"a": "1"}, base_url=base)
    rv = client.post("/clear", base_url=base)
    (cookie,) = set_cookie_headers(rv)
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0] == "session="
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in parts
    assert "Max-Age=0" in parts
    for flag in (
        "Domain=example.com",
        "Path=/p",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Partitioned",
    ):
        assert flag in parts
    assert rv.headers["Vary"] == "Cookie"
    assert client.get_cookie("session", domain="example.com", path="/p") is None


def test_clear_of_empty_session_deletes_cookie(
    app: flask.Flask, client: Client
) -> None:
    @app.route("/")
    def index() -> str:
        flask.session.modified = True
        return ""

    (cookie,) = set_cookie_headers(client.get("/"))
    assert cookie.startswith("session=;")
    assert "Max-Age=0" in cookie


def test_empty_unmodified_session_sets_nothing(
    app: flask.Flask, client: Client
) -> None:
    @app.route("/")
    def index() -> str:
        flask.session.pop("missing", None)
        return ""

    rv = client.get("/")
    assert set_cookie_headers(rv) == []


# --- permanent sessions and refresh ----------------------------------------


def test_permanent_session_expires(session_app: flask.Flask, client: Client) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    rv = client.post("/permanent")
    (cookie,) = set_cookie_headers(rv)
    expires_text = cookie.split("Expires=")[1].split(";")[0]
    expires = parse_date(expires_text)
    assert expires is not None
    expected = before + session_app.permanent_session_lifetime
    assert expected <= expires <= expected + timedelta(seconds=5)
    assert client.get("/get/_permanent").data == b"True"


def test_permanent_lifetime_as_int(session_app: flask.Flask, client: Client) -> None:
    session_app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    before = datetime.now(timezone.utc).replace(microsecond=0)
    (cookie,) = set_cookie_headers(client.post("/permanent"))
    expires = parse_date(cookie.split("Expires=")[1].split(";")[0])
    assert expires is not None
    assert before + timedelta(hours=1) <= expires <= before + timedelta(seconds=3605)


def test_permanent_session_refreshed_each_request(
    session_app: flask.Flask, client: Client
) -> None:
    client.post("/permanent")
    # The view does not touch the session; the cookie is refreshed anyway.
    rv = client.get("/nothing")
    (cookie,) = set_cookie_headers(rv)
    assert "Expires=" in cookie
    assert rv.headers["Vary"] == "Cookie"


def test_permanent_session_no_refresh(session_app: flask.Flask, client: Client) -> None:
    session_app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.post("/permanent")
    assert set_cookie_headers(client.get("/nothing")) == []
    assert set_cookie_headers(client.get("/get/p")) == []
    assert len(set_cookie_headers(client.post("/set", data={"a": "1"}))) == 1


def test_non_permanent_session_not_refreshed(
    session_app: flask.Flask, client: Client
) -> None:
    client.post("/set", data={"a": "1"})
    rv = client.get("/nothing")
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers


def test_permanent_flag() -> None:
    s = SecureCookieSession()
    assert s.permanent is False
    s.permanent = 1  # type: ignore[assignment]
    assert s["_permanent"] is True
    assert s.modified
    s.permanent = False
    assert s.permanent is False


def test_expired_cookie_gives_empty_session(
    session_app: flask.Flask, client: Client
) -> None:
    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3600

    session_app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    old = make_serializer("test key", signer=OldSigner).dumps({"a": "old"})
    fresh = make_serializer("test key").dumps({"a": "fresh"})
    client.set_cookie("session", old)
    assert client.get("/get/a").data == b"None"
    client.set_cookie("session", fresh)
    assert client.get("/get/a").data == b"'fresh'"


# --- bad cookies -----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "a.b.c",
        "....",
        "eyJhIjoxfQ.AAAAAA.invalidsignature",
        "\x00\xff",
        "é" * 10,
    ],
)
def test_bad_cookie_gives_empty_session(
    session_app: flask.Flask, client: Client, value: str
) -> None:
    client.set_cookie("session", value)
    rv = client.get("/dump")
    assert rv.status_code == 200
    assert rv.data == b"{}"


def test_tampered_cookie(session_app: flask.Flask, client: Client) -> None:
    client.post("/set", data={"user": "alice"})
    cookie = client.get_cookie("session")
    assert cookie is not None
    payload, ts, sig = cookie.value.split(".")
    forged_payload = make_serializer("other").dumps({"user": "admin"}).split(".")[0]
    # The signature's first character: all of its bits count (some bits of
    # the last one do not, so changing it may decode to the same bytes).
    other_sig = ("B" if sig[0] == "A" else "A") + sig[1:]
    for forged in (
        f"{forged_payload}.{ts}.{sig}",
        f"{payload}.{ts}.{other_sig}",
        f"{payload}.{ts}A.{sig}",
        make_serializer("other").dumps({"user": "admin"}),
    ):
        client.set_cookie("session", forged)
        rv = client.get("/get/user")
        assert rv.status_code == 200
        assert rv.data == b"None"


def test_bad_cookie_then_write_replaces_it(
    session_app: flask.Flask, client: Client
) -> None:
    client.set_cookie("session", "garbage")
    client.post("/set", data={"a": "1"})
    assert client.get("/dump").data == b'{"a": "1"}'


# --- secret keys -----------------------------------------------------------


def test_no_secret_key(app: flask.Flask, client: Client) -> None:
    app.secret_key = None

    @app.route("/read")
    def read() -> str:
        assert isinstance(flask.session._get_current_object(), NullSession)
        return repr(flask.session.get("a"))

    @app.route("/write")
    def write() -> str:
        flask.session["a"] = 1
        return ""

    rv = client.get("/read")
    assert rv.data == b"None"
    assert set_cookie_headers(rv) == []
    with pytest.raises(RuntimeError, match="no secret key was set"):
        client.get("/write")


def test_null_session() -> None:
    s = NullSession()
    assert s.get("a") is None
    assert len(s) == 0
    assert "a" not in s
    assert s.permanent is False
    for op in (
        lambda: s.__setitem__("a", 1),
        lambda: s.__delitem__("a"),
        lambda: s.clear(),
        lambda: s.pop("a"),
        lambda: s.popitem(),
        lambda: s.update(a=1),
        lambda: s.setdefault("a", 1),
    ):
        with pytest.raises(RuntimeError, match="no secret key was set"):
            op()


def test_key_rotation(session_app: flask.Flask, client: Client) -> None:
    session_app.secret_key = "old"
    client.post("/set", data={"a": "1"})

    session_app.secret_key = "new"
    assert client.get("/get/a").data == b"None"

    session_app.config["SECRET_KEY_FALLBACKS"] = ["older", "old"]
    assert client.get("/get/a").data == b"'1'"

    rv = client.post("/set", data={"b": "2"})
    assert rv.status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    # New cookies are signed with the current key only.
    assert make_serializer("new").loads(cookie.value) == {"a": "1", "b": "2"}
    with pytest.raises(Exception, match="Signature"):
        make_serializer("old").loads(cookie.value)

    session_app.config["SECRET_KEY_FALLBACKS"] = None
    assert client.get("/dump").data == b'{"a": "1", "b": "2"}'


def test_bytes_secret_key(session_app: flask.Flask, client: Client) -> None:
    session_app.secret_key = b"\x00binary"
    client.post("/set", data={"a": "1"})
    assert client.get("/get/a").data == b"'1'"


def test_signing_serializer_is_cached(app: flask.Flask) -> None:
    interface = SecureCookieSessionInterface()
    first = interface.get_signing_serializer(app)
    assert first is not None
    assert interface.get_signing_serializer(app) is first

    app.secret_key = "changed"
    second = interface.get_signing_serializer(app)
    assert second is not first
    assert second is not None
    assert second.secret_key == b"changed"

    app.config["SECRET_KEY_FALLBACKS"] = ["previous"]
    third = interface.get_signing_serializer(app)
    assert third is not second
    assert third is not None
    assert third.secret_keys == [b"previous", b"changed"]
    assert interface.get_signing_serializer(app) is third

    app.secret_key = ""
    assert interface.get_signing_serializer(app) is None


def test_signing_serializer_settings(app: flask.Flask) -> None:
    interface = SecureCookieSessionInterface()
    s = interface.get_signing_serializer(app)
    assert s is not None
    assert s.salt == b"cookie-session"
    assert s.serializer is session_json_serializer
    signer = s.make_signer()
    assert signer.key_derivation == "hmac"
    assert signer.digest_method().name == "sha1"


def test_subclass_salt_respected(app: flask.Flask) -> None:
    class Salty(SecureCookieSessionInterface):
        salt = "other-salt"

    s = Salty().get_signing_serializer(app)
    assert s is not None
    assert s.salt == b"other-salt"


# --- SameSite validation ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("Strict", "Strict"),
        ("lax", "Lax"),
        ("NONE", "None"),
    ],
)
def test_check_samesite_valid(value: str | None, expected: str | None) -> None:
    from flask.sessions import check_samesite

    assert check_samesite(value) == expected


@pytest.mark.parametrize("value", ["invalid", "", "Strictly", True, 1])
def test_check_samesite_invalid(value: t.Any) -> None:
    from flask.sessions import check_samesite

    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        check_samesite(value)


def test_invalid_samesite_rejected_at_first_request(
    app: flask.Flask, client: Client
) -> None:
    # The app validates the setting when it starts serving, even if the
    # request does not use the session.
    app.config["SESSION_COOKIE_SAMESITE"] = "Sometimes"

    @app.route("/")
    def index() -> str:
        return ""

    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        client.get("/")


# --- the interface ---------------------------------------------------------


def test_session_interface_defaults(app: flask.Flask) -> None:
    interface = SecureCookieSessionInterface()
    assert interface.get_cookie_name(app) == "session"
    assert interface.get_cookie_domain(app) is None
    assert interface.get_cookie_path(app) == "/"
    assert interface.get_cookie_httponly(app) is True
    assert interface.get_cookie_secure(app) is False
    assert interface.get_cookie_samesite(app) is None
    assert interface.get_cookie_partitioned(app) is False
    assert interface.pickle_based is False
    assert isinstance(interface.make_null_session(app), NullSession)
    assert interface.is_null_session(NullSession())
    assert not interface.is_null_session(SecureCookieSession())
    assert isinstance(flask.Flask.session_interface, SecureCookieSessionInterface)


def test_expiration_and_should_set(app: flask.Flask) -> None:
    interface = SecureCookieSessionInterface()
    s = SecureCookieSession({"a": 1})
    assert interface.get_expiration_time(app, s) is None
    assert not interface.should_set_cookie(app, s)
    s.permanent = True
    expires = interface.get_expiration_time(app, s)
    assert expires is not None and expires.tzinfo is not None
    assert interface.should_set_cookie(app, s)
    s.modified = False
    assert interface.should_set_cookie(app, s)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert not interface.should_set_cookie(app, s)


def test_base_interface_not_implemented(app: flask.Flask) -> None:
    interface = SessionInterface()
    with app.test_request_context():
        with pytest.raises(NotImplementedError):
            interface.open_session(app, flask.request)
        with pytest.raises(NotImplementedError):
            interface.save_session(app, SecureCookieSession(), flask.Response())


def test_session_state_flags() -> None:
    s = SecureCookieSession({"a": 1})
    assert (s.new, s.modified, s.accessed) == (False, False, False)
    assert s["a"] == 1
    assert (s.modified, s.accessed) == (False, True)
    s = SecureCookieSession({"a": 1})
    "a" in s  # noqa: B015
    assert s.accessed and not s.modified
    s = SecureCookieSession({"a": 1})
    len(s)
    assert s.accessed and not s.modified
    s = SecureCookieSession()
    s["b"] = 2
    assert s.modified and s.accessed
    s = SecureCookieSession({"a": 1})
    del s["a"]
    assert s.modified
    c = SecureCookieSession({"a": 1}).copy()
    assert type(c) is dict
    assert isinstance(SecureCookieSession(), SessionMixin)


def test_mixin_defaults() -> None:
    class DictSession(dict[str, t.Any], SessionMixin):
        pass

    s = DictSession()
    assert (s.new, s.modified, s.accessed) == (False, True, True)
    s.permanent = True
    assert s["_permanent"] is True


def test_custom_session_interface(app: flask.Flask, client: Client) -> None:
    calls: list[str] = []

    class MemorySession(dict[str, t.Any], SessionMixin):
        pass

    store: dict[str, t.Any] = {}

    class MemoryInterface(SessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> MemorySession:
            calls.append("open")
            return MemorySession(store)

        def save_session(self, app: t.Any, session: t.Any, response: t.Any) -> None:
            calls.append("save")
            store.update(session)
            response.headers["X-Saved"] = self.get_cookie_name(app)

    app.session_interface = MemoryInterface()

    @app.route("/set")
    def set_value() -> str:
        flask.session["x"] = 1
        return ""

    @app.route("/get")
    def get_value() -> str:
        return str(flask.session["x"])

    @app.route("/none")
    def none() -> str:
        return ""

    rv = client.get("/set")
    assert rv.headers["X-Saved"] == "session"
    assert client.get("/get").data == b"1"
    assert calls == ["open", "save", "open", "save"]
    calls.clear()
    # Another interface is opened and saved even when the view does not
    # use the session, as in Flask.
    client.get("/none")
    assert calls == ["open", "save"]


def test_open_session_returning_none_uses_null_session(
    app: flask.Flask, client: Client
) -> None:
    class NoSessions(SecureCookieSessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> None:
            return None

    app.session_interface = NoSessions()

    @app.route("/")
    def index() -> str:
        return type(flask.session._get_current_object()).__name__

    assert client.get("/").data == b"NullSession"


def test_session_after_error_is_saved(app: flask.Flask, client: Client) -> None:
    app.testing = False

    @app.route("/fail")
    def fail() -> str:
        flask.session["seen"] = True
        flask.abort(404)

    rv = client.get("/fail")
    assert rv.status_code == 404
    assert len(set_cookie_headers(rv)) == 1


# --- interoperability with the real Flask ----------------------------------

_OUR_SRC = os.path.dirname(os.path.dirname(flask.__file__))


def _find_reference_python() -> str | None:
    """A Python, other than ours, that imports an installed Flask."""
    candidates = [
        os.environ.get("FLASK_REFERENCE_PYTHON"),
        getattr(sys, "_base_executable", None),
        "/root/.pyenv/versions/3.11.7/bin/python3",
        "/usr/bin/python3",
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for exe in candidates:
        if not exe or not os.path.exists(exe):
            continue
        try:
            out = subprocess.run(
                [exe, "-c", "import flask, os; print(os.path.dirname(flask.__file__))"],
                capture_output=True,
                text=True,
                timeout=60,
                env=env,
                cwd="/",
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        location = out.stdout.strip()
        if out.returncode == 0 and location and not location.startswith(_OUR_SRC):
            return exe
    return None


_REFERENCE_PYTHON = _find_reference_python()
needs_reference = pytest.mark.skipif(
    _REFERENCE_PYTHON is None, reason="no reference Flask installed"
)

# Builds the same session value on both sides.
_SESSION_SETUP = """
import datetime, uuid
from markupsafe import Markup

def fill(session):
    session["str"] = "héllo"
    session["int"] = 3
    session["tuple"] = (1, (2, "x"))
    session["bytes"] = b"\\x00\\xff"
    session["markup"] = Markup("<b>hi</b>")
    session["uuid"] = uuid.UUID(int=123456789)
    session["dt"] = datetime.datetime(2021, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    session["tagkey"] = {" t": [1]}
    session["_flashes"] = [("message", "flashed")]
    session["z_first"] = 1
    session.permanent = True

def describe(session):
    return repr(sorted((k, type(v).__name__, v) for k, v in session.items()))
"""

_REFERENCE_SCRIPT = (
    _SESSION_SETUP
    + """
import sys
from flask import Flask, session

app = Flask("reference")
app.secret_key = sys.argv[2]
app.config["SECRET_KEY_FALLBACKS"] = sys.argv[3:] or None

@app.route("/make")
def make():
    fill(session)
    return ""

@app.route("/read")
def read():
    return describe(session)

client = app.test_client()
if sys.argv[1] == "make":
    client.get("/make")
    print(client.get_cookie("session").value)
else:
    client.set_cookie("session", sys.stdin.read().strip())
    print(client.get("/read").get_data(as_text=True))
"""
)


def _run_reference(*args: str, stdin: str = "") -> str:
    assert _REFERENCE_PYTHON is not None
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [_REFERENCE_PYTHON, "-c", _REFERENCE_SCRIPT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd="/",
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _local_app(secret: str, *fallbacks: str) -> flask.Flask:
    namespace: dict[str, t.Any] = {}
    exec(_SESSION_SETUP, namespace)
    app = flask.Flask("local")
    app.secret_key = secret
    app.config["SECRET_KEY_FALLBACKS"] = list(fallbacks) or None

    @app.route("/make")
    def make() -> str:
        namespace["fill"](flask.session)
        return ""

    @app.route("/read")
    def read() -> str:
        return namespace["describe"](flask.session)  # type: ignore[no-any-return]

    return app


def _expected_description() -> str:
    namespace: dict[str, t.Any] = {}
    exec(_SESSION_SETUP, namespace)
    s = SecureCookieSession()
    namespace["fill"](s)
    return namespace["describe"](s)  # type: ignore[no-any-return]


@needs_reference
def test_reference_cookie_read_by_us() -> None:
    cookie = _run_reference("make", "shared secret")
    client = _local_app("shared secret").test_client()
    client.set_cookie("session", cookie)
    assert client.get("/read").get_data(as_text=True) == _expected_description()


@needs_reference
def test_our_cookie_read_by_reference() -> None:
    client = _local_app("shared secret").test_client()
    client.get("/make")
    cookie = client.get_cookie("session")
    assert cookie is not None
    described = _run_reference("read", "shared secret", stdin=cookie.value)
    assert described == _expected_description()


@needs_reference
def test_cookie_payload_identical_to_reference() -> None:
    theirs = _run_reference("make", "shared secret")
    client = _local_app("shared secret").test_client()
    client.get("/make")
    ours = client.get_cookie("session")
    assert ours is not None
    # Same JSON payload; the timestamp and signature may differ, and so may
    # the zlib header of a compressed payload (ours uses a small window).
    assert _payload_json(ours.value) == _payload_json(theirs)
    assert ours.value.startswith(".") == theirs.startswith(".")


def _payload_json(cookie: str) -> bytes:
    import base64
    import zlib

    payload = cookie.rsplit(".", 2)[0]
    compressed = payload.startswith(".")
    raw = payload.lstrip(".").encode()
    data = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    return zlib.decompress(data) if compressed else data


@needs_reference
def test_rotated_key_across_implementations() -> None:
    # Reference signs with the old key; we read it through the fallback.
    cookie = _run_reference("make", "old secret")
    client = _local_app("new secret", "old secret").test_client()
    client.set_cookie("session", cookie)
    assert client.get("/read").get_data(as_text=True) == _expected_description()
    # Without the fallback the cookie is ignored.
    client = _local_app("new secret").test_client()
    client.set_cookie("session", cookie)
    assert client.get("/read").data == b"[]"
    # Our cookie signed with the old key is read by the reference after rotation.
    client = _local_app("old secret").test_client()
    client.get("/make")
    ours = client.get_cookie("session")
    assert ours is not None
    described = _run_reference("read", "new secret", "old secret", stdin=ours.value)
    assert described == _expected_description()
    assert _run_reference("read", "new secret", stdin=ours.value) == "[]"


# -- the one-pass session codec ---------------------------------------------


def _itsdangerous_serializer(keys: list[str]) -> t.Any:
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    from flask.sessions import session_json_serializer

    return URLSafeTimedSerializer(
        keys,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


@pytest.mark.parametrize(
    "data",
    [
        {"user_id": 42, "name": "alice"},
        {"big": "x" * 2000, "t": (1, 2), "b": b"\x00\xff"},  # compressed
        {"small": "y" * 200},  # compressed with the small window
        {},
    ],
)
def test_session_codec_matches_itsdangerous(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch, data: dict[str, t.Any]
) -> None:
    import itsdangerous

    from flask._signing import SessionCodec
    from flask.sessions import session_json_serializer

    monkeypatch.setattr(
        itsdangerous.TimestampSigner, "get_timestamp", lambda self: 1_700_000_000
    )
    keys = ["old key", "new key"]
    codec = SessionCodec(keys, "cookie-session", _sha1, session_json_serializer)
    reference = _itsdangerous_serializer(keys)
    with app.app_context():
        ours = codec.dumps(data)
        theirs = reference.dumps(data)
        if ours.startswith("."):
            # Compressed: same decision, same data, possibly another header.
            assert theirs.startswith(".")
        else:
            assert ours == theirs
        assert reference.loads(ours) == data
        assert codec.loads(theirs, max_age=60) == data
        assert codec.loads(ours, max_age=60) == data
        # A cookie signed with the fallback key still loads.
        old = _itsdangerous_serializer(["old key"]).dumps(data)
        assert codec.loads(old, max_age=60) == data


def _sha1(string: bytes = b"") -> t.Any:
    import hashlib

    return hashlib.sha1(string)


def test_session_codec_rejects_bad_cookies(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itsdangerous
    from itsdangerous import BadPayload
    from itsdangerous import BadSignature
    from itsdangerous import SignatureExpired

    from flask._signing import SessionCodec
    from flask.sessions import session_json_serializer

    codec = SessionCodec(["k"], "cookie-session", _sha1, session_json_serializer)
    with app.app_context():
        good = codec.dumps({"a": 1})
        with pytest.raises(BadSignature):
            codec.loads(good[:-2] + "xx", max_age=60)
        with pytest.raises(BadSignature):
            codec.loads("no-dot", max_age=60)
        with pytest.raises(BadSignature):
            SessionCodec(
                ["other"], "cookie-session", _sha1, session_json_serializer
            ).loads(good, max_age=60)
        monkeypatch.setattr(
            itsdangerous.TimestampSigner,
            "get_timestamp",
            lambda self: int(__import__("time").time()) + 3600,
        )
        with pytest.raises(SignatureExpired):
            codec.loads(good, max_age=60)
        monkeypatch.undo()
        # A validly signed payload that is not JSON.
        bad = (
            _itsdangerous_serializer(["k"])
            .make_signer("cookie-session")
            .sign(b"bm90IGpzb24")
        )
        with pytest.raises(BadPayload):
            codec.loads(bad.decode(), max_age=60)


@pytest.mark.parametrize(
    "header",
    [
        "session=abc.def",
        "a=1; session=abc.def; b=2",
        "  session = abc.def ;x=y",
        "session=abc.def; session=other",
        'a="x;session=evil"; session=abc.def',
        "sessionx=1; xsession=2; session=abc.def",
        "session=ab%20c",
        "session=",
        "other=1",
        "",
        "session",
        'session="quoted.value"',
    ],
)
def test_session_cookie_lookup_matches_werkzeug(header: str) -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from flask.sessions import _session_cookie

    environ = EnvironBuilder(headers={"Cookie": header} if header else {}).get_environ()
    expected = Request(environ).cookies.get("session")
    assert _session_cookie(Request(environ), "session") == expected


def test_custom_session_interface_is_opened_and_saved_on_every_request() -> None:
    """Our cookie session is opened lazily, but another interface (an
    extension's) is opened and saved on every request, as in Flask, even
    when the view never touches the session."""
    calls: list[str] = []

    class Interface(flask.sessions.SecureCookieSessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> t.Any:
            calls.append("open")
            return super().open_session(app, request)

        def save_session(self, app: t.Any, session: t.Any, response: t.Any) -> None:
            calls.append("save")
            response.headers["X-Saved"] = "1"
            super().save_session(app, session, response)

    app = flask.Flask(__name__)
    app.secret_key = "k"
    app.session_interface = Interface()
    app.get("/")(lambda: "ok")
    rv = app.test_client().get("/")
    assert calls == ["open", "save"]
    assert rv.headers["X-Saved"] == "1"
    assert "Set-Cookie" not in rv.headers
