"""Flask-RESTX: namespaces, models, validation, its error router, Swagger.

Flask-RESTX replaces ``app.handle_exception`` and ``app.handle_user_exception``
on the instance with ``partial(api.error_router, original)``, which takes the
exception only and calls the original method with the exception only, and it
logs with ``current_app.log_exception(exc_info)``: the 3.1 calling forms,
which must keep working next to the 3.2 ctx-first methods.
"""

from __future__ import annotations

import logging
import typing as t

import pytest
from compat_support import ORACLE
from compat_support import require

import flask

restx = require("flask_restx")
from flask_restx import fields  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Boom(Exception):
    pass


class Teapot(Exception):
    pass


def make_app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(PROPAGATE_EXCEPTIONS=False)
    api = restx.Api(app, version="1.0", title="Todo API", doc="/docs/")
    ns = api.namespace("todos", description="Todo operations")
    todo = api.model(
        "Todo",
        {
            "id": fields.Integer(readonly=True),
            "task": fields.String(required=True),
        },
    )
    todos: dict[int, dict[str, t.Any]] = {1: {"id": 1, "task": "write"}}

    @ns.route("/")
    class TodoList(restx.Resource):  # type: ignore[misc]
        @ns.marshal_list_with(todo)  # type: ignore[misc]
        def get(self) -> t.Any:
            return list(todos.values())

        @ns.expect(todo, validate=True)  # type: ignore[misc]
        @ns.marshal_with(todo, code=201)  # type: ignore[misc]
        def post(self) -> t.Any:
            new_id = max(todos) + 1
            todos[new_id] = {"id": new_id, "task": api.payload["task"]}
            return todos[new_id], 201

    @ns.route("/<int:todo_id>")
    class Todo(restx.Resource):  # type: ignore[misc]
        @ns.marshal_with(todo)  # type: ignore[misc]
        def get(self, todo_id: int) -> t.Any:
            if todo_id not in todos:
                restx.abort(404, f"Todo {todo_id} doesn't exist")
            return todos[todo_id]

    @ns.route("/boom")
    class BoomResource(restx.Resource):  # type: ignore[misc]
        def get(self) -> t.Any:
            raise Boom("kaboom")

    @ns.route("/teapot")
    class TeapotResource(restx.Resource):  # type: ignore[misc]
        def get(self) -> t.Any:
            raise Teapot("short and stout")

    @api.errorhandler(Teapot)  # type: ignore[misc]
    def teapot(e: Teapot) -> t.Any:
        return {"message": str(e)}, 418

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    @app.route("/plain-boom")
    def plain_boom() -> str:
        raise Boom("plain")

    return app


@pytest.fixture
def app() -> flask.Flask:
    return make_app()


@pytest.fixture
def client(app: flask.Flask) -> t.Any:
    return app.test_client()


@pytest.mark.skipif(ORACLE, reason="checks how our flask calls the router")
def test_error_router_is_installed_on_the_instance(app: flask.Flask) -> None:
    assert "handle_exception" in vars(app)
    assert "handle_user_exception" in vars(app)
    # Called in the form they accept: the exception only.
    assert app._legacy_hooks == {"handle_exception", "handle_user_exception"}


def test_list_create_and_get(client: t.Any) -> None:
    rv = client.get("/todos/")
    assert rv.status_code == 200
    assert rv.get_json() == [{"id": 1, "task": "write"}]
    rv = client.post("/todos/", json={"task": "ship"})
    assert rv.status_code == 201
    assert rv.get_json() == {"id": 2, "task": "ship"}
    assert client.get("/todos/2").get_json() == {"id": 2, "task": "ship"}


def test_payload_validation_is_400(client: t.Any) -> None:
    rv = client.post("/todos/", json={"nope": 1})
    assert rv.status_code == 400
    assert rv.get_json() == {
        "errors": {"task": "'task' is a required property"},
        "message": "Input payload validation failed",
    }


def test_abort_goes_through_the_router(client: t.Any) -> None:
    rv = client.get("/todos/9")
    assert rv.status_code == 404
    assert rv.mimetype == "application/json"
    assert rv.get_json()["message"].startswith("Todo 9 doesn't exist.")


def test_unhandled_error_is_json_500_and_logged(
    client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        rv = client.get("/todos/boom")
    assert rv.status_code == 500
    assert rv.get_json() == {"message": "Internal Server Error"}
    records = [r for r in caplog.records if r.getMessage().startswith("Exception")]
    assert [r.getMessage() for r in records] == ["Exception on /todos/boom [GET]"]
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is Boom


def test_api_errorhandler(client: t.Any) -> None:
    rv = client.get("/todos/teapot")
    assert rv.status_code == 418
    assert rv.get_json() == {"message": "short and stout"}


def test_routes_outside_the_api_use_flask_handling(client: t.Any) -> None:
    assert client.get("/plain").data == b"plain"
    rv = client.get("/plain-boom")
    assert rv.status_code == 500
    assert rv.mimetype == "text/html"
    assert b"Internal Server Error" in rv.data
    rv = client.get("/nothing")
    assert rv.status_code == 404
    assert rv.mimetype == "text/html"


def test_method_not_allowed_and_options(client: t.Any) -> None:
    rv = client.delete("/todos/1")
    assert rv.status_code == 405
    assert rv.get_json() == {
        "message": "The method is not allowed for the requested URL."
    }
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    rv = client.options("/todos/")
    assert rv.status_code == 200
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_swagger_spec_and_docs(client: t.Any) -> None:
    spec = client.get("/swagger.json").get_json()
    assert sorted(spec["paths"]) == [
        "/todos/",
        "/todos/boom",
        "/todos/teapot",
        "/todos/{todo_id}",
    ]
    assert spec["info"] == {"title": "Todo API", "version": "1.0"}
    assert sorted(spec["definitions"]) == ["Todo"]
    rv = client.get("/docs/")
    assert rv.status_code == 200
    assert b"<title>Todo API</title>" in rv.data
