"""Client mistakes become 4xx responses (or are tolerated), never 500s.

Every test runs with ``PROPAGATE_EXCEPTIONS`` off and asserts that no
unhandled exception was recorded (the ``errors`` fixture), so a bug that a
custom error page would hide still fails here.
"""

from __future__ import annotations

import time
import typing as t

import itsdangerous.timed
import pytest

from flask import Flask
from flask import request
from flask import session
from flask.testing import FlaskClient


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.route("/session")
    def read_session() -> dict[str, t.Any]:
        return {"session": dict(session)}

    @app.route("/session/set")
    def set_session() -> str:
        session["user"] = request.args.get("user", "alice")
        return "set"

    @app.post("/json")
    def post_json() -> dict[str, t.Any]:
        return {"json": request.get_json()}

    @app.post("/json/silent")
    def post_json_silent() -> dict[str, t.Any]:
        return {"json": request.get_json(silent=True)}

    @app.post("/json/force")
    def post_json_force() -> dict[str, t.Any]:
        return {"json": request.get_json(force=True)}

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> dict[str, t.Any]:
        return {
            "args": request.args.to_dict(),
            "form": request.form.to_dict(),
            "header": request.headers.get("X-Custom"),
            "cookies": request.cookies.to_dict(),
            "path": request.path,
        }

    @app.route("/p/<path:rest>")
    def path_view(rest: str) -> dict[str, str]:
        return {"rest": rest}

    @app.route("/int/<int:n>")
    def int_view(n: int) -> dict[str, int]:
        return {"n": n}

    @app.route("/signed/<int(signed=True):n>")
    def signed_view(n: int) -> dict[str, int]:
        return {"n": n}

    @app.route("/float/<float:x>")
    def float_view(x: float) -> dict[str, float]:
        return {"x": x}

    @app.route("/uuid/<uuid:u>")
    def uuid_view(u: t.Any) -> str:
        return str(u)

    @app.route("/host")
    def host_view() -> dict[str, str]:
        return {"host": request.host}

    return app


# -- cookies and session cookies -------------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    [
        "session=garbage",
        "session=",
        "session=....",
        "session=a.b.c.d.e",
        'session="unterminated',
        "session=\xff\xfe\xfd",
        ";;;;===;;",
        "=value-without-name",
        "session=" + "A" * 10_000,
        "a=1; session; b=2",
        "session=.eJyrVkrKz8lJLS5RslIqLU4tUqoFAEm8B5M.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_garbage_cookie_gives_empty_session(
    client: FlaskClient, errors: list[BaseException], cookie: str
) -> None:
    rv = client.get("/session", headers={"Cookie": cookie})
    assert rv.status_code == 200
    assert rv.json == {"session": {}}
    assert errors == []


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _flip_signature(value: str) -> str:
    # The first signature character: the last one partly encodes padding
    # bits that base64 decoding ignores.
    head, _, sig = value.rpartition(".")
    return f"{head}.{'B' if sig[0] == 'A' else 'A'}{sig[1:]}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_flip_signature, id="sig"),
        pytest.param(lambda v: "eyJ1c2VyIjoiYWRtaW4ifQ" + v[v.index(".") :], id="data"),
        pytest.param(lambda v: v.rsplit(".", 1)[0], id="no-sig"),
        pytest.param(lambda v: v.replace(".", "", 1), id="merged"),
        pytest.param(lambda v: v + "." + v, id="doubled"),
    ],
)
def test_tampered_session_cookie_is_rejected(
    client: FlaskClient, errors: list[BaseException], tamper: t.Any
) -> None:
    client.get("/session/set?user=bob")
    good = _session_cookie(client)
    assert client.get("/session").json == {"session": {"user": "bob"}}
    client.set_cookie("session", tamper(good))
    rv = client.get("/session")
    assert rv.status_code == 200
    assert rv.json == {"session": {}}
    assert errors == []


def test_expired_session_cookie_is_rejected(
    app: Flask,
    client: FlaskClient,
    errors: list[BaseException],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    with monkeypatch.context() as m:
        # Sign the cookie two minutes in the past.
        m.setattr(
            itsdangerous.timed.TimestampSigner,
            "get_timestamp",
            lambda self: int(time.time()) - 120,
        )
        client.get("/session/set")
    rv = client.get("/session")
    assert rv.status_code == 200
    assert rv.json == {"session": {}}
    assert errors == []


@pytest.mark.parametrize("payload", [[1, 2], "text", 42, None])
def test_signed_cookie_with_non_dict_payload_gives_empty_session(
    app: Flask, client: FlaskClient, errors: list[BaseException], payload: t.Any
) -> None:
    # Only someone holding the key can make one, but real Flask answers 500.
    signer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    client.set_cookie("session", signer.dumps(payload))
    rv = client.get("/session")
    assert rv.status_code == 200
    assert rv.json == {"session": {}}
    assert errors == []


# -- JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{bad", b"", b"[1,]", b"\xff\xfe{", b'{"a": 1} x', b"1" * 5000, b'"\\u00"'],
)
def test_invalid_json_is_400(
    client: FlaskClient, errors: list[BaseException], body: bytes
) -> None:
    rv = client.post("/json", data=body, content_type="application/json")
    assert rv.status_code == 400
    assert b"Bad Request" in rv.data
    assert errors == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="arrays"),
        pytest.param('{"a":' * 50_000 + "1" + "}" * 50_000, id="objects"),
    ],
)
def test_too_deeply_nested_json_is_400(
    client: FlaskClient, errors: list[BaseException], body: str
) -> None:
    rv = client.post("/json", data=body, content_type="application/json")
    assert errors == []
    assert rv.status_code == 400


def test_reasonably_nested_json_is_accepted(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    rv = client.post(
        "/json", data="[" * 200 + "]" * 200, content_type="application/json"
    )
    assert rv.status_code == 200
    assert errors == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", None]
)
def test_get_json_with_non_json_content_type_is_415(
    client: FlaskClient, errors: list[BaseException], content_type: str | None
) -> None:
    rv = client.post("/json", data=b'{"a": 1}', content_type=content_type)
    assert rv.status_code == 415
    assert errors == []
    # silent and force are the documented ways around it.
    rv = client.post("/json/silent", data=b'{"a": 1}', content_type=content_type)
    assert rv.json == {"json": None}
    rv = client.post("/json/force", data=b'{"a": 1}', content_type=content_type)
    assert rv.json == {"json": {"a": 1}}


def test_json_with_unknown_charset_parameter(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    rv = client.post(
        "/json", data=b'{"a": 1}', content_type="application/json; charset=bogus"
    )
    assert rv.status_code == 200
    assert rv.json == {"json": {"a": 1}}
    assert errors == []


# -- invalid UTF-8 -------------------------------------------------------------------
# A WSGI server hands over the raw request bytes as latin-1 strings.


def test_invalid_utf8_in_path(raw: t.Any, errors: list[BaseException]) -> None:
    rv = raw("/p/caf\xc3\xa9-\xff\xfe")
    assert rv.status_code == 200
    assert rv.body == b'{"rest":"caf\\u00e9-\\ufffd\\ufffd"}\n'
    assert raw("/int/\xff").status_code == 404
    assert raw("/static/\xff\xfe.txt").status_code == 404
    assert errors == []


def test_percent_encoded_invalid_utf8_in_query(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    rv = client.get("/echo?x=%FF%FE&y=1")
    assert rv.status_code == 200
    assert rv.json["args"] == {"x": "%FF%FE", "y": "1"}
    assert errors == []


def test_raw_invalid_utf8_in_query(raw: t.Any, errors: list[BaseException]) -> None:
    rv = raw("/echo", query="x=\xff\xfe&y=1")
    assert errors == []
    assert rv.status_code == 200
    # The same as the percent-encoded form of these bytes.
    assert b'"args":{"x":"%FF%FE","y":"1"}' in rv.body


def test_invalid_utf8_in_header_and_cookie(
    raw: t.Any, errors: list[BaseException]
) -> None:
    rv = raw("/echo", headers={"X-Custom": "\xff\xfe", "Cookie": "k=\xff\xfe"})
    assert rv.status_code == 200
    assert b'"header":"\\u00ff\\u00fe"' in rv.body
    assert errors == []


def test_percent_encoded_invalid_utf8_in_form(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    rv = client.post(
        "/echo",
        data=b"a=%FF&b=2",
        content_type="application/x-www-form-urlencoded",
    )
    assert rv.status_code == 200
    assert rv.json["form"] == {"a": "%FF", "b": "2"}
    assert errors == []


def test_invalid_utf8_in_multipart_value(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="b"\r\n\r\n2\r\n--XX--\r\n'
    )
    rv = client.post(
        "/echo", data=body, content_type="multipart/form-data; boundary=XX"
    )
    assert rv.status_code == 200
    assert rv.json["form"] == {"a": "\ufffd\ufffd", "b": "2"}
    assert errors == []


# -- Host header -----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["..", "a..b", "example..com:80"])
def test_host_with_empty_label_is_400(
    client: FlaskClient, errors: list[BaseException], host: str
) -> None:
    rv = client.get("/host", headers={"Host": host})
    assert rv.status_code == 400
    assert errors == []


@pytest.mark.parametrize(
    "host",
    ["exa mple.com", "[::1", "a:99999999", "a:-1", "a/b", "a@b", "\x8a", "\xff b"],
)
def test_malformed_host_is_400(
    client: FlaskClient, errors: list[BaseException], host: str
) -> None:
    rv = client.get("/host", headers={"Host": host})
    assert errors == []
    assert rv.status_code == 400


@pytest.mark.parametrize("host", ["my-service:5000", "localhost", "127.0.0.1:8000"])
def test_usual_hosts_are_accepted(
    client: FlaskClient, errors: list[BaseException], host: str
) -> None:
    rv = client.get("/host", headers={"Host": host})
    assert rv.status_code == 200
    assert errors == []


# -- URL converters --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/int/" + "5" * 5000, id="int-5000-digits"),
        pytest.param("/signed/-" + "9" * 5000, id="signed-5000-digits"),
        "/int/-1",
        "/int/1.5",
        "/int/0x10",
        "/float/1",
        "/float/1.5.5",
        "/uuid/" + "a" * 40,
        "/uuid/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    ],
)
def test_converter_rejects_with_404(
    client: FlaskClient, errors: list[BaseException], path: str
) -> None:
    rv = client.get(path)
    assert rv.status_code == 404
    assert errors == []


def test_large_but_valid_int_is_accepted(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    rv = client.get("/int/" + "9" * 40)
    assert rv.status_code == 200
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/int/\u0661\u0662\u0663",  # Arabic-Indic digits
        "/int/\uff11\uff12",  # full-width digits
        "/int/\u0967",  # Devanagari one
        "/float/\u0661.\u0665",
    ],
)
def test_non_ascii_digits_are_404(
    client: FlaskClient, errors: list[BaseException], path: str
) -> None:
    rv = client.get(path)
    assert errors == []
    assert rv.status_code == 404


# -- methods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["FOO", "PROPFIND", "TRACE", "CONNECT", "G\xc3\xa9T", "", "DELETE"]
)
def test_unknown_method_is_405_with_allow(
    raw: t.Any, errors: list[BaseException], method: str
) -> None:
    rv = raw("/int/1", REQUEST_METHOD=method)
    assert rv.status_code == 405
    allow = {m.strip() for m in rv.headers["Allow"].split(",")}
    assert allow == {"GET", "HEAD", "OPTIONS"}
    assert errors == []


def test_unknown_method_on_unknown_url_is_404(
    raw: t.Any, errors: list[BaseException]
) -> None:
    assert raw("/nowhere", REQUEST_METHOD="FOO").status_code == 404
    assert errors == []


def test_lowercase_method_is_normalized(raw: t.Any) -> None:
    rv = raw("/int/7", REQUEST_METHOD="get")
    assert rv.status_code == 200
    assert rv.body == b'{"n":7}\n'
