"""View return values and make_response."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WzResponse

import flask


@pytest.mark.parametrize(
    ("rv", "status", "body", "mimetype"),
    [
        ("text", 200, b"text", "text/html"),
        (b"bytes", 200, b"bytes", "text/html"),
        (bytearray(b"ba"), 200, b"ba", "text/html"),
        ({"a": 1}, 200, b'{"a":1}\n', "application/json"),
        ([1, 2], 200, b"[1,2]\n", "application/json"),
        (("created", 201), 201, b"created", "text/html"),
        (("teapot", "418 I AM A TEAPOT"), 418, b"teapot", "text/html"),
        (({"e": 1}, 400), 400, b'{"e":1}\n', "application/json"),
        (("h", {"X-A": "1"}), 200, b"h", "text/html"),
        (("h", [("X-A", "1")]), 200, b"h", "text/html"),
        (("h", 202, {"X-A": "1"}), 202, b"h", "text/html"),
        ((iter(["a", "b"]), 200), 200, b"ab", "text/html"),
    ],
)
def test_return_values(app: flask.Flask, client, rv, status, body, mimetype) -> None:
    app.add_url_rule("/", "index", lambda: rv)
    resp = client.get("/")
    assert resp.status_code == status
    assert resp.data == body
    assert resp.mimetype == mimetype


def test_tuple_headers_are_added(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> object:
        return "x", 200, Headers([("X-Multi", "1"), ("X-Multi", "2")])

    rv = client.get("/")
    assert rv.headers.getlist("X-Multi") == ["1", "2"]


def test_response_object_status_and_headers_override(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> object:
        return flask.Response("body", status=200), 404, {"X-Y": "z"}

    rv = client.get("/")
    assert rv.status_code == 404
    assert rv.headers["X-Y"] == "z"
    assert rv.data == b"body"


def test_generator_streams(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> object:
        def gen():
            yield "a"
            yield "b"

        return gen()

    assert client.get("/").data == b"ab"


def test_wsgi_callable(app: flask.Flask, client) -> None:
    def wsgi_app(environ, start_response):
        start_response("202 ACCEPTED", [("Content-Type", "text/plain")])
        return [b"from wsgi"]

    app.add_url_rule("/", "index", lambda: wsgi_app)
    rv = client.get("/")
    assert rv.status_code == 202
    assert rv.data == b"from wsgi"


def test_werkzeug_response_is_converted(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "index", lambda: WzResponse("wz", status=201))
    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.data == b"wz"


def test_none_is_a_clear_type_error(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> None:
        return None

    with pytest.raises(TypeError, match="did not return a valid response") as e:
        client.get("/")
    assert "'index'" in str(e.value)
    assert "returned None" in str(e.value)


def test_bad_tuple_is_a_clear_type_error(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "index", lambda: ("a", 200, {}, "extra"))
    with pytest.raises(TypeError, match="valid response tuple"):
        client.get("/")


def test_tuple_with_none_body(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "index", lambda: (None, 200))
    with pytest.raises(TypeError, match="returned None"):
        client.get("/")


def test_invalid_type_is_a_clear_type_error(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "index", lambda: 42)
    with pytest.raises(TypeError, match="but it was a int"):
        client.get("/")


def test_make_response_helper(app: flask.Flask) -> None:
    with app.test_request_context():
        rv = flask.make_response()
        assert rv.status_code == 200 and rv.data == b""
        rv = flask.make_response("hello", 404, {"X-A": "b"})
        assert (rv.status_code, rv.data, rv.headers["X-A"]) == (404, b"hello", "b")
        rv = flask.make_response(("w", 201))
        assert rv.status_code == 201
        rv = flask.make_response({"k": "v"})
        assert rv.json == {"k": "v"}


def test_custom_response_class(client) -> None:
    class MyResponse(flask.Response):
        default_mimetype = "text/plain"

    class MyApp(flask.Flask):
        response_class = MyResponse

    app = MyApp(__name__)
    app.add_url_rule("/", "index", lambda: "plain")
    rv = app.test_client().get("/")
    assert rv.mimetype == "text/plain"


def test_make_response_can_be_overridden(client) -> None:
    class MyApp(flask.Flask):
        def make_response(self, rv):  # type: ignore[no-untyped-def]
            if isinstance(rv, int):
                rv = str(rv)
            return super().make_response(rv)

    app = MyApp(__name__)
    app.add_url_rule("/", "index", lambda: 7)
    assert app.test_client().get("/").data == b"7"


def test_redirect_defaults_to_303(app: flask.Flask, client) -> None:
    app.add_url_rule("/", "index", lambda: flask.redirect("/target"))
    app.add_url_rule("/p", "p", lambda: flask.redirect("/target", 301))
    rv = client.get("/")
    assert rv.status_code == 303
    assert rv.headers["Location"] == "/target"
    assert client.get("/p").status_code == 301
    assert flask.redirect("/x").status_code == 303


def test_app_redirect_can_be_overridden() -> None:
    class MyApp(flask.Flask):
        def redirect(self, location, code=303):  # type: ignore[no-untyped-def]
            rv = super().redirect(location, code)
            rv.headers["X-Custom"] = "1"
            return rv

    app = MyApp(__name__)
    app.add_url_rule("/", "index", lambda: flask.redirect("/t"))
    assert app.test_client().get("/").headers["X-Custom"] == "1"


def test_abort(app: flask.Flask, client) -> None:
    @app.route("/<int:code>")
    def index(code: int) -> str:
        flask.abort(code)

    @app.route("/resp")
    def resp() -> str:
        flask.abort(flask.Response("custom", 418))

    assert client.get("/403").status_code == 403
    assert client.get("/404").status_code == 404
    rv = client.get("/resp")
    assert (rv.status_code, rv.data) == (418, b"custom")
    with pytest.raises(LookupError):
        flask.abort(999)


def test_abort_with_description(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> str:
        flask.abort(400, description="Missing 'name'")

    rv = client.get("/")
    assert rv.status_code == 400
    assert b"Missing &#39;name&#39;" in rv.data


def test_custom_aborter(client) -> None:
    from werkzeug.exceptions import Aborter

    calls = []

    class MyAborter(Aborter):
        def __call__(self, code, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(code)
            return super().__call__(code, *args, **kwargs)

    class MyApp(flask.Flask):
        aborter_class = MyAborter

    app = MyApp(__name__)

    @app.route("/")
    def index() -> str:
        flask.abort(410)

    assert app.test_client().get("/").status_code == 410
    assert calls == [410]


def test_json_request_errors(app: flask.Flask, client) -> None:
    @app.post("/")
    def index() -> object:
        return {"got": flask.request.get_json()}

    assert client.post("/", json={"a": [1]}).json == {"got": {"a": [1]}}
    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode" not in rv.data
    rv = client.post("/", data="x=1")
    assert rv.status_code == 415


def test_json_error_detail_in_debug(app: flask.Flask, client) -> None:
    app.config.update(DEBUG=True, PROPAGATE_EXCEPTIONS=False)

    @app.post("/")
    def index() -> object:
        return {"got": flask.request.get_json()}

    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode JSON object" in rv.data


def test_max_content_length(app: flask.Flask, client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return flask.request.form.get("a", "")

    assert client.post("/", data={"a": "x"}).data == b"x"
    assert client.post("/", data={"a": "x" * 100}).status_code == 413


def test_per_request_limit_override(app: flask.Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10
    with app.test_request_context():
        assert flask.request.max_content_length == 10
        flask.request.max_content_length = 50
        assert flask.request.max_content_length == 50
        assert flask.request.max_form_memory_size == 500_000
        assert flask.request.max_form_parts == 1000


def test_stream_with_context_tears_down_once_after_the_stream(
    app: flask.Flask,
) -> None:
    """Teardown runs once, after the last chunk, with the request still
    readable in the generator (Flask 3.1.3 runs it twice: see differences)."""
    events: list[str] = []

    @app.teardown_request
    def request_teardown(exc: BaseException | None) -> None:
        events.append("teardown_request")

    @app.teardown_appcontext
    def app_teardown(exc: BaseException | None) -> None:
        events.append("teardown_appcontext")

    @app.route("/")
    def index() -> flask.Response:
        def generate() -> t.Iterator[str]:
            events.append("first chunk")
            yield flask.request.args["a"]
            events.append("last chunk")
            yield "!"

        return flask.Response(flask.stream_with_context(generate()))

    response = app.test_client().get("/?a=x")
    assert response.data == b"x!"
    assert events == [
        "first chunk",
        "last chunk",
        "teardown_request",
        "teardown_appcontext",
    ]
