"""The app of the differential suite, run unchanged on this checkout and on
real Flask (each in its own worker process).

It touches as many features as one app reasonably can: converters, nested
blueprints, the default cookie session and a custom server-side session,
flash, JSON in and out, forms and uploads, templates, static files, error
handlers (with a custom page that calls ``url_for``), hooks that call
``url_for``, redirects, HEAD/OPTIONS, streaming, cookies and an async view.
Everything it answers depends only on the request and on earlier requests, so
the two packages must answer the same sequence of requests the same way.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import io
import json
import os
import random
import string
import typing as t

from werkzeug.exceptions import HTTPException

import flask
from flask import abort
from flask import Blueprint
from flask import flash
from flask import Flask
from flask import g
from flask import get_flashed_messages
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import render_template_string
from flask import request
from flask import session
from flask import stream_with_context
from flask import url_for
from flask.sessions import SessionInterface
from flask.sessions import SessionMixin
from flask.views import MethodView

SECRET_KEY = "differential secret"
OLD_KEY = "previous secret"
#: SECRET_KEY_FALLBACKS of the "strkey" app: one string, as
#: ``FLASK_SECRET_KEY_FALLBACKS=oldkey`` gives
STR_FALLBACK = "oldkey"
CUSTOM_COOKIE = "sid"

TEMPLATES = {
    "layout.html": (
        "<!doctype html><title>{% block title %}{% endblock %}</title>"
        '<link rel="stylesheet"'
        " href=\"{{ url_for('static', filename='style.css') }}\">"
        "<a href=\"{{ url_for('index') }}\">home</a>"
        "{% for c, m in get_flashed_messages(with_categories=true) %}"
        '<p class="{{ c }}">{{ m }}</p>{% endfor %}'
        "{% block body %}{% endblock %}"
    ),
    "index.html": (
        '{% extends "layout.html" %}{% block title %}Index{% endblock %}'
        "{% block body %}<p>user={{ session.get('user') }}</p>"
        "<p>{{ name }}</p>{% endblock %}"
    ),
    "error.html": (
        '{% extends "layout.html" %}{% block title %}{{ code }}{% endblock %}'
        "{% block body %}<h1>{{ code }} {{ name }}</h1>"
        "<a href=\"{{ url_for('api.v1.item', item_id=1) }}\">item</a>"
        "{% endblock %}"
    ),
}

STATIC = {
    "style.css": b"body { color: #333 }\n",
    "app.js": b"console.log('hi');\n",
    "data.json": b'{"a": 1}\n',
    "sub/page.txt": b"sub page\n" * 50,
    "empty.txt": b"",
}


def write_files(root: str) -> None:
    """Write templates, static files and a symlink leaving the static folder."""
    for name, text in TEMPLATES.items():
        path = os.path.join(root, "templates", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    for name, data in STATIC.items():
        path = os.path.join(root, "static", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(root, "secret.txt"), "w") as f:
        f.write("outside the static folder\n")
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(root, "static", "out"))
    os.symlink("style.css", os.path.join(root, "static", "in.css"))


class Teapot(Exception):
    """A custom exception with its own handler."""


class Unhandled(Exception):
    """A custom exception without a handler: a 500."""


class StoreSession(dict, SessionMixin):  # type: ignore[type-arg]
    """Flask-Session's shape: a plain dict subclass with its own flags."""

    def __init__(self, initial: t.Any = None, sid: str | None = None) -> None:
        super().__init__(initial or {})
        self.sid = sid
        self.modified = False
        self.accessed = False

    def __setitem__(self, key: str, value: t.Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def pop(self, key: str, *args: t.Any) -> t.Any:
        self.modified = True
        return super().pop(key, *args)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.modified = True
        return super().setdefault(key, default)


#: the custom app's stored sessions (``diff_requests.SIDS`` names them)
STORED_SESSIONS: list[dict[str, t.Any]] = [
    {"user": "eve"},
    {"a": "1", "b": "2"},
    {"user": "dave"},
    {"_flashes": [["message", "hi"]]},
]


def sid_for(data: dict[str, t.Any]) -> str:
    """A session id made from the content, so ids never depend on the order
    of earlier requests and stored sessions are never changed in place."""
    text = json.dumps(data, sort_keys=True, default=list)
    return "s-" + hashlib.sha1(text.encode()).hexdigest()[:12]


class StoreInterface(SessionInterface):
    """Sessions kept in the worker's memory, under an id made from them."""

    def __init__(self) -> None:
        # the sessions the requests refer to exist from the start, so an
        # intended difference (a request one side rejects) cannot change
        # what later requests find
        self.store = {sid_for(data): data for data in STORED_SESSIONS}

    def open_session(self, app: Flask, request: t.Any) -> StoreSession:
        sid = request.cookies.get(CUSTOM_COOKIE)
        if sid is not None and sid in self.store:
            # deep copies: flash() may append to the stored list in place
            return StoreSession(copy.deepcopy(self.store[sid]), sid=sid)
        return StoreSession()

    def save_session(self, app: Flask, session: t.Any, response: t.Any) -> None:
        if session.accessed:
            response.vary.add("Cookie")
        if not session.modified:
            return
        data = copy.deepcopy(dict(session))
        sid = sid_for(data)
        self.store[sid] = data
        response.set_cookie(CUSTOM_COOKIE, sid, httponly=True, path="/")


def _describe_files() -> list[list[t.Any]]:
    rv = []
    for key, f in request.files.items(multi=True):
        data = f.read()
        rv.append(
            [key, f.filename, f.content_type, len(data), hashlib.md5(data).hexdigest()]
        )
    return rv


def _register_common(app: Flask) -> None:
    """Routes and handlers shared by both apps."""

    @app.before_request
    def nav() -> t.Any:
        g.nav = url_for("index")
        if request.args.get("bounce") == "1":
            return redirect(url_for("index", from_="bounce"))
        return None

    @app.after_request
    def nav_header(response: t.Any) -> t.Any:
        response.headers["X-Nav"] = getattr(g, "nav", "-")
        return response

    @app.route("/")
    def index() -> str:
        return render_template("index.html", name=request.args.get("name", "world"))

    @app.route("/int/<int:n>")
    def conv_int(n: int) -> t.Any:
        return {"n": n, "url": url_for("conv_int", n=n)}

    @app.route("/signed/<int(signed=True):n>")
    def conv_signed(n: int) -> t.Any:
        return {"n": n, "url": url_for("conv_signed", n=n)}

    @app.route("/float/<float:x>")
    def conv_float(x: float) -> t.Any:
        return {"x": x, "url": url_for("conv_float", x=x)}

    @app.route("/path/<path:p>")
    def conv_path(p: str) -> t.Any:
        return {"p": p, "url": url_for("conv_path", p=p)}

    @app.route("/uuid/<uuid:u>")
    def conv_uuid(u: t.Any) -> t.Any:
        return {"u": str(u), "url": url_for("conv_uuid", u=u)}

    @app.route("/any/<any(red, green):c>")
    def conv_any(c: str) -> t.Any:
        return {"c": c, "url": url_for("conv_any", c=c)}

    @app.route("/str/<s>")
    def conv_str(s: str) -> t.Any:
        return {"s": s, "url": url_for("conv_str", s=s, q=s)}

    @app.route("/slash/")
    def slash() -> str:
        return "slash"

    @app.route("/args")
    def args() -> t.Any:
        return {
            "args": list(request.args.lists()),
            "full_path": request.full_path,
            "url": request.url,
            "host": request.host,
            "host_url": request.host_url,
            "external": url_for("args", _external=True, x=request.args.get("x")),
        }

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo() -> t.Any:
        return {
            "method": request.method,
            "form": list(request.form.lists()),
            "files": _describe_files(),
            "length": len(request.get_data()),
            "mimetype": request.mimetype,
        }

    @app.route("/form", methods=["POST"])
    def form() -> t.Any:
        return {"form": list(request.form.lists()), "files": _describe_files()}

    @app.route("/data", methods=["POST"])
    def data() -> t.Any:
        body = request.get_data()
        return {"length": len(body), "md5": hashlib.md5(body).hexdigest()}

    @app.route("/json", methods=["POST"])
    def json_in() -> t.Any:
        return jsonify(got=request.get_json(), is_json=request.is_json)

    @app.route("/json/silent", methods=["POST"])
    def json_silent() -> t.Any:
        return jsonify(got=request.get_json(silent=True))

    @app.route("/json/force", methods=["POST"])
    def json_force() -> t.Any:
        return jsonify(got=request.get_json(force=True))

    @app.route("/json/out")
    def json_out() -> t.Any:
        return jsonify([1, 2.5, "é", None, True, {"b": 1, "a": [1, 2]}, request.args])

    @app.route("/json/list")
    def json_list() -> t.Any:
        return [1, "two", {"three": 3}]

    @app.route("/login", methods=["GET", "POST"])
    def login() -> t.Any:
        if request.method == "POST":
            session["user"] = request.form.get("user", "")
            flash(f"welcome {session['user']}", "info")
            return redirect(url_for("index"))
        return render_template_string(
            '{% extends "layout.html" %}{% block body %}<form method=post>'
            "</form>{% endblock %}"
        )

    @app.route("/logout")
    def logout() -> t.Any:
        session.clear()
        return redirect(url_for("index"), code=302)

    @app.route("/session/set")
    def session_set() -> t.Any:
        for key, value in request.args.items():
            session[key] = value
        return {"keys": sorted(session.keys())}

    @app.route("/session/get")
    def session_get() -> t.Any:
        return {"session": {k: repr(v) for k, v in session.items()}}

    @app.route("/session/permanent")
    def session_permanent() -> str:
        session.permanent = request.args.get("on", "1") == "1"
        return "ok"

    @app.route("/session/big/<int:n>")
    def session_big(n: int) -> str:
        # letters and digits that zlib cannot shrink much, so that the
        # cookie's size follows n (around the browsers' 4096-byte limit)
        alphabet = string.ascii_letters + string.digits
        session["big"] = "".join(random.Random(n).choices(alphabet, k=min(n, 10000)))
        return "ok"

    @app.route("/session/in")
    def session_in() -> str:
        return str("user" in session)

    @app.route("/session/len")
    def session_len() -> str:
        return str(len(session))

    @app.route("/session/bool")
    def session_bool() -> str:
        return str(bool(session))

    @app.route("/session/iter")
    def session_iter() -> str:
        return ",".join(sorted(session))

    @app.route("/session/eq")
    def session_eq() -> str:
        return str(session == {})

    @app.route("/session/str")
    def session_str() -> str:
        return render_template_string("{{ session|length }}")

    @app.route("/session/none")
    def session_none() -> str:
        return "no session here"

    @app.route("/flash")
    def flash_view() -> t.Any:
        flash(request.args.get("m", "hello"), request.args.get("c", "message"))
        return redirect(url_for("flashes"))

    @app.route("/flashes")
    def flashes() -> t.Any:
        return {"messages": get_flashed_messages(with_categories=True)}

    @app.route("/cookies")
    def cookies() -> t.Any:
        return {"cookies": list(request.cookies.lists())}

    @app.route("/setcookie")
    def setcookie() -> t.Any:
        response = make_response("set")
        response.set_cookie(
            request.args.get("name", "c"),
            request.args.get("value", "v"),
            max_age=int(request.args.get("max_age", "60")),
            path=request.args.get("path", "/"),
            secure="secure" in request.args,
            httponly="httponly" in request.args,
            samesite=request.args.get("samesite"),
        )
        return response

    @app.route("/stream")
    def stream() -> t.Any:
        n = min(int(request.args.get("n", "3")), 20)

        def generate() -> t.Iterator[str]:
            for i in range(n):
                yield f"{i}:{request.args.get('tag', '-')}:{url_for('stream')}\n"

        return flask.Response(stream_with_context(generate()), mimetype="text/plain")

    @app.route("/go")
    def go() -> t.Any:
        return redirect(url_for("index", q=request.args.get("q")))

    @app.route("/go/<int:code>")
    def go_code(code: int) -> t.Any:
        if code not in (301, 302, 303, 307, 308):
            abort(400)
        return redirect(url_for("index"), code=code)

    @app.route("/go/external")
    def go_external() -> t.Any:
        return redirect(url_for("args", _external=True))

    @app.route("/abort/<int:code>")
    def abort_view(code: int) -> t.Any:
        abort(code)

    @app.route("/boom")
    def boom() -> t.Any:
        raise ValueError("boom")

    @app.route("/teapot")
    def teapot() -> t.Any:
        raise Teapot()

    @app.route("/unhandled")
    def unhandled() -> t.Any:
        raise Unhandled()

    @app.route("/tuple")
    def tuple_view() -> t.Any:
        return "created", 201, {"X-Tuple": "1"}

    @app.route("/methods", methods=["GET", "POST", "PUT"])
    def methods() -> str:
        return request.method

    @app.route("/async")
    async def async_view() -> t.Any:
        return {"async": request.args.get("x", "")}

    @app.route("/vary")
    def vary() -> t.Any:
        response = make_response(str(session.get("user")))
        response.headers["Vary"] = request.args.get("vary", "Accept")
        return response

    @app.route("/multi-cookie")
    def multi_cookie() -> t.Any:
        session["seen"] = True
        response = make_response("cookies")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2", max_age=10, samesite="Strict")
        response.delete_cookie("c")
        return response

    @app.route("/status/<code>")
    def status(code: str) -> t.Any:
        return "status", code if not code.isdigit() else int(code)

    @app.route("/send")
    def send() -> t.Any:
        return flask.send_file(
            io.BytesIO(b"file data " * 20),
            mimetype=request.args.get("mimetype", "text/plain"),
            as_attachment="attach" in request.args,
            download_name=request.args.get("name", "report.txt"),
            etag=request.args.get("etag", "1") == "1",
            last_modified=1_600_000_000,
            conditional=True,
        )

    @app.route("/conditional")
    def conditional() -> t.Any:
        response = flask.Response(b"0123456789" * 10, mimetype="text/plain")
        response.set_etag("fixed")
        return response.make_conditional(request, accept_ranges=True)

    @app.route("/urls")
    def urls() -> t.Any:
        return {
            "anchor": url_for("index", _anchor="top x"),
            "scheme": url_for("index", _scheme="https", _external=True),
            "method": url_for("methods", _method="POST"),
            "extra": url_for("conv_str", s="a/b c", extra=["1", "2"]),
            "static": url_for("static", filename="sub/page.txt", v=2),
            "bp": url_for("api.v1.item", item_id=5, _external=True),
            "root": request.url_root,
            "base": request.base_url,
            "script": request.script_root,
            "remote": request.remote_addr,
            "scheme_is": request.scheme,
            "secure": request.is_secure,
            "accept": str(request.accept_mimetypes),
            "ims": str(request.if_modified_since),
        }

    @app.route("/template")
    def template() -> str:
        return render_template_string(
            "{{ value|tojson }} {{ html }} {{ config.MAX_FORM_PARTS }} {{ g.nav }}"
            " {{ request.path }} {{ url_for('.index') }} {{ session.user }}",
            value={"a": "</script>", "b": [1, 2.5, None]},
            html="<b>&</b>",
        )

    @app.route("/gen")
    def gen() -> t.Any:
        def chunks() -> t.Iterator[bytes]:
            yield b"one,"
            yield b""
            yield b"two"

        return chunks(), {"Content-Type": "text/csv"}

    @app.route("/none")
    def none() -> t.Any:
        return None

    @app.route("/modified")
    def modified() -> str:
        session.modified = True
        return "modified"

    @app.route("/headers")
    def headers() -> t.Any:
        return "h", 200, [("X-A", "1"), ("X-A", "2"), ("Content-Type", "text/x")]

    @app.route("/abort-response")
    def abort_response() -> t.Any:
        abort(make_response("custom abort", 409))

    @app.route("/header-value")
    def header_value() -> t.Any:
        response = make_response("h")
        response.headers["X-Value"] = request.args.get("v", "")
        if "len" in request.args:
            response.headers["Content-Length"] = request.args["len"]
        return response

    @app.route("/redirect-to")
    def redirect_to() -> t.Any:
        return redirect(request.args.get("u", "/"), code=302)

    @app.route("/status-text")
    def status_text() -> t.Any:
        return flask.Response("s", status=request.args.get("s", "200"))

    class Items(MethodView):
        def get(self) -> t.Any:
            return {"items": [1, 2]}

        def post(self) -> t.Any:
            return {"posted": request.form.get("x")}, 201

        def delete(self) -> t.Any:
            return "", 204

    app.add_url_rule("/items", view_func=Items.as_view("items"))

    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @v1.route("/items/<int:item_id>")
    def item(item_id: int) -> t.Any:
        return {"id": item_id, "self": url_for(".item", item_id=item_id)}

    @v1.route("/fail")
    def v1_fail() -> t.Any:
        raise Teapot()

    @v1.errorhandler(Teapot)
    def v1_teapot(e: Teapot) -> t.Any:
        return {"teapot": "v1"}, 418

    @api.route("/echo", methods=["POST"])
    def api_echo() -> t.Any:
        return {"echo": request.get_json(), "next": url_for("api.v1.item", item_id=2)}

    @api.before_request
    def api_hook() -> None:
        g.nav = url_for("api.v1.item", item_id=0)

    api.register_blueprint(v1)
    app.register_blueprint(api)

    def error_page(e: HTTPException) -> t.Any:
        return render_template("error.html", code=e.code, name=e.name), e.code

    app.register_error_handler(404, error_page)
    app.register_error_handler(400, error_page)

    @app.errorhandler(500)
    def server_error(e: t.Any) -> t.Any:
        return render_template("error.html", code=500, name="Server Error"), 500

    @app.errorhandler(Teapot)
    def handle_teapot(e: Teapot) -> t.Any:
        return {"teapot": url_for("teapot")}, 418


def create_app(
    root: str,
    custom_session: bool = False,
    fallbacks: t.Any = (OLD_KEY,),
    server_name: str | None = None,
) -> Flask:
    """The app, with the default cookie session or a custom interface, and
    optionally a ``SERVER_NAME`` with trusted hosts and a subdomain route."""
    app = Flask("diffapp", root_path=root, subdomain_matching=bool(server_name))
    if server_name:
        app.config.update(
            SERVER_NAME=server_name,
            TRUSTED_HOSTS=[".example.com", "localhost", "127.0.0.1"],
            SESSION_COOKIE_NAME="session",
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_PATH="/",
            SESSION_REFRESH_EACH_REQUEST=False,
            PERMANENT_SESSION_LIFETIME=600,
            APPLICATION_ROOT="/app",
        )

        @app.route("/where", subdomain="<sub>")
        def where_sub(sub: str) -> t.Any:
            return {"sub": sub, "self": url_for("where_sub", sub=sub)}

    app.config.update(
        SECRET_KEY=SECRET_KEY,
        SECRET_KEY_FALLBACKS=list(fallbacks)
        if isinstance(fallbacks, tuple)
        else fallbacks,
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=16 * 1024,
        MAX_FORM_PARTS=40,
    )
    if custom_session:
        app.session_interface = StoreInterface()
    _register_common(app)
    return app


def create_lean_app(root: str, sync: bool = False) -> Flask:
    """An app without app-wide hooks whose views are mostly async: what the
    ASGI door serves on its lean path (and WSGI on its plain one). One
    blueprint has an after-request hook, one view is sync, one error is
    handled: the requests the lean path hands over. With ``sync``, every
    view is a plain function (what WSGI's ``wsgi_app`` calls itself)."""
    app = Flask("diffapp", root_path=root)
    app.config.update(SECRET_KEY=SECRET_KEY, MAX_CONTENT_LENGTH=64 * 1024)

    @app.route("/")
    async def index() -> str:
        return "lean"

    @app.route("/text")
    async def text() -> str:
        return "é <b>\n"

    @app.route("/json")
    async def as_json() -> t.Any:
        return {"b": [1, "é", None], "a": {"z": 1.5, "y": True}}

    @app.route("/list")
    async def as_list() -> t.Any:
        return [1, "x"]

    @app.route("/int/<int:n>")
    async def conv_int(n: int) -> t.Any:
        return {
            "n": n,
            "url": url_for("conv_int", n=n),
            "ext": url_for("conv_int", n=n + 1, _external=True, q="é"),
        }

    @app.route("/path/<path:rest>")
    async def conv_path(rest: str) -> str:
        return f"{rest} {request.view_args}"

    @app.route("/request", methods=["GET", "POST", "DELETE"])
    async def about() -> t.Any:
        return {
            "args": request.args.to_dict(flat=False),
            "url": request.url,
            "base": request.base_url,
            "host": request.host,
            "path": request.path,
            "full": request.full_path,
            "method": request.method,
            "cookies": dict(request.cookies),
            "agent": request.headers.get("User-Agent"),
            "scheme": request.scheme,
            "endpoint": request.endpoint,
            "rule": str(request.url_rule),
            "data": request.get_data(as_text=True),
            "static": url_for("static", filename="style.css"),
        }

    @app.route("/session/get")
    async def session_get() -> str:
        return repr(session.get("user"))

    @app.route("/session/set")
    async def session_set() -> str:
        session["user"] = request.args.get("user", "eve")
        return "set"

    @app.route("/g")
    async def with_g() -> str:
        g.x = request.args.get("x", "-")
        return f"g {g.x} {g.get('y')}"

    @app.route("/tuple")
    async def as_tuple() -> t.Any:
        return "made", 201, {"X-Tuple": "1"}

    @app.route("/status/<int:code>")
    async def status(code: int) -> t.Any:
        return "status", code

    @app.route("/abort/<int:code>")
    async def abort_with(code: int) -> str:
        abort(code)

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    @app.route("/handled")
    async def handled() -> str:
        raise KeyError("handled")

    @app.errorhandler(KeyError)
    def on_key_error(e: KeyError) -> t.Any:
        return f"handled {e} at {request.path}", 409

    @app.route("/redirect")
    async def go() -> t.Any:
        return redirect(url_for("index", x=1), code=302)

    @app.route("/after")
    async def after() -> str:
        @flask.after_this_request
        def header(response: t.Any) -> t.Any:
            response.headers["X-After"] = request.path
            return response

        return "after"

    @app.route("/stream")
    async def stream() -> t.Any:
        def gen() -> t.Iterator[str]:
            yield "a"
            yield "b"

        return gen()

    @app.route("/none")
    async def none() -> None:
        return None

    @app.route("/response")
    async def response() -> t.Any:
        return jsonify(ok=True, n=request.args.get("n"))

    @app.route("/sync")
    def sync() -> str:
        return f"sync {request.args.get('x')}"

    @app.route("/headers")
    async def with_headers() -> t.Any:
        return "headers é", {"X-Headers": "1", "content-type": "text/x-t"}

    @app.route("/located")
    async def located() -> t.Any:
        return "moved", {"Location": "/elsewhere?é", "X-A": "1"}

    @app.route("/jsonify")
    async def as_jsonify() -> t.Any:
        return jsonify(message="Hello, World!")

    hooked = Blueprint("hooked", __name__, url_prefix="/hooked")

    @hooked.after_request
    def mark(response: t.Any) -> t.Any:
        response.headers["X-Hooked"] = request.path
        return response

    @hooked.route("/")
    async def hooked_index() -> str:
        return "hooked"

    app.register_blueprint(hooked)
    if sync:
        for endpoint, func in list(app.view_functions.items()):
            if inspect.iscoroutinefunction(func):
                app.view_functions[endpoint] = _run_sync(func)
    return app


def _run_sync(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """A plain function running the coroutine function ``func``, which
    never awaits, to its end."""

    def view(**kwargs: t.Any) -> t.Any:
        coro = func(**kwargs)
        try:
            coro.send(None)
        except StopIteration as stop:
            return stop.value
        coro.close()
        raise RuntimeError(f"{func.__name__} awaited")

    view.__name__ = func.__name__
    return view
