"""ASGI scope -> WSGI environ, as a PEP 3333 server builds it."""

from __future__ import annotations

import io
import sys
import typing as t

from flask.asgi._environ import environ_from_scope


def scope(**kw: t.Any) -> dict[str, t.Any]:
    rv: dict[str, t.Any] = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "http_version": "1.1",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("10.0.0.1", 5555),
        "server": ("example.org", 8000),
    }
    rv.update(kw)
    return rv


def test_basic_keys() -> None:
    body = io.BytesIO(b"x")
    s = scope(
        method="POST",
        query_string=b"a=1&b=%C3%A9",
        headers=[
            (b"host", b"example.org:8000"),
            (b"content-type", b"text/plain"),
            (b"content-length", b"1"),
            (b"x-thing", b"1"),
        ],
    )
    env = environ_from_scope(s, body)
    assert env["REQUEST_METHOD"] == "POST"
    assert env["SCRIPT_NAME"] == ""
    assert env["PATH_INFO"] == "/"
    assert env["QUERY_STRING"] == "a=1&b=%C3%A9"
    assert env["CONTENT_TYPE"] == "text/plain"
    assert env["CONTENT_LENGTH"] == "1"
    assert "HTTP_CONTENT_TYPE" not in env
    assert env["HTTP_X_THING"] == "1"
    assert env["HTTP_HOST"] == "example.org:8000"
    assert env["SERVER_NAME"] == "example.org"
    assert env["SERVER_PORT"] == "8000"
    assert env["REMOTE_ADDR"] == "10.0.0.1"
    assert env["REMOTE_PORT"] == "5555"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_URI"] == env["RAW_URI"] == "/?a=1&b=%C3%A9"
    assert env["wsgi.url_scheme"] == "http"
    assert env["wsgi.input"] is body
    assert env["wsgi.errors"] is sys.stderr
    assert env["wsgi.version"] == (1, 0)
    assert env["asgi.scope"] is s
    assert "wsgi.input_terminated" not in env


def test_path_from_raw_path_latin1_of_percent_decoded_bytes() -> None:
    # "é" as UTF-8, an encoded slash and an invalid UTF-8 byte.
    s = scope(path="/é/a/b\udcff", raw_path=b"/%C3%A9/a%2Fb%FF")
    env = environ_from_scope(s, io.BytesIO())
    assert env["PATH_INFO"] == "/\xc3\xa9/a/b\xff"
    assert env["REQUEST_URI"] == "/%C3%A9/a%2Fb%FF"


def test_path_without_raw_path_is_utf8_as_latin1() -> None:
    s = scope(path="/é")
    del s["raw_path"]
    env = environ_from_scope(s, io.BytesIO())
    assert env["PATH_INFO"] == "/\xc3\xa9"


def test_absolute_form_target_gives_its_path() -> None:
    """``GET http://host/p?q HTTP/1.1``: servers must accept it (RFC 9112,
    3.2.2) and uvicorn passes the whole target on as the path; gunicorn
    and werkzeug take its path (found by tests/differential_asgi)."""
    for target, path in [
        (b"http://localhost/items", "/items"),
        (b"https://example.com:8443/a%20b/", "/a b/"),
        (b"http://localhost", "/"),
    ]:
        env = environ_from_scope(
            scope(path=target.decode(), raw_path=target, query_string=b"x=1"), None
        )
        assert env["PATH_INFO"] == path
        assert env["QUERY_STRING"] == "x=1"
        assert env["RAW_URI"] == target.decode() + "?x=1"
    # Not a scheme: an ordinary (if odd) path.
    env = environ_from_scope(scope(path="a://b", raw_path=b"a-b://c/d"), None)
    assert env["PATH_INFO"] == "a-b://c/d"


def test_fragment_is_not_part_of_path_or_query() -> None:
    """A request target has no fragment, but h11 lets ``#`` through and
    uvicorn keeps it in the path or the query; WSGI servers drop it."""
    cases = [
        (b"/slash#frag", b"", "/slash", ""),
        (b"/args", b"x=1#frag", "/args", "x=1"),
        (b"/p#f", b"q=1", "/p", ""),  # "/p#f?q=1": the "?" is in the fragment
        (b"/a%23b", b"c=%23", "/a#b", "c=%23"),  # encoded: part of the path
    ]
    for raw, query, path, query_string in cases:
        env = environ_from_scope(scope(raw_path=raw, query_string=query), None)
        assert (env["PATH_INFO"], env["QUERY_STRING"]) == (path, query_string)
    # Without raw_path, "path" is already decoded: a "#" in it is a "%23".
    env = environ_from_scope(scope(path="/a#b", raw_path=None, query_string=b"q"), None)
    assert (env["PATH_INFO"], env["QUERY_STRING"]) == ("/a#b", "q")


def test_root_path_becomes_script_name() -> None:
    s = scope(path="/app/x", raw_path=b"/app/x", root_path="/app")
    env = environ_from_scope(s, io.BytesIO())
    assert env["SCRIPT_NAME"] == "/app"
    assert env["PATH_INFO"] == "/x"
    # A path that merely starts with the same letters is not stripped.
    s = scope(path="/application", raw_path=b"/application", root_path="/app")
    assert environ_from_scope(s, io.BytesIO())["PATH_INFO"] == "/application"


def test_repeated_headers_joined_cookie_with_semicolon() -> None:
    s = scope(
        headers=[
            (b"accept", b"text/html"),
            (b"accept", b"application/json"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
        ]
    )
    env = environ_from_scope(s, io.BytesIO())
    assert env["HTTP_ACCEPT"] == "text/html, application/json"
    assert env["HTTP_COOKIE"] == "a=1; b=2"


def test_header_with_underscore_dropped() -> None:
    s = scope(headers=[(b"x_user", b"admin"), (b"x-user", b"me")])
    env = environ_from_scope(s, io.BytesIO())
    assert env["HTTP_X_USER"] == "me"


def test_header_values_latin1() -> None:
    s = scope(headers=[(b"x-name", "Jos\xe9".encode("latin-1"))])
    assert environ_from_scope(s, io.BytesIO())["HTTP_X_NAME"] == "Jos\xe9"


def test_scheme_and_missing_server_client() -> None:
    s = scope(scheme="https", server=None, client=None)
    s["headers"] = [(b"host", b"[::1]:8443")]
    env = environ_from_scope(s, io.BytesIO())
    assert env["wsgi.url_scheme"] == "https"
    assert env["SERVER_NAME"] == "[::1]"
    assert env["SERVER_PORT"] == "8443"
    assert "REMOTE_ADDR" not in env
    s["headers"] = [(b"host", b"example.com")]
    env = environ_from_scope(s, io.BytesIO())
    assert (env["SERVER_NAME"], env["SERVER_PORT"]) == ("example.com", "443")


def test_no_content_length_marks_input_terminated() -> None:
    s = scope(method="POST", headers=[(b"transfer-encoding", b"chunked")])
    env = environ_from_scope(s, io.BytesIO())
    assert env["wsgi.input_terminated"] is True
    assert "CONTENT_LENGTH" not in env


def test_http2_protocol() -> None:
    env = environ_from_scope(scope(http_version="2"), io.BytesIO())
    assert env["SERVER_PROTOCOL"] == "HTTP/2"
