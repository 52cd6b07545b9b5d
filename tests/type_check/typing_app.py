"""An app written the way users write one, checked by mypy and pyright.

Each ``assert_type`` fails the type check if the public API's annotations
drift; ``run_checks`` runs the app so the code is known to work too.
"""

from __future__ import annotations

import io
import sys
import typing as t
from http import HTTPStatus

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from flask import abort
from flask import after_this_request
from flask import Config
from flask import current_app
from flask import flash
from flask import Flask
from flask import g
from flask import get_flashed_messages
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template_string
from flask import request
from flask import Response
from flask import send_file
from flask import session
from flask import url_for
from flask.ctx import AppContext
from flask.sessions import SessionMixin
from flask.typing import ResponseReturnValue

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

app = Flask(__name__)
app.config.from_mapping(SECRET_KEY="typing-test", TESTING=True)
app.config["GREETING"] = "Hello"
assert_type(app.config, Config)
assert_type(app.config["GREETING"], t.Any)
assert_type(app.config.get("GREETING"), t.Any | None)
assert_type(app.debug, bool)
assert_type(app.testing, bool)
assert_type(app.secret_key, str | bytes | None)
assert_type(app.name, str)


# Views: the decorators return the function unchanged.
@app.route("/")
def index() -> str:
    return f"{current_app.config['GREETING']}, {g.get('user', 'anonymous')}"


@app.route("/users/<int:user_id>")
def show_user(user_id: int) -> dict[str, t.Any]:
    return {"id": user_id, "url": url_for("show_user", user_id=user_id)}


@app.get("/status")
def status() -> tuple[str, int]:
    return "created", 201


@app.post("/status")
def status_post() -> tuple[str, HTTPStatus, dict[str, str]]:
    return "accepted", HTTPStatus.ACCEPTED, {"X-Kind": "post"}


@app.route("/async")
async def async_view() -> str:
    return "async"


show_user_view: t.Callable[[int], dict[str, t.Any]] = show_user
async_view_fn: t.Callable[[], t.Awaitable[str]] = async_view


@app.route("/search")
def search() -> Response:
    page = request.args.get("page", 1, type=int)
    assert_type(page, int)
    limit = request.args.get("limit", type=int)
    assert_type(limit, int | None)
    query = request.args.get("q")
    assert_type(query, str | None)
    tags = request.args.getlist("tag")
    assert_type(tags, list[str])
    assert_type(request.method, str)
    assert_type(request.view_args, dict[str, t.Any] | None)
    assert_type(request.endpoint, str | None)
    response = jsonify(page=page, limit=limit, q=query, tags=tags)
    assert_type(response, Response)
    return response


@app.route("/form", methods=["POST"])
def form() -> ResponseReturnValue:
    name = request.form.get("name", "")
    assert_type(name, str)
    payload = request.get_json(silent=True)
    assert_type(payload, t.Any)
    upload = request.files.get("file")
    size = len(upload.read()) if upload is not None else 0
    return {"name": name, "size": size}


@app.route("/made")
def made() -> Response:
    response = make_response("made", 202)
    assert_type(response, Response)
    response.headers["X-Made"] = "yes"
    response.set_cookie("made", "1")
    return response


@app.route("/go")
def go() -> BaseResponse:
    target = url_for("index", _external=True)
    assert_type(target, str)
    return redirect(target)


@app.route("/missing")
def missing() -> str:
    abort(404)


@app.route("/file")
def file() -> Response:
    return send_file(io.BytesIO(b"data"), mimetype="text/plain")


@app.route("/login")
def login() -> str:
    session["user"] = "ada"
    session.permanent = True
    assert_type(session, SessionMixin)
    assert_type(session.get("user"), t.Any | None)
    flash("logged in", "info")
    messages = get_flashed_messages()
    assert_type(messages, list[str] | list[tuple[str, str]])
    return render_template_string("{{ session.user }} {{ 'ok'|shout }}")


@app.route("/later")
def later() -> str:
    @after_this_request
    def add_header(response: Response) -> Response:
        response.headers["X-Later"] = "1"
        return response

    hook: t.Callable[[Response], Response] = add_header
    assert_type(hook(Response()), Response)
    return "later"


# Request hooks and handlers: also returned unchanged.
@app.before_request
def load_user() -> None:
    g.user = request.headers.get("X-User")


@app.after_request
def add_server(response: Response) -> Response:
    response.headers["X-Server"] = "typed"
    return response


@app.teardown_request
def teardown(exc: BaseException | None) -> None:
    g.pop("user", None)


@app.teardown_appcontext
def teardown_app(exc: BaseException | None) -> None:
    pass


@app.context_processor
def inject() -> dict[str, t.Any]:
    return {"site": "typed"}


@app.url_value_preprocessor
def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
    if values is not None:
        g.lang = values.pop("lang", None)


@app.url_defaults
def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
    values.setdefault("lang", None)


@app.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    return f"nothing at {request.path}", 404


@app.errorhandler(500)
def server_error(error: Exception) -> tuple[str, int]:
    return "oops", 500


def handle_http(error: HTTPException) -> ResponseReturnValue:
    return error.get_response()


app.register_error_handler(418, handle_http)


@app.template_filter("shout")
def shout(value: str) -> str:
    return value.upper() + "!"


@app.template_filter
def reverse(value: str) -> str:
    return value[::-1]


@app.template_test()
def short(value: str) -> bool:
    return len(value) < 5


@app.template_global
def double(n: int) -> int:
    return n * 2


@app.shell_context_processor
def shell_context() -> dict[str, t.Any]:
    return {"app": app}


@app.cli.command("hello")
def hello_command() -> None:
    print("hello")


pull: t.Callable[[str | None, dict[str, t.Any] | None], None] = pull_lang


def run_checks() -> None:
    """Call the functions above directly (the decorators kept their types),
    then run the app through the test client and CLI runner."""
    with app.test_request_context("/users/1") as ctx:
        assert_type(ctx, AppContext)
        assert_type(current_app, Flask)
        assert current_app.name == app.name
        assert assert_type(index(), str) == "Hello, anonymous"
        assert assert_type(show_user(1), dict[str, t.Any])["url"] == "/users/1"
        assert assert_type(status(), tuple[str, int]) == ("created", 201)
        load_user()
        assert g.user is None
        assert assert_type(add_server(Response()), Response).headers["X-Server"]
        assert assert_type(not_found(NotFound()), tuple[str, int])[1] == 404
        assert assert_type(shout("a"), str) == "A!"
        assert assert_type(reverse("ab"), str) == "ba"
        assert assert_type(short("a"), bool)
        assert assert_type(double(2), int) == 4

    client = app.test_client()
    assert client.get("/", headers={"X-User": "ada"}).text == "Hello, ada"
    rv = client.get("/users/7")
    assert rv.json == {"id": 7, "url": "/users/7"}
    assert rv.headers["X-Server"] == "typed"
    assert client.get("/status").status_code == 201
    rv = client.post("/status")
    assert (rv.status_code, rv.headers["X-Kind"]) == (202, "post")
    assert client.get("/async").text == "async"
    rv = client.get("/search?page=2&q=x&tag=a&tag=b")
    assert rv.json == {"page": 2, "limit": None, "q": "x", "tags": ["a", "b"]}
    rv = client.post("/form", data={"name": "n", "file": (io.BytesIO(b"abc"), "f")})
    assert rv.json == {"name": "n", "size": 3}
    rv = client.get("/made")
    assert (rv.status_code, rv.headers["X-Made"], rv.text) == (202, "yes", "made")
    assert client.get("/go").headers["Location"] == "http://localhost/"
    rv = client.get("/missing")
    assert (rv.status_code, rv.text) == (404, "nothing at /missing")
    assert client.get("/file").data == b"data"
    assert client.get("/login").text == "ada OK!"
    assert client.get("/later").headers["X-Later"] == "1"
    with app.test_request_context():
        assert render_template_string("{{ 'abc'|reverse }}") == "cba"
        assert render_template_string("{{ 'ab' is short }}") == "True"
        assert render_template_string("{{ double(4) }}") == "8"
    result = app.test_cli_runner().invoke(args=["hello"])
    assert result.output == "hello\n"
