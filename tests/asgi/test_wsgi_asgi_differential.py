"""The same app answered through WSGI and through ASGI must give the same
status, headers and body, request after request (cookies carried along)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import typing as t

import pytest
from asgi_bridge import route_test_clients

import flask
from flask import Flask

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app() -> Flask:
    app = Flask("diff_app", root_path=TESTS_DIR)
    app.config.update(SECRET_KEY="diff", MAX_CONTENT_LENGTH=10_000)

    @app.before_request
    def before() -> t.Any:
        flask.g.seen = "before"
        if flask.request.args.get("stop"):
            return "stopped by hook", 202
        return None

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        response.headers["X-After"] = flask.g.get("seen", "-")
        return response

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/async")
    async def async_view() -> dict[str, t.Any]:
        await asyncio.sleep(0)
        return {"args": flask.request.args.to_dict(flat=False), "g": flask.g.seen}

    @app.route("/list")
    def a_list() -> list[int]:
        return [1, 2, 3]

    @app.route("/tuple")
    async def a_tuple() -> t.Any:
        return "created", 201, {"X-Custom": "1", "Set-Cookie": "a=b; Path=/"}

    @app.route("/echo", methods=["POST", "PUT"])
    def echo() -> t.Any:
        return flask.request.get_data(), {"Content-Type": "application/octet-stream"}

    @app.post("/json-in")
    async def json_in() -> t.Any:
        return {"got": flask.request.get_json()}

    @app.post("/form")
    def form() -> t.Any:
        files = {
            k: [f.filename, f.read().decode("latin-1")]
            for k, f in flask.request.files.items()
        }
        return {"form": flask.request.form.to_dict(flat=False), "files": files}

    @app.route("/session/set/<value>")
    async def session_set(value: str) -> str:
        flask.session["value"] = value
        flask.session.permanent = value == "perm"
        return "set"

    @app.route("/session/get")
    def session_get() -> str:
        return repr(flask.session.get("value"))

    @app.route("/cookie/set")
    def cookie_set() -> flask.Response:
        rv = flask.make_response("c")
        rv.set_cookie("plain", "v 1;x", max_age=60, httponly=True, samesite="Lax")
        return rv

    @app.route("/cookie/get")
    def cookie_get() -> dict[str, str]:
        return dict(flask.request.cookies)

    @app.route("/redirect")
    def redir() -> t.Any:
        return flask.redirect(flask.url_for("index", q="ü", _external=True))

    @app.route("/dir/")
    def a_dir() -> str:
        return "dir"

    @app.route("/abort/<int:code>")
    async def do_abort(code: int) -> str:
        flask.abort(code)

    @app.errorhandler(418)
    async def teapot(e: Exception) -> t.Any:
        return "short and stout", 418

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    @app.route("/none")
    def none() -> t.Any:
        return None

    @app.route("/stream")
    def stream() -> t.Any:
        @flask.stream_with_context
        def gen() -> t.Iterator[str]:
            yield "a,"
            yield flask.request.args.get("x", "")
            yield ",c"

        return gen()

    @app.route("/template")
    def template() -> str:
        return flask.render_template_string("{{ request.path }} {{ g.seen }}")

    @app.route("/path/<path:p>")
    def path(p: str) -> dict[str, str]:
        return {"p": p, "path": flask.request.path, "url": flask.request.url}

    @app.route("/file")
    def a_file() -> flask.Response:
        return flask.send_file(io.BytesIO(b"0123456789" * 10), mimetype="text/plain")

    @app.route("/headers")
    def headers() -> dict[str, t.Any]:
        h = flask.request.headers
        return {
            "accept": h.get("Accept"),
            "remote": flask.request.remote_addr is not None,
            "host": flask.request.host,
            "scheme": flask.request.scheme,
        }

    return app


REQUESTS: list[tuple[str, str, dict[str, t.Any]]] = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("OPTIONS", "/echo", {}),
    ("GET", "/?stop=1", {}),
    ("GET", "/async?a=1&a=2&u=%C3%BC", {}),
    ("GET", "/list", {}),
    ("GET", "/tuple", {}),
    ("POST", "/echo", {"data": b"\x00\x01binary" * 100}),
    ("PUT", "/echo", {"data": "text é"}),
    ("POST", "/echo", {"data": b"x" * 20_000}),
    ("POST", "/json-in", {"json": {"a": [1, "ü"]}}),
    ("POST", "/json-in", {"data": "{bad", "content_type": "application/json"}),
    ("POST", "/json-in", {"data": "x=1", "content_type": "text/plain"}),
    ("POST", "/form", {"data": {"a": ["1", "2"], "b": "ü"}}),
    (
        "POST",
        "/form",
        {
            "data": {
                "f": (io.BytesIO(b"file body\r\n--x"), "f.txt"),
                "g": (io.BytesIO(b"\xff" * 3000), "g.bin"),
                "field": "v",
            }
        },
    ),
    ("POST", "/form", {"data": {"f": (io.BytesIO(b"y" * 20_000), "big.bin")}}),
    (
        "POST",
        "/form",
        {"data": b"--b\r\nbroken", "content_type": "multipart/form-data; boundary=b"},
    ),
    ("GET", "/session/get", {}),
    ("GET", "/session/set/one", {}),
    ("GET", "/session/get", {}),
    ("GET", "/session/set/perm", {}),
    ("GET", "/session/get", {}),
    ("GET", "/cookie/set", {}),
    ("GET", "/cookie/get", {}),
    ("GET", "/cookie/get", {"headers": {"Cookie": "a=1; b=two; session=tampered"}}),
    ("GET", "/redirect", {}),
    ("GET", "/dir", {}),
    ("POST", "/dir", {"data": "x"}),
    ("GET", "/abort/404", {}),
    ("GET", "/abort/418", {}),
    ("GET", "/abort/401", {}),
    ("DELETE", "/", {}),
    ("GET", "/missing", {}),
    ("GET", "/boom", {}),
    ("GET", "/none", {}),
    ("GET", "/stream?x=b", {}),
    ("HEAD", "/stream", {}),
    ("GET", "/template", {}),
    ("GET", "/path/a%2Fb/%C3%BC/%FF", {}),
    ("GET", "/path/sp%20ace", {}),
    ("GET", "/file", {}),
    ("GET", "/file", {"headers": {"Range": "bytes=5-14"}}),
    ("GET", "/static/index.html", {}),
    ("HEAD", "/static/index.html", {}),
    ("GET", "/static/../conftest.py", {}),
    ("GET", "/headers", {"headers": {"Accept": "text/html"}}),
    ("GET", "/", {"headers": {"Host": "bad host!"}}),
]


_TIME_DEPENDENT = re.compile(
    r"(session=[^.;]*)\.[^;]*|(Expires=|Date: )[^;]*|^[A-Z][a-z]{2}, \d\d [^;]* GMT$"
)


def normal(headers: t.Any) -> list[tuple[str, str]]:
    """Headers with lower-case names and the time-dependent parts (dates, the
    session cookie's timestamp and signature) masked."""
    return sorted(
        (k.lower(), _TIME_DEPENDENT.sub(lambda m: m.group(1) or "<t>", v))
        for k, v in headers.items()
    )


#: A session cookie echoed in a body (``/cookie/get``): its timestamp and
#: signature depend on the second it was signed in.
_SIGNED_IN_BODY = re.compile(rb'("session":"[^".]*)\.[^"]*')


def normal_body(rv: t.Any) -> bytes:
    """The body, with the time-dependent part of a session cookie masked."""
    return _SIGNED_IN_BODY.sub(rb"\1", rv.get_data())


def exchange(client: flask.testing.FlaskClient) -> list[tuple[t.Any, ...]]:
    results = []
    for method, path, kwargs in REQUESTS:
        kwargs = {
            k: (
                {
                    n: (io.BytesIO(v[0].getvalue()), v[1])
                    if isinstance(v, tuple)
                    else v
                    for n, v in d.items()
                }
                if k == "data" and isinstance(d, dict)
                else d
            )
            for k, d in kwargs.items()
        }
        rv = client.open(path, method=method, **kwargs)
        results.append(
            (method, path, rv.status_code, normal(rv.headers), normal_body(rv))
        )
        rv.close()
        if "/static/" in path and method == "GET" and rv.status_code == 200:
            etag = rv.headers["ETag"]
            rv = client.get(path, headers={"If-None-Match": etag})
            results.append(("cond", path, rv.status_code, normal(rv.headers)))
            rv.close()
    return results


def test_wsgi_and_asgi_answer_the_same(caplog: pytest.LogCaptureFixture) -> None:
    wsgi = exchange(create_app().test_client())
    with route_test_clients():
        app = create_app()
        client = app.test_client()
        asgi = exchange(client)
    assert len(wsgi) == len(asgi) == len(REQUESTS) + 1
    for w, a in zip(wsgi, asgi, strict=True):
        assert w == a
    codes = [r[2] for r in wsgi]
    # The set covers what it says it covers.
    for code in (200, 201, 202, 206, 304, 303, 308, 400, 404, 405, 413, 415, 418, 500):
        assert code in codes, (code, codes)
