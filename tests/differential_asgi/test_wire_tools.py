"""The differential's own parts: specs as bytes, the client's reading of
replies, what is compared, and the in-process parser oracles."""

from __future__ import annotations

import time
import typing as t

import pytest
from diff_requests import spec
from wire_client import parse_reply
from wire_compare import normalize
from wire_parsers import gunicorn_error
from wire_parsers import h11_error
from wire_requests import generate
from wire_requests import mutate
from wire_requests import sends_short_body
from wire_requests import wire_bytes

pytest.importorskip("gunicorn")
pytest.importorskip("h11")


def test_path_is_percent_encoded_query_sent_as_is() -> None:
    # PATH_INFO "/str/%20 é" (latin-1 of UTF-8) is sent as "/str/%2520%20%C3%A9"
    request = spec(b"/str/%20 \xc3\xa9;a", query=b"x=\xff&y=%41")
    data = wire_bytes(request)
    assert data.startswith(b"GET /str/%2520%20%C3%A9;a?x=\xff&y=%41 HTTP/1.1\r\n")
    assert b"\r\nHost: localhost\r\n" in data
    assert data.endswith(b"\r\nX-Diff-App: main\r\n\r\n")


def test_mount_and_scheme_are_control_headers() -> None:
    request = {**spec("/"), "script": "/pre fix", "scheme": "https", "app": "named"}
    data = wire_bytes(request)
    assert b"\r\nX-Diff-App: named\r\nX-Diff-Script: /pre%20fix\r\n" in data
    assert b"\r\nX-Diff-Scheme: https\r\n" in data


def test_chunked_body_in_the_given_pieces() -> None:
    request = {**spec("/data", "POST", body=b"abcdefgh", chunked=True)}
    request["wire"] = {"chunks": [3, 2]}
    data = wire_bytes(request)
    assert b"\r\nTransfer-Encoding: chunked\r\n" in data
    assert data.endswith(b"\r\n\r\n3\r\nabc\r\n2\r\nde\r\n3\r\nfgh\r\n0\r\n\r\n")
    assert b"Content-Length" not in data


def test_short_body_is_when_fewer_bytes_than_announced() -> None:
    assert sends_short_body(spec("/", "POST", body=b"abc", length="5"))
    assert sends_short_body(spec("/", "POST", body=b"abc", length=" 5"))
    assert not sends_short_body(spec("/", "POST", body=b"abc"))
    assert not sends_short_body(spec("/", "POST", body=b"abc", length="abc"))
    assert not sends_short_body(spec("/", "POST", body=b"abc", length="2"))


def test_generate_is_seeded_and_mutates_some(monkeypatch: t.Any) -> None:
    def shape(specs: list[dict[str, t.Any]]) -> list[tuple[t.Any, ...]]:
        # signed cookies carry the time: compare the rest
        return [(s["method"], s["path"], s["query"], s["wire"]) for s in specs]

    # The signed cookies' bytes (which some mutations choose from) depend on
    # the clock: one that ticks between the two calls must not make them
    # differ.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)

    first = generate(5, 300)
    assert shape(first) == shape(generate(5, 300))
    assert shape(first) != shape(generate(6, 300))
    mutated = [s for s in first if s["wire"].get("mutation")]
    assert 0.1 * 300 < len(mutated) < 0.3 * 300


def test_mutations_change_the_bytes() -> None:
    import random

    base = spec("/cookies", headers=[("Cookie", "a=1; b=2")])
    rng = random.Random(0)
    data = wire_bytes(mutate(base, "dup_cookie", rng))
    assert b"\r\nCookie: a=1\r\nCookie: b=2\r\n" in data
    data = wire_bytes(mutate(base, "bare_lf", rng))
    assert b"\r" not in data and data.endswith(b"\n\n")
    data = wire_bytes(mutate(base, "absolute_form", rng))
    assert data.split(b" ")[1] in (
        b"http://localhost/cookies",
        b"https://localhost/cookies",
    )
    data = wire_bytes(mutate(base, "obs_fold", rng))
    assert b"\r\nX-Folded: first\r\n second\r\n" in data or b"\r\n\tsecond" in data


def test_reply_framing_undone() -> None:
    chunked = parse_reply(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A:  padded \t\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
    )
    assert (chunked.outcome, chunked.body, chunked.framing) == (
        "response",
        b"abcde",
        "chunked",
    )
    assert chunked.header("x-a") == ["padded"]  # spaces around are not the value
    length = parse_reply(b"HTTP/1.1 201 Made\r\nContent-Length: 2\r\n\r\nokEXTRA")
    assert (length.status, length.reason, length.body) == (201, "Made", b"ok")
    close = parse_reply(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
    assert (close.framing, close.body, close.closed) == (
        "close",
        b"until the end",
        True,
    )
    head = parse_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", method="HEAD")
    assert (head.framing, head.body, head.outcome) == ("none", b"", "response")
    interim = parse_reply(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    )
    assert (interim.interim, interim.status) == ([100], 204)
    cut = parse_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")
    assert (cut.outcome, cut.status) == ("closed", 200)
    assert parse_reply(b"").outcome == "closed"


def test_compared_without_server_headers_and_framing() -> None:
    a = parse_reply(
        b"HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: x\r\nConnection: close\r\n"
        b"Allow: GET, HEAD\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 2\r\n\r\nok"
    )
    b = parse_reply(
        b"HTTP/1.1 200 ok\r\nserver: uvicorn\r\ndate: y\r\nallow: HEAD, GET\r\n"
        b"x-a: 1\r\ncontent-length: 2\r\nx-a: 2\r\n\r\nok"
    )
    assert normalize(a) == normalize(b)
    # the order of repeated fields counts
    c = parse_reply(
        b"HTTP/1.1 200 OK\r\nAllow: GET, HEAD\r\nX-A: 2\r\nX-A: 1\r\n"
        b"Content-Length: 2\r\n\r\nok"
    )
    assert normalize(a) != normalize(c)
    # the app's Content-Length is compared, the transfer coding is not
    d = parse_reply(
        b"HTTP/1.1 200 OK\r\nAllow: GET, HEAD\r\nX-A: 1\r\nX-A: 2\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    )
    assert normalize(a) != normalize(d)
    assert normalize(d)["body"] == b"ok"


@pytest.mark.parametrize(
    ("data", "gunicorn", "h11"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", False, False),
        (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", True, False),
        (b"GET / HTTP/1.1\r\n\r\n", False, True),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX : 1\r\n\r\n", True, True),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", True, False),
        (b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", True, True),
        # a body shorter than announced is read to its end by both
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab", False, False),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: z\r\n\r\n", True, True),
    ],
)
def test_parser_oracles(data: bytes, gunicorn: bool, h11: bool) -> None:
    assert (gunicorn_error(data) is not None) == gunicorn
    assert (h11_error(data) is not None) == h11


def test_door_errors_from_uvicorns_log() -> None:
    from wire_servers import door_errors

    log = (
        "WARNING:  Invalid HTTP request received.\n"
        "ERROR:    Exception in ASGI application\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "    raise ValueError(\n"
        "ValueError: The response status '999 UNKNOWN' cannot be sent: ...\n"
        "[2026-12-06 02:05:51,143] ERROR in app: Exception on /boom [GET]\n"
        "Traceback (most recent call last):\n"
        "ValueError: boom\n"
        "ERROR:    Exception in ASGI application\n"
        "Traceback (most recent call last):\n"
        "KeyError: 999\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "RuntimeError: second\n"
    )
    assert door_errors(log) == [
        "ValueError: The response status '999 UNKNOWN' cannot be sent: ...",
        "RuntimeError: second",
    ]
    assert door_errors("INFO:     Started server process\n") == []
