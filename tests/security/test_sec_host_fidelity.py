"""A rejected Host header still leaves a bound URL adapter (``url_for`` works
in hooks, 400 handlers and their templates), and the Host check agrees with
werkzeug: a host passes exactly when werkzeug keeps it."""

from __future__ import annotations

import typing as t

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.sansio.utils import get_host

from flask import Flask
from flask import render_template_string
from flask import request
from flask import url_for
from flask._urls import _check_host
from flask.testing import FlaskClient

BAD_HOSTS = [
    pytest.param("a b", id="space"),
    pytest.param("é.com", id="non-ascii"),
    pytest.param("a\x00b", id="nul"),
    pytest.param("h:0", id="port-0"),
    pytest.param("h:65536", id="port-65536"),
    pytest.param("a.com,b.com", id="two-hosts"),
    pytest.param("a..b", id="idna-empty-label"),
    pytest.param("a" * 64 + ".com", id="idna-long-label"),
    pytest.param("my_service", id="underscore"),
    pytest.param("host:", id="empty-port"),
    pytest.param("host:080", id="zero-padded-port"),
]

PAGE = (
    "<link href='{{ url_for('static', filename='s.css') }}'>"
    " {{ url_for('index', _external=True) }} {{ error }}"
)


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.errorhandler(400)
    def bad_request(e: Exception) -> tuple[str, int]:
        return render_template_string(PAGE, error=type(e).__name__), 400

    return app


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_bad_host_400_page_can_use_url_for(
    app: Flask, raw: t.Any, errors: list[BaseException], host: str
) -> None:
    rv = raw("/", headers={"Host": host})
    assert errors == []
    assert rv.status_code == 400
    name = b"BadHost" if b".." in host.encode() or len(host) > 63 else b"BadRequest"
    assert rv.body == b"<link href='/static/s.css'> http:/// " + name


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_bad_host_before_request_can_use_url_for(
    app: Flask, raw: t.Any, errors: list[BaseException], host: str
) -> None:
    seen: list[str] = []

    @app.before_request
    def record() -> None:
        seen.append(url_for("index"))

    rv = raw("/", headers={"Host": host})
    assert errors == []
    assert rv.status_code == 400
    assert seen == ["/"]


def test_untrusted_host_400_page_can_use_url_for(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    rv = client.get("/", headers={"Host": "evil.example"})
    assert rv.status_code == 400
    assert rv.data == b"<link href='/static/s.css'> http:/// SecurityError"
    assert client.get("/", headers={"Host": "good.example"}).data == b"index"
    assert errors == []


def test_bad_host_with_server_name_builds_with_it(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["SERVER_NAME"] = "Site.Example:8080"
    rv = client.get("/", headers={"Host": "a b"})
    assert rv.status_code == 400
    assert rv.data == (
        b"<link href='/static/s.css'> http://site.example:8080/ BadRequest"
    )
    assert errors == []


def test_bad_host_with_host_matching(errors: list[BaseException]) -> None:
    app = Flask(__name__, host_matching=True, static_host="static.example")

    @app.route("/", host="site.example")
    def index() -> str:
        return "index"

    @app.errorhandler(400)
    def bad_request(e: Exception) -> tuple[str, int]:
        return url_for("index"), 400

    client = app.test_client()
    assert client.get("/", headers={"Host": "site.example"}).data == b"index"
    rv = client.get("/", headers={"Host": "a b"})
    assert (rv.status_code, rv.data) == (400, b"http://site.example/")


# -- the check agrees with werkzeug ----------------------------------------------------

_host_chars = st.sampled_from(list("aZ09.-_:[]f ") + ["\t", "\x00", "é", "@", "/"])
_hosts = st.one_of(
    st.text(_host_chars, max_size=12),
    st.builds(
        lambda name, port: f"{name}:{port}",
        st.sampled_from(["a", "a.b", "[::1]", "1.2.3.4", "a_b", "", "[]"]),
        st.one_of(
            st.integers(-1, 10**6).map(str),
            st.text(st.sampled_from("0123456789+- "), max_size=7),
        ),
    ),
)


@settings(max_examples=1500, deadline=None)
@given(host=_hosts, scheme=st.sampled_from(["http", "https", "ws", "wss", "ftp"]))
@example(host="a:80", scheme="http")
@example(host="a:80:80", scheme="http")
@example(host=":443", scheme="https")
@example(host="a:443", scheme="http")
@example(host="[::1]:080", scheme="http")
def test_host_check_matches_werkzeug(host: str, scheme: str) -> None:
    try:
        _check_host(host, scheme)
        passed = True
    except Exception:
        passed = False
    kept = get_host(scheme, host) != ""
    # A non-empty host passes exactly when werkzeug keeps it.
    assert passed == (kept or host == "")


@settings(max_examples=300, deadline=None)
@given(host=_hosts)
def test_request_host_of_accepted_requests(host: str) -> None:
    """End to end: a request that is not rejected sees the host werkzeug
    derives, never the empty host of a discarded header."""
    app = Flask(__name__)

    @app.route("/")
    def index() -> dict[str, str]:
        return {"host": request.host, "url": url_for("index", _external=True)}

    rv = app.test_client().get("/", headers={"Host": host})
    if rv.status_code == 200:
        expect = get_host("http", host)
        assert expect != "" or host == ""
        assert rv.json == {"host": expect, "url": f"http://{expect.lower()}/"}
    else:
        assert rv.status_code == 400
