"""The allow-list entries match their own difference and nothing near it.

Replies are parsed from the bytes the servers send: gunicorn's error page
is written by gunicorn's own ``write_error``, uvicorn's pages are its bytes
as captured from uvicorn 0.54 with h11.
"""

from __future__ import annotations

import typing as t

import pytest
from diff_requests import spec
from wire_allow import classify
from wire_allow import standard_phrase
from wire_client import parse_reply
from wire_client import Reply
from wire_compare import normalize

pytest.importorskip("gunicorn")
pytest.importorskip("h11")

PAGE = b"<!doctype html><title>page</title>"
UVICORN_400 = (
    b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"1e\r\nInvalid HTTP request received.\r\n0\r\n\r\n"
)
UVICORN_500 = (
    b"HTTP/1.1 500 Internal Server Error\r\ndate: Sun, 06 Dec 2026 01:34:58 GMT\r\n"
    b"server: uvicorn\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"15\r\nInternal Server Error\r\n0\r\n\r\n"
)


def gunicorn_page(status: int, reason: str, message: str = "") -> Reply:
    """gunicorn's error page, as its ``util.write_error`` writes it."""
    from gunicorn.util import write_error

    class Sock:
        data = b""

        def gettimeout(self) -> float:
            return 0.0

        def sendall(self, data: bytes) -> None:
            Sock.data += data

    write_error(Sock(), status, reason, message)
    return parse_reply(Sock.data)


def app(
    status: str = "200 OK",
    headers: t.Sequence[tuple[str, str]] = (("Content-Type", "text/html"),),
    body: bytes = PAGE,
    interim: bytes = b"",
    port: int = 0,
) -> Reply:
    """A reply from the app (as both servers frame it: Content-Length)."""
    head = [f"HTTP/1.1 {status}", "Server: x", *(f"{k}: {v}" for k, v in headers)]
    if not any(k.lower() == "content-length" for k, _ in headers):
        head.append(f"Content-Length: {len(body)}")
    data = interim + "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body
    return parse_reply(data, port=port)


def check(request: dict[str, t.Any], wsgi: Reply, asgi: Reply) -> str | None:
    return classify(request, normalize(wsgi), normalize(asgi), wsgi, asgi)


def test_pages_are_recognised() -> None:
    from wire_parsers import gunicorn_page as is_gunicorn_page
    from wire_parsers import server_page
    from wire_parsers import uvicorn_page

    page = gunicorn_page(400, "Bad Request", "Invalid Method 'get'")
    assert page.status == 400 and is_gunicorn_page(page)
    assert uvicorn_page(parse_reply(UVICORN_400))
    assert uvicorn_page(parse_reply(UVICORN_500), 500)
    assert not uvicorn_page(parse_reply(UVICORN_500))
    # the app's own pages are not the servers'
    for reply in (app("400 BAD REQUEST"), app("500 INTERNAL SERVER ERROR")):
        assert not server_page(reply)


def test_a_plain_difference_is_not_allowed() -> None:
    assert check(spec("/"), app(body=b"a"), app(body=b"b")) is None
    assert check(spec("/"), app(), app("500 Internal Server Error")) is None
    assert check(spec("/"), app(), parse_reply(UVICORN_500)) is None
    assert check(spec("/"), app(), parse_reply(b"")) is None


def test_both_refuse_needs_both_parsers_and_both_pages() -> None:
    bad_name = spec("/", headers=[("X Odd", "1")])  # a space in a name
    wsgi = gunicorn_page(400, "Bad Request", "Invalid HTTP Header Name")
    asgi = parse_reply(UVICORN_400)
    assert check(bad_name, wsgi, asgi) == "both_refuse"
    # the parsers accept a good request: the pages are not explained
    assert check(spec("/"), wsgi, asgi) is None
    # the app answered on one side: not both refused
    assert check(bad_name, wsgi, app("400 Bad Request")) is None


def test_gunicorn_refuses_lower_case_method() -> None:
    request = spec("/", method="get")
    wsgi = gunicorn_page(400, "Bad Request", "Invalid Method 'get'")
    assert check(request, wsgi, app()) == "gunicorn_refuses"
    # uvicorn refusing as well is not this entry (h11 accepts "get")
    assert check(request, wsgi, parse_reply(UVICORN_400)) is None
    # gunicorn accepts "GET": its page there is unexplained
    assert check(spec("/"), wsgi, app()) is None


def test_gunicorn_refuses_both_framings_the_door_too() -> None:
    request = spec("/data", "POST", body=b"abc", chunked=True, length="3")
    wsgi = gunicorn_page(400, "Bad Request", "Invalid HTTP Header: 'CONTENT-LENGTH'")
    door = app("400 Bad Request", headers=[("Connection", "close")])
    assert check(request, wsgi, door) == "gunicorn_refuses"
    # the app answered: the door failed to refuse
    assert check(request, wsgi, app("200 OK", body=b'{"length": 3}')) is None


def test_gunicorn_refuses_while_the_door_refuses_the_apps_status() -> None:
    request = spec("/status/999", method="get")
    wsgi = gunicorn_page(400, "Bad Request", "Invalid Method 'get'")
    asgi = parse_reply(UVICORN_500)
    assert check(request, wsgi, asgi) == "gunicorn_refuses"
    assert check(spec("/status/200", method="get"), wsgi, asgi) is None


def test_h11_refuses_a_request_without_host() -> None:
    request = spec("/", host=None)
    assert check(request, app(), parse_reply(UVICORN_400)) == "h11_refuses"
    assert check(spec("/"), app(), parse_reply(UVICORN_400)) is None
    assert check(request, app(), app("400 Bad Request")) is None


def test_short_body_only_when_fewer_bytes_than_announced() -> None:
    short = spec("/data", "POST", body=b"abc", length="13")
    closed = parse_reply(b"")
    assert check(short, app(), closed) == "short_body"
    assert check(spec("/data", "POST", body=b"abc"), app(), closed) is None
    # "100 Continue" was sent before (uvicorn sends it when the door first
    # receives), no final response
    invited = parse_reply(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert check(short, app(), invited) == "short_body"
    # uvicorn began a final response before closing: not this entry
    assert check(short, app(), parse_reply(b"HTTP/1.1 200 OK\r\n")) is None


def test_server_address_only_without_host() -> None:
    def answer(port: int, extra: bytes = b"") -> Reply:
        body = b'{"url":"http://127.0.0.1:%d/args"}' % port + extra
        return app(headers=[("X-Url", f"127.0.0.1:{port}")], body=body, port=port)

    no_host = spec("/args", host=None)
    no_host["wire"] = {"version": "HTTP/1.0"}
    assert check(no_host, answer(40001), answer(40002)) == "server_address"
    assert check(spec("/args"), answer(40001), answer(40002)) is None
    assert check(no_host, answer(40001), answer(40002, b"x")) is None


@pytest.mark.parametrize(
    ("wsgi", "asgi", "expected"),
    [
        ("299 UNKNOWN", "299 ", "reason_phrase"),
        ("201 Made", "201 Created", "reason_phrase"),
        ("404 NOT FOUND", "404 Not Found", None),  # the same up to case
        ("201 Made", "201 Made", None),
        ("201 Created", "201 Made", None),  # not uvicorn's phrase
        ("201 Made", "202 Accepted", None),
    ],
)
def test_reason_phrase(wsgi: str, asgi: str, expected: str | None) -> None:
    assert check(spec("/status-text"), app(wsgi), app(asgi)) == expected


def test_reason_phrase_only_the_phrase() -> None:
    wsgi, asgi = app("201 Made", body=b"a"), app("201 Created", body=b"b")
    assert check(spec("/"), wsgi, asgi) is None


def test_invalid_status() -> None:
    uvicorn_500 = parse_reply(UVICORN_500)
    gunicorn_500 = gunicorn_page(500, "Internal Server Error")
    # gunicorn sends a three-digit status as it is
    sent = app("999 UNKNOWN", body=b"status")
    assert check(spec("/status/999"), sent, uvicorn_500) == "invalid_status"
    assert check(spec("/status/0"), gunicorn_500, uvicorn_500) == "invalid_status"
    request = spec("/status-text", query="s=42 Answer")
    assert check(request, gunicorn_500, uvicorn_500) == "invalid_status"
    # a 1xx status reads as an interim response, then the connection closes
    interim = parse_reply(b"HTTP/1.1 100 CONTINUE\r\nContent-Type: text/html\r\n\r\n")
    request = spec("/status-text", query="s=100")
    assert check(request, interim, uvicorn_500) == "invalid_status"
    # a valid status: the door has nothing to refuse
    assert check(spec("/status/299"), gunicorn_500, uvicorn_500) is None
    # the door's 500 page, not uvicorn's: unexplained
    assert check(spec("/status/999"), sent, app("500 INTERNAL SERVER ERROR")) is None
    # gunicorn answered something else than the app's status
    assert check(spec("/status/999"), app("998 UNKNOWN"), uvicorn_500) is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("v=%01", "invalid_header"),
        ("v=%00", "invalid_header"),
        ("v=%E2%82%AC", "invalid_header"),  # not latin-1
        ("len=x", "invalid_header"),
        ("v=a%09b", None),  # a tab is allowed
        ("v=plain", None),
        ("len=5", None),
    ],
)
def test_invalid_header_both_refuse(query: str, expected: str | None) -> None:
    request = spec("/header-value", query=query)
    wsgi = gunicorn_page(500, "Internal Server Error")
    assert check(request, wsgi, parse_reply(UVICORN_500)) == expected


def test_invalid_header_length_gunicorn_sends() -> None:
    request = spec("/header-value", query="len=-1")
    sent = app(headers=[("Content-Length", "-1")], body=b"")
    assert check(request, sent, parse_reply(UVICORN_500)) == "invalid_header"
    other = app(headers=[("Content-Length", "-2")], body=b"")
    assert check(request, other, parse_reply(UVICORN_500)) is None


def test_repeated_cookie_fields() -> None:
    two = spec("/cookies", headers=[("Cookie", "a=1"), ("Cookie", "b=2")])
    wsgi = app(body=b'{"cookies":[["a",["1,b=2"]]]}')
    asgi = app(body=b'{"cookies":[["a",["1"]],["b",["2"]]]}')
    assert check(two, wsgi, asgi) == "repeated_cookie_fields"
    one = spec("/cookies", headers=[("Cookie", "a=1; b=2")])
    assert check(one, wsgi, asgi) is None
    assert check(two, wsgi, app("500 INTERNAL SERVER ERROR")) is None


def test_continue_over_limit() -> None:
    def request(size: int) -> dict[str, t.Any]:
        return spec(
            "/data", "POST", headers=[("Expect", "100-continue")], body=b"y" * size
        )

    invited = app(
        "413 REQUEST ENTITY TOO LARGE", interim=b"HTTP/1.1 100 Continue\r\n\r\n"
    )
    refused = app("413 REQUEST ENTITY TOO LARGE")
    assert check(request(70000), invited, refused) == "continue_over_limit"
    assert check(request(100), invited, refused) is None
    assert check(request(70000), invited, app("200 OK")) is None
    # with, at the same time, the app's phrase against uvicorn's standard one
    # (which for 413 is "Content Too Large" from Python 3.13 on), but not
    # against another phrase
    own_phrase = app("413 Way Too Big", interim=b"HTTP/1.1 100 Continue\r\n\r\n")
    standard = app(f"413 {standard_phrase(413)}")
    assert check(request(70000), own_phrase, standard) == "continue_over_limit"
    assert check(request(70000), own_phrase, app("413 Too Big")) is None


def test_http10_extra_bytes() -> None:
    request = spec("/json", "PUT", body=b"yyyy", length="0")
    request["wire"] = {"version": "HTTP/1.0"}
    uvicorn_400 = parse_reply(UVICORN_400)
    assert check(request, app("405 METHOD NOT ALLOWED"), uvicorn_400) == (
        "http10_extra_bytes"
    )
    request["wire"] = {}
    assert check(request, app("405 METHOD NOT ALLOWED"), uvicorn_400) is None
