"""Routing: rules, methods, automatic OPTIONS/HEAD, redirects, converters."""

from __future__ import annotations

import warnings

import pytest
from werkzeug.routing import BaseConverter
from werkzeug.routing import Rule

import flask


def test_route_and_method_shortcuts(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.get("/g")
    def get_() -> str:
        return "get"

    @app.post("/p")
    def post_() -> str:
        return "post"

    @app.put("/u")
    def put_() -> str:
        return "put"

    @app.delete("/d")
    def delete_() -> str:
        return "delete"

    @app.patch("/pa")
    def patch_() -> str:
        return "patch"

    assert client.get("/").data == b"index"
    assert client.get("/g").data == b"get"
    assert client.post("/p").data == b"post"
    assert client.put("/u").data == b"put"
    assert client.delete("/d").data == b"delete"
    assert client.patch("/pa").data == b"patch"
    assert client.get("/p").status_code == 405
    assert client.post("/g").status_code == 405


def test_method_shortcut_rejects_methods(app: flask.Flask) -> None:
    with pytest.raises(TypeError, match="Use the 'route' decorator"):
        app.get("/", methods=["POST"])


def test_methods_must_be_a_list(app: flask.Flask) -> None:
    with pytest.raises(TypeError, match="Allowed methods must be a list"):

        @app.route("/", methods="POST")
        def index() -> str:
            return ""


def test_405_lists_allowed_methods(app: flask.Flask, client) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return flask.request.method

    rv = client.put("/")
    assert rv.status_code == 405
    assert sorted(rv.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS", "POST"]
    assert client.post("/").data == b"POST"


def test_automatic_options(app: flask.Flask, client) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "x"

    rv = client.open("/", method="OPTIONS")
    assert rv.status_code == 200
    assert rv.data == b""
    assert sorted(rv.allow) == ["GET", "HEAD", "OPTIONS", "POST"]


def test_automatic_options_can_be_disabled(app: flask.Flask, client) -> None:
    def index() -> str:
        return "x"

    index.provide_automatic_options = False  # type: ignore[attr-defined]
    app.route("/")(index)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/other")
    def other() -> str:
        return "x"

    assert client.open("/", method="OPTIONS").status_code == 405
    assert client.open("/other", method="OPTIONS").status_code == 405


def test_explicit_options_view(app: flask.Flask, client) -> None:
    @app.route("/", methods=["OPTIONS"])
    def index() -> str:
        return "custom"

    assert client.open("/", method="OPTIONS").data == b"custom"


def test_provide_automatic_options_argument(app: flask.Flask, client) -> None:
    app.add_url_rule(
        "/", view_func=lambda: "x", endpoint="i", provide_automatic_options=False
    )
    assert client.open("/", method="OPTIONS").status_code == 405


def test_head_is_automatic_and_has_no_body(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> str:
        return "hello"

    rv = client.head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "5"


def test_strict_slashes_redirect_308(app: flask.Flask, client) -> None:
    @app.route("/folder/")
    def folder() -> str:
        return "folder"

    rv = client.get("/folder")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/folder/"
    rv = client.get("/folder", follow_redirects=True)
    assert rv.data == b"folder"


def test_strict_slashes_false(app: flask.Flask, client) -> None:
    @app.route("/path/", strict_slashes=False)
    def path() -> str:
        return "p"

    assert client.get("/path").data == b"p"
    assert client.get("/path/").data == b"p"


def test_debug_post_redirect_explains(app: flask.Flask, client) -> None:
    app.debug = True

    @app.route("/foo/", methods=["GET", "POST"])
    def foo() -> str:
        return "x"

    # A 308 keeps the body, so no error even in debug mode.
    assert client.post("/foo").status_code == 308


def test_converters(app: flask.Flask, client) -> None:
    @app.route("/int/<int:x>")
    def i(x: int) -> str:
        return repr(x)

    @app.route("/float/<float:x>")
    def f(x: float) -> str:
        return repr(x)

    @app.route("/path/<path:p>")
    def p(p: str) -> str:
        return p

    @app.route("/uuid/<uuid:u>")
    def u(u: object) -> str:
        return type(u).__name__

    assert client.get("/int/42").data == b"42"
    assert client.get("/int/x").status_code == 404
    assert client.get("/float/1.5").data == b"1.5"
    assert client.get("/path/a/b/c").data == b"a/b/c"
    assert client.get("/uuid/12345678-1234-5678-1234-567812345678").data == b"UUID"


def test_custom_converter(app: flask.Flask, client) -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:  # type: ignore[override]
            return ",".join(BaseConverter.to_url(self, x) for x in value)

    app.url_map.converters["list"] = ListConverter

    @app.route("/<list:args>")
    def index(args: list[str]) -> str:
        return "|".join(args)

    assert client.get("/1,2,3").data == b"1|2|3"
    with app.test_request_context():
        assert flask.url_for("index", args=["a", "b"]) == "/a,b"


def test_defaults(app: flask.Flask, client) -> None:
    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n: int) -> str:
        return f"page {n}"

    assert client.get("/page/").data == b"page 1"
    assert client.get("/page/3").data == b"page 3"


def test_endpoint_decorator(app: flask.Flask, client) -> None:
    app.url_map.add(Rule("/foo", endpoint="bar"))

    @app.endpoint("bar")
    def bar() -> str:
        return "bar"

    assert client.get("/foo").data == b"bar"


def test_add_url_rule_without_view_needs_endpoint(app: flask.Flask) -> None:
    with pytest.raises(AssertionError, match="expected view func"):
        app.add_url_rule("/")


def test_endpoint_overwrite_is_an_error(app: flask.Flask) -> None:
    @app.route("/a")
    def index() -> str:
        return "a"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint"):

        @app.route("/b", endpoint="index")
        def other() -> str:
            return "b"

    # The same function may be registered for several rules.
    app.add_url_rule("/c", view_func=index)


def test_redirect_to(app: flask.Flask, client) -> None:
    app.add_url_rule("/old", redirect_to="/new", endpoint="old")

    @app.route("/new")
    def new() -> str:
        return "new"

    rv = client.get("/old")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/new"


def test_view_functions_and_url_map(app: flask.Flask) -> None:
    @app.route("/x", methods=["POST"])
    def x() -> str:
        return "x"

    assert app.view_functions["x"] is x
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "x")
    assert rule.methods == {"POST", "OPTIONS"}


def test_custom_rule_and_map_classes(client) -> None:
    class MyRule(Rule):
        pass

    class MyApp(flask.Flask):
        url_rule_class = MyRule

    app = MyApp(__name__)

    @app.route("/")
    def index() -> str:
        return type(flask.request.url_rule).__name__

    assert app.test_client().get("/").data == b"MyRule"


def test_subdomain_matching(client) -> None:
    app = flask.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", subdomain="<user>")
    def user(user: str) -> str:
        return user

    @app.route("/")
    def index() -> str:
        return "index"

    c = app.test_client()
    assert c.get("/", "http://alice.example.test/").data == b"alice"
    assert c.get("/", "http://example.test/").data == b"index"


def test_server_name_mismatch_warning_is_attributed_to_flask_app() -> None:
    """Werkzeug warns when the request's host does not end with
    ``SERVER_NAME``; as in Flask the warning comes from ``flask.app``, so a
    filter naming that module (as Flask's own tests use) silences it."""
    app = flask.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "localhost.localdomain:3000"
    app.add_url_rule("/", "index", lambda: ("", 204))
    client = app.test_client()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings(
            "ignore", "Current server name", UserWarning, "flask.app"
        )
        assert client.get("/", "http://127.0.0.1:3000/").status_code == 404
    with pytest.warns(UserWarning, match="Current server name") as record:
        client.get("/", "http://127.0.0.1:3000/")
    assert record[0].filename.replace("\\", "/").endswith("/flask/app.py")
    assert client.get("/", "http://localhost.localdomain:3000/").status_code == 204


def test_host_matching() -> None:
    app = flask.Flask(__name__, host_matching=True, static_host="static.test")

    @app.route("/", host="a.test")
    def a() -> str:
        return "a"

    @app.route("/", host="<name>.b.test")
    def b(name: str) -> str:
        return name

    c = app.test_client()
    assert c.get("/", "http://a.test/").data == b"a"
    assert c.get("/", "http://x.b.test/").data == b"x"
    assert c.get("/", "http://other.test/").status_code == 404


def test_static_host_requires_host_matching() -> None:
    with pytest.raises(AssertionError, match="static_host"):
        flask.Flask(__name__, static_host="x.test")


def test_request_routing_attributes(app: flask.Flask, client) -> None:
    @app.route("/<int:n>")
    def index(n: int) -> dict[str, object]:
        r = flask.request
        return {
            "endpoint": r.endpoint,
            "view_args": r.view_args,
            "rule": r.url_rule.rule if r.url_rule else None,
            "blueprint": r.blueprint,
            "blueprints": r.blueprints,
        }

    assert client.get("/3").json == {
        "endpoint": "index",
        "view_args": {"n": 3},
        "rule": "/<int:n>",
        "blueprint": None,
        "blueprints": [],
    }


def test_routing_exception_available_to_hooks(app: flask.Flask, client) -> None:
    seen = []

    @app.before_request
    def before() -> None:
        seen.append(type(flask.request.routing_exception).__name__)

    assert client.get("/nope").status_code == 404
    assert seen == ["NotFound"]


def test_setup_after_first_request_is_an_error(app: flask.Flask, client) -> None:
    @app.route("/")
    def index() -> str:
        return ""

    client.get("/")
    with pytest.raises(AssertionError, match="already handled its first request"):

        @app.route("/late")
        def late() -> str:
            return ""
