"""The shortcuts that keep the IDNA codec (and ``stringprep``, together
about 1% of a fresh process's start-up) unloaded when every host is ASCII:
each must give exactly what the codec, or werkzeug's own code, gives."""

from __future__ import annotations

import random
import typing as t

import pytest
import werkzeug.test
from werkzeug.urls import iri_to_uri

import flask
from flask._hosts import encode_idna
from flask.testing import _unchanged_by_iri_to_uri
from flask.testing import EnvironBuilder


def _codec(name: str) -> str | type[UnicodeError]:
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return UnicodeError


def _ours(name: str) -> str | type[UnicodeError]:
    try:
        return encode_idna(name)
    except UnicodeError:
        return UnicodeError


EDGE_NAMES = [
    "",
    ".",
    "..",
    "a.",
    ".a",
    "a..b",
    "localhost",
    "LocalHost",
    "example.com.",
    "a" * 63,
    "a" * 64,
    "a" * 63 + ".",
    "a" * 64 + ".",
    "b." + "a" * 63,
    "b." + "a" * 64,
    ("a" * 63 + ".") * 5,
    "ex_ample.com",
    "a b",
    "127.0.0.1",
    "é.com",
    "é..com",
    "ÉXAMPLE.com",
    "xn--9ca.com",
]


@pytest.mark.parametrize("name", EDGE_NAMES)
def test_encode_idna_matches_the_codec(name: str) -> None:
    assert _ours(name) == _codec(name)


def test_encode_idna_matches_the_codec_on_random_names() -> None:
    rng = random.Random(23)
    # Mostly letters, so labels near and over 63 characters come up.
    alphabet = "a" * 12 + "Z0-_.." + "é"
    raised = kept = 0
    for _ in range(4000):
        size = rng.choice([rng.randint(0, 12), rng.randint(55, 75), 140])
        name = "".join(rng.choice(alphabet) for _ in range(size))
        expected = _codec(name)
        assert _ours(name) == expected, name
        raised += expected is UnicodeError
        kept += expected == name
    # Both outcomes were tried, many times.
    assert raised > 200 and kept > 200


PLAIN_URLS = [
    "http://localhost/",
    "https://localhost/",
    "http://localhost",
    "http://example.com:8080/",
    "http://sub.example.com/app/root",
    "https://127.0.0.1:5000/a-b/c_d/~e.f/",
    "http://x/",
]


@pytest.mark.parametrize("url", PLAIN_URLS)
def test_plain_urls_are_recognised(url: str) -> None:
    assert _unchanged_by_iri_to_uri(url)
    assert iri_to_uri(url) == url


def test_urls_said_unchanged_are_unchanged() -> None:
    """Every URL the check passes comes back from ``iri_to_uri`` as it is,
    over URLs built from parts werkzeug changes (case, IDNA, brackets,
    ports, quoting, user, query, fragment) and parts it keeps."""
    rng = random.Random(7)
    schemes = ["http", "https", "HTTP", "ftp", ""]
    separators = ["://", ":/", ""]
    hosts = [
        "localhost",
        "LocalHost",
        "é.com",
        "[::1]",
        "a..b",
        "a" * 64,
        "-a.com",
        "user@host",
        "ex ample",
        "a.b.c",
        "127.0.0.1",
        "",
    ]
    ports = ["", ":80", ":080", ":0", ":65535", ":65536", ":x", ":"]
    paths = ["", "/", "/a b", "/x?y=1", "/x#f", "/~a._-/b", "/%41", "/é", "//"]
    passed = 0
    for _ in range(30000):
        url = "".join(
            rng.choice(part) for part in (schemes, separators, hosts, ports, paths)
        )
        if not _unchanged_by_iri_to_uri(url):
            continue
        passed += 1
        assert iri_to_uri(url) == url, url
    assert passed > 100
    assert not _unchanged_by_iri_to_uri(None)


def _environ(builder: werkzeug.test.EnvironBuilder) -> dict[str, t.Any]:
    environ = builder.get_environ()
    del environ["wsgi.input"], environ["wsgi.errors"]
    return environ


@pytest.mark.parametrize(
    "base_url",
    [
        None,
        *PLAIN_URLS,
        "http://LOCALHOST/",
        "http://é.com/",
        "http://localhost:080/",
        "http://localhost/a b/",
    ],
)
def test_environ_builder_matches_werkzeug(base_url: str | None) -> None:
    app = flask.Flask(__name__)
    ours = EnvironBuilder(app, "/x?y=1", base_url=base_url)
    if base_url is None:
        base_url = "http://localhost/"
    theirs = werkzeug.test.EnvironBuilder("/x?y=1", base_url=base_url)
    assert _environ(ours) == _environ(theirs)
    assert ours.base_url == theirs.base_url


@pytest.fixture
def cookie_app() -> flask.Flask:
    app = flask.Flask(__name__)

    @app.route("/")
    def index() -> flask.Response:
        response = flask.make_response(flask.request.headers.get("Cookie", "-"))
        if "set" in flask.request.args:
            response.set_cookie("k", flask.request.args["set"])
        return response

    return app


def _cookie_story(client: werkzeug.test.Client, host: str | None) -> list[t.Any]:
    headers = {"Cookie": "sent=by-hand"}
    if host is not None:
        headers["Host"] = host
    seen: list[t.Any] = []
    for query in ("", "?set=1", "", "?set=2", ""):
        response = client.get(f"/{query}", headers=headers)
        seen.append((response.status_code, response.data))
    cookie = client.get_cookie("k", domain=seen and (host or "localhost"))
    seen.append(None if cookie is None else (cookie.key, cookie.value))
    return seen


@pytest.mark.parametrize(
    "host", [None, "localhost", "example.com:8080", "[::1]:80", "é.com", "[::1"]
)
def test_client_cookies_match_werkzeug_client(
    cookie_app: flask.Flask, host: str | None
) -> None:
    """Sending and storing cookies, with an empty jar (a hand-written
    ``Cookie`` header is dropped, as werkzeug's client drops it) and a full
    one, gives what werkzeug's client gives on the same app."""
    ours = _cookie_story(cookie_app.test_client(), host)
    theirs = _cookie_story(werkzeug.test.Client(cookie_app), host)
    assert ours == theirs
    if host is None:
        assert ours[0] == (200, b"-")
        assert ours[2] == (200, b"k=1")
        assert ours[-1] == ("k", "2")


def test_client_without_cookies_matches_werkzeug_client(
    cookie_app: flask.Flask,
) -> None:
    ours = cookie_app.test_client(use_cookies=False)
    theirs = werkzeug.test.Client(cookie_app, use_cookies=False)
    for client in (ours, theirs):
        assert client.get("/?set=1").data == b"-"
        assert client.get("/", headers={"Cookie": "a=b"}).data == b"a=b"
