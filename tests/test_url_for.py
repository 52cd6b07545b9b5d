"""URL building: url_for, defaults, preprocessors, build errors."""

from __future__ import annotations

import pytest
from werkzeug.routing import BuildError

import flask


@pytest.fixture
def routes(app: flask.Flask) -> flask.Flask:
    @app.route("/")
    def index() -> str:
        return ""

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    @app.route("/post", methods=["POST"])
    def post_only() -> str:
        return ""

    @app.route("/get", methods=["GET"], endpoint="method_ep")
    def get_ep() -> str:
        return ""

    app.add_url_rule("/post-ep", "method_ep", methods=["POST"])
    return app


def test_url_for_in_request(routes: flask.Flask) -> None:
    with routes.test_request_context():
        assert flask.url_for("index") == "/"
        assert flask.url_for("user", name="a b") == "/user/a%20b"
        assert flask.url_for("user", name="x", page=2) == "/user/x?page=2"
        assert flask.url_for("index", _external=True) == "http://localhost/"
        assert flask.url_for("index", _anchor="a b") == "/#a%20b"
        assert flask.url_for("index", _scheme="https") == "https://localhost/"
        assert flask.url_for("method_ep", _method="POST") == "/post-ep"
        assert flask.url_for("method_ep", _method="GET") == "/get"


def test_scheme_requires_external(routes: flask.Flask) -> None:
    with routes.test_request_context():
        with pytest.raises(ValueError, match="_external"):
            flask.url_for("index", _scheme="https", _external=False)


def test_unknown_endpoint_raises_build_error(routes: flask.Flask) -> None:
    with routes.test_request_context():
        with pytest.raises(BuildError):
            flask.url_for("nope")
        with pytest.raises(BuildError):
            flask.url_for("user")  # missing value


def test_url_for_outside_request_needs_server_name(routes: flask.Flask) -> None:
    with routes.app_context():
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            flask.url_for("index")
    routes.config.update(
        SERVER_NAME="example.test",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    with routes.app_context():
        assert flask.url_for("user", name="x") == "https://example.test/app/user/x"
        assert flask.url_for("index", _external=False) == "/app/"


def test_app_url_for_without_context(routes: flask.Flask) -> None:
    routes.config["SERVER_NAME"] = "example.test"
    assert routes.url_for("index") == "http://example.test/"


def test_url_for_uses_script_root(app: flask.Flask) -> None:
    @app.route("/x")
    def x() -> str:
        return flask.url_for("x")

    rv = app.test_client().get("/x", environ_overrides={"SCRIPT_NAME": "/prefix"})
    assert rv.data == b"/prefix/x"


def test_url_defaults_and_value_preprocessor(app: flask.Flask, client) -> None:
    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, object]) -> None:
        if "lang" in app.url_map._rules_by_endpoint[endpoint][0].arguments:
            values.setdefault("lang", flask.g.get("lang", "en"))

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):  # type: ignore[no-untyped-def]
        flask.g.lang = values.pop("lang", None)

    @app.route("/<lang>/page")
    def page() -> str:
        return f"{flask.g.lang} {flask.url_for('page')}"

    assert client.get("/de/page").data == b"de /de/page"


def test_build_error_handler(app: flask.Flask) -> None:
    def handler(error, endpoint, values):  # type: ignore[no-untyped-def]
        if endpoint == "external":
            return "https://external.test/"
        return None

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        assert flask.url_for("external") == "https://external.test/"
        with pytest.raises(BuildError):
            flask.url_for("other")


def test_build_error_handler_can_raise_better_error(app: flask.Flask) -> None:
    class MyError(BuildError):
        pass

    def handler(error, endpoint, values):  # type: ignore[no-untyped-def]
        raise MyError(endpoint, values, None)

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        with pytest.raises(MyError):
            flask.url_for("missing")


def test_external_in_request_uses_host(app: flask.Flask) -> None:
    @app.route("/")
    def index() -> str:
        return flask.url_for("index", _external=True)

    rv = app.test_client().get("/", base_url="https://secure.test")
    assert rv.data == b"https://secure.test/"
