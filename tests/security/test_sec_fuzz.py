"""Property-based fuzzing: whatever paths, headers, query strings and bodies
a client sends, an app using every feature answers without a server error
caused by the client.

The app runs with ``PROPAGATE_EXCEPTIONS`` off and records unhandled
exceptions through ``got_request_exception``; the property is that none is
recorded and no response is a 500. Requests go straight to the WSGI callable
with latin-1 environ strings, as a server would pass the raw bytes.
"""

from __future__ import annotations

import io
import json
import os
import typing as t
import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app
from werkzeug.urls import quote

import flask
from flask import abort
from flask import after_this_request
from flask import Blueprint
from flask import flash
from flask import Flask
from flask import g
from flask import redirect
from flask import render_template_string
from flask import request
from flask import send_file
from flask import session
from flask import stream_with_context
from flask import url_for
from flask.views import MethodView

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class FuzzApp(t.NamedTuple):
    app: Flask
    errors: list[BaseException]


def _build_app(root: str) -> FuzzApp:
    app = Flask("fuzz_app", root_path=root)
    app.config.update(
        SECRET_KEY="fuzz key",
        SECRET_KEY_FALLBACKS=["older key"],
        PROPAGATE_EXCEPTIONS=False,
        TRUSTED_HOSTS=["localhost", ".example.com"],
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=16 * 1024,
        MAX_FORM_PARTS=20,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=1),
        SEND_FILE_MAX_AGE_DEFAULT=60,
    )
    app.logger.disabled = True
    errors: list[BaseException] = []

    def record(sender: Flask, exception: BaseException, **kw: t.Any) -> None:
        errors.append(exception)

    flask.got_request_exception.connect(record, app, weak=False)

    @app.before_request
    def before() -> None:
        g.user = session.get("user")
        if "x-early" in request.headers:
            after_this_request(_mark)

    @app.after_request
    def after(response: flask.Response) -> flask.Response:
        response.headers["X-Path-Len"] = str(len(request.path))
        return response

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return render_template_string(
            "{{ request.path }} {{ request.args|tojson }} {{ g.user }}"
            " {{ get_flashed_messages() }} {{ url_for('echo', q=request.path) }}"
        )

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo() -> dict[str, t.Any]:
        auth = request.authorization
        rng = request.range
        return {
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "files": {k: len(v.read()) for k, v in request.files.items()},
            "json": request.get_json(silent=True),
            "cookies": request.cookies.to_dict(),
            "auth": auth.type if auth else None,
            "accept": request.accept_mimetypes.best,
            "lang": request.accept_languages.best,
            "etags": request.if_none_match.to_header(),
            "since": str(request.if_modified_since),
            "range": rng.to_header() if rng else None,
            "ua": request.user_agent.string,
            "url": request.url,
            "base": request.base_url,
            "route": request.access_route,
            "mimetype": request.mimetype,
            "is_json": request.is_json,
            "origin": request.origin,
            "cache": request.cache_control.to_header(),
        }

    @app.post("/json")
    def post_json() -> t.Any:
        return {"json": request.get_json()}

    @app.route("/item/<int:item_id>/<float:x>")
    def item(item_id: int, x: float) -> dict[str, t.Any]:
        return {"id": item_id, "x": x}

    @app.route("/signed/<int(signed=True):n>")
    def signed(n: int) -> str:
        return str(n)

    @app.route("/u/<uuid:u>")
    def by_uuid(u: uuid.UUID) -> str:
        return str(u)

    @app.route("/p/<path:rest>")
    def path_view(rest: str) -> str:
        return url_for("path_view", rest=rest)

    @app.route("/any/<any(red, green):color>")
    def color(color: str) -> str:
        return color

    @app.route("/session", methods=["GET", "POST"])
    def session_view() -> dict[str, t.Any]:
        for key, value in request.values.items(multi=True):
            if key == "clear":
                session.clear()
            elif key == "permanent":
                session.permanent = True
            else:
                session[key] = value
        return {"session": {k: str(v) for k, v in session.items()}}

    @app.route("/flash")
    def do_flash() -> t.Any:
        flash(request.args.get("m", "hello"), request.args.get("c", "message"))
        return redirect(url_for("index"))

    @app.route("/go")
    def go() -> t.Any:
        return redirect(url_for("echo", next=request.args.get("next", "")))

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield request.args.get("a", "")
            yield str(session.get("user"))
            yield request.path

        return app.response_class(stream_with_context(generate()))

    @app.route("/file")
    def file() -> t.Any:
        return send_file(os.path.join(root, "static", "data.txt"), conditional=True)

    @app.route("/download")
    def download() -> t.Any:
        return send_file(
            io.BytesIO(b"in memory"),
            download_name=request.args.get("name", "x.txt") or "x.txt",
            as_attachment=True,
            mimetype="text/plain",
        )

    @app.route("/abort/<int:code>")
    def do_abort(code: int) -> t.Any:
        if 400 <= code <= 599 and code in _ABORTABLE:
            abort(code)
        return "not an error code"

    class Things(MethodView):
        def get(self, name: str) -> str:
            return name

        def post(self, name: str) -> dict[str, t.Any]:
            return {"name": name, "form": request.form.to_dict()}

    app.add_url_rule("/things/<name>", view_func=Things.as_view("things"))

    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/<int:n>")
    def bp_view(n: int) -> str:
        return url_for(".bp_view", n=n + 1)

    @bp.errorhandler(404)
    def bp_404(e: Exception) -> tuple[str, int]:
        return f"bp missing {request.path}", 404

    app.register_blueprint(bp)

    @app.errorhandler(404)
    def not_found(e: Exception) -> tuple[str, int]:
        return render_template_string("missing {{ request.path }}"), 404

    return FuzzApp(app, errors)


def _mark(response: flask.Response) -> flask.Response:
    response.headers["X-Early"] = "1"
    return response


_ABORTABLE = {400, 401, 403, 404, 405, 409, 410, 413, 415, 418, 422, 429, 500, 503}


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> FuzzApp:
    root = tmp_path_factory.mktemp("fuzz_app")
    (root / "static").mkdir()
    (root / "static" / "data.txt").write_bytes(b"0123456789" * 10)
    return _build_app(os.fspath(root))


# -- strategies ---------------------------------------------------------------------

LATIN1 = st.characters(min_codepoint=0, max_codepoint=255)
latin1_text = st.text(LATIN1, max_size=40)

KNOWN_PATHS = [
    "/",
    "/echo",
    "/json",
    "/item/1/2.5",
    "/signed/-3",
    "/u/6f1e4a5e-0000-4000-8000-000000000000",
    "/p/a/b/c",
    "/any/red",
    "/session",
    "/flash",
    "/go",
    "/stream",
    "/file",
    "/download",
    "/abort/418",
    "/abort/500",
    "/things/x",
    "/bp/1",
    "/bp/nothing",
    "/static/data.txt",
    "/static/../app.py",
]

paths = st.one_of(
    st.sampled_from(KNOWN_PATHS),
    st.sampled_from(KNOWN_PATHS),
    st.sampled_from(KNOWN_PATHS),
    st.builds(lambda p, s: p + s, st.sampled_from(KNOWN_PATHS), latin1_text),
    st.builds(lambda s: "/" + s, latin1_text),
)


def _encode_pairs(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


queries = st.one_of(
    st.just(""),
    st.builds(
        _encode_pairs,
        st.lists(st.tuples(st.text(max_size=10), st.text(max_size=20)), max_size=5),
    ),
    # Raw ASCII garbage: stray %, &, =, control characters.
    st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=40),
)

HEADER_NAMES = [
    "Cookie",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Range",
    "If-Range",
    "If-None-Match",
    "If-Modified-Since",
    "Authorization",
    "X-Forwarded-For",
    "User-Agent",
    "Origin",
    "Cache-Control",
    "X-Early",
    "Content-Encoding",
]

INTERESTING_VALUES = [
    "",
    "session=garbage",
    "session=.eJyrVkrKz8lJLS5RslIqLU4tUqoFAEm8B5M.AAAAAA.AAAA",
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XX",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "text/plain",
    "bytes=0-5",
    "bytes=5-0",
    "bytes=-1",
    "bytes=0-0,-1",
    "bytes=99999999999999999999-",
    "Basic !!!",
    "Basic " + "QQ==",
    "Bearer",
    "Digest realm=",
    '"etag", W/"weak", *',
    "Mon, 99 Foo 2024 99:99:99 GMT",
    "localhost",
    "localhost:99999",
    "evil.com",
    "sub.example.com",
    "[::1]:80",
    "*/*;q=abc",
    "gzip",
    "max-age=-1, no-cache=",
]

header_values = st.one_of(st.sampled_from(INTERESTING_VALUES), latin1_text)
hosts = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(["localhost", "localhost:5000", "a.example.com", "evil.com"]),
    latin1_text,
)
headers = st.builds(
    lambda h, host: {**h, "Host": host} if host is not None else h,
    st.dictionaries(st.sampled_from(HEADER_NAMES), header_values, max_size=6),
    hosts,
)


def _multipart(parts: list[tuple[str, bytes, bool]]) -> bytes:
    out = b""
    for name, data, is_file in parts:
        disposition = f'form-data; name="{name}"'
        if is_file:
            disposition += '; filename="f.bin"'
        out += b"--XX\r\nContent-Disposition: " + disposition.encode("latin-1")
        out += b"\r\n\r\n" + data + b"\r\n"
    return out + b"--XX--\r\n"


bodies = st.one_of(
    st.none(),
    st.binary(max_size=200),
    st.builds(
        lambda v: json.dumps(v).encode(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda kids: (
                st.lists(kids, max_size=3)
                | st.dictionaries(st.text(max_size=5), kids, max_size=3)
            ),
            max_leaves=10,
        ),
    ),
    st.builds(
        _multipart,
        st.lists(
            st.tuples(
                st.text(LATIN1.filter(lambda c: c not in '"\r\n'), max_size=8),
                st.binary(max_size=50),
                st.booleans(),
            ),
            max_size=4,
        ),
    ),
    st.builds(
        lambda pairs: _encode_pairs(pairs).encode(),
        st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=4),
    ),
)

METHODS = ["GET"] * 4 + ["POST"] * 3 + ["PUT", "DELETE", "HEAD", "OPTIONS", "FOO"]


class FuzzRequest(t.NamedTuple):
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes | None
    chunked: bool


requests_ = st.builds(
    FuzzRequest,
    st.sampled_from(METHODS),
    paths,
    queries,
    headers,
    bodies,
    st.booleans(),
)


def _call(app: Flask, req: FuzzRequest) -> tuple[int, bytes]:
    env = EnvironBuilder(method=req.method).get_environ()
    env.pop("CONTENT_TYPE", None)
    env.pop("CONTENT_LENGTH", None)
    env["PATH_INFO"] = req.path
    env["QUERY_STRING"] = req.query
    for name, value in req.headers.items():
        key = name.upper().replace("-", "_")
        env["CONTENT_TYPE" if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    if req.body is not None:
        env["wsgi.input"] = io.BytesIO(req.body)
        if req.chunked:
            env["wsgi.input_terminated"] = True
        else:
            env["CONTENT_LENGTH"] = str(len(req.body))
    app_iter, status, _ = run_wsgi_app(app, env, buffered=True)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return int(status.split()[0]), body


def _check(fuzz: FuzzApp, req: FuzzRequest) -> None:
    fuzz.errors.clear()
    status, _ = _call(fuzz.app, req)
    if req.path.startswith("/abort/500") and status == 500 and not fuzz.errors:
        return  # the view asked for it
    assert fuzz.errors == [], (req, fuzz.errors)
    assert status != 500, req


@FUZZ
@given(req=requests_)
def test_fuzz_no_client_caused_server_error(fuzz: FuzzApp, req: FuzzRequest) -> None:
    _check(fuzz, req)


@FUZZ
@given(
    req=st.builds(
        FuzzRequest,
        st.sampled_from(["GET", "POST"]),
        st.sampled_from(["/echo", "/", "/session", "/go"]),
        st.builds(lambda s: s + "\xff", latin1_text),
        st.just({}),
        st.none(),
        st.just(False),
    )
)
def test_fuzz_raw_bytes_in_query(fuzz: FuzzApp, req: FuzzRequest) -> None:
    _check(fuzz, req)


def test_fuzz_app_works(fuzz: FuzzApp) -> None:
    """The fuzzed app is not trivially failing: normal requests succeed."""
    fuzz.errors.clear()
    ok = FuzzRequest("GET", "/echo", "a=1", {"Host": "localhost"}, None, False)
    assert _call(fuzz.app, ok)[0] == 200
    ok = FuzzRequest("GET", "/item/3/1.5", "", {}, None, False)
    assert _call(fuzz.app, ok) == (200, b'{"id":3,"x":1.5}\n')
    bad_host = FuzzRequest("GET", "/echo", "", {"Host": "evil.com"}, None, False)
    assert _call(fuzz.app, bad_host)[0] == 400
    assert fuzz.errors == []
