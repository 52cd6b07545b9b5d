"""Flask-RESTful: Resource classes, reqparse errors, marshalling, blueprints."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

rest = require("flask_restful")
from flask_restful import fields  # noqa: E402
from flask_restful import reqparse  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TODO_FIELDS = {
    "id": fields.Integer,
    "task": fields.String,
    "done": fields.Boolean(default=False),
    "uri": fields.Url("todo", absolute=False),
}
"""fields.Url builds the URL from the marshalled object: it needs ``todo_id``."""


def make_app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True)
    todos: dict[int, dict[str, t.Any]] = {
        1: {"id": 1, "todo_id": 1, "task": "write tests"}
    }

    parser = reqparse.RequestParser()
    parser.add_argument("task", type=str, required=True, help="task is required")
    parser.add_argument("priority", type=int, location="args")
    # The default locations include "json", which Werkzeug answers with 415
    # for a form body (on real Flask too): read forms explicitly.
    form_parser = reqparse.RequestParser()
    form_parser.add_argument("task", required=True, location="form")

    class Todo(rest.Resource):
        @rest.marshal_with(TODO_FIELDS)
        def get(self, todo_id: int) -> t.Any:
            if todo_id not in todos:
                rest.abort(404, message=f"todo {todo_id} does not exist")
            return todos[todo_id]

        def delete(self, todo_id: int) -> t.Any:
            todos.pop(todo_id, None)
            return "", 204

    class TodoList(rest.Resource):
        def get(self) -> t.Any:
            return [rest.marshal(v, TODO_FIELDS) for v in todos.values()]

        def post(self) -> t.Any:
            if flask.request.is_json:
                args = parser.parse_args()
            else:
                args = {**form_parser.parse_args(), "priority": None}
            new_id = max(todos, default=0) + 1
            todos[new_id] = {"id": new_id, "todo_id": new_id, "task": args["task"]}
            headers = {"X-Priority": str(args["priority"])}
            return rest.marshal(todos[new_id], TODO_FIELDS), 201, headers

    # catch_all_404s: JSON errors for URLs that match no resource too
    api = rest.Api(app, catch_all_404s=True)
    api.add_resource(TodoList, "/todos")
    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")

    bp = flask.Blueprint("v2", __name__, url_prefix="/v2")
    bp_api = rest.Api(bp)

    class Ping(rest.Resource):
        def get(self) -> t.Any:
            return {"pong": True, "endpoint": flask.request.endpoint}

    bp_api.add_resource(Ping, "/ping")
    app.register_blueprint(bp)
    return app


@pytest.fixture
def client() -> t.Any:
    return make_app().test_client()


def test_get_marshals_with_url_field(client: t.Any) -> None:
    rv = client.get("/todos/1")
    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.get_json() == {
        "id": 1,
        "task": "write tests",
        "done": False,
        "uri": "/todos/1",
    }


def test_list_and_create(client: t.Any) -> None:
    rv = client.post("/todos?priority=3", json={"task": "ship"})
    assert rv.status_code == 201
    assert rv.headers["X-Priority"] == "3"
    assert rv.get_json()["uri"] == "/todos/2"
    tasks = [item["task"] for item in client.get("/todos").get_json()]
    assert tasks == ["write tests", "ship"]


def test_form_body_is_parsed(client: t.Any) -> None:
    rv = client.post("/todos", data={"task": "from a form"})
    assert rv.status_code == 201
    assert rv.get_json()["task"] == "from a form"
    rv = client.post("/todos", data={"other": "x"})
    assert rv.status_code == 400
    assert "task" in rv.get_json()["message"]


def test_reqparse_missing_argument_is_400(client: t.Any) -> None:
    rv = client.post("/todos", json={"other": 1})
    assert rv.status_code == 400
    assert rv.get_json() == {"message": {"task": "task is required"}}


def test_reqparse_bad_type_is_400(client: t.Any) -> None:
    rv = client.post("/todos?priority=high", json={"task": "x"})
    assert rv.status_code == 400
    message = rv.get_json()["message"]["priority"]
    assert "invalid literal for int()" in message


def test_abort_with_message(client: t.Any) -> None:
    rv = client.get("/todos/9")
    assert rv.status_code == 404
    assert rv.get_json()["message"].startswith("todo 9 does not exist")


def test_unknown_url_gets_json_404(client: t.Any) -> None:
    rv = client.get("/nothing-here")
    assert rv.status_code == 404
    assert rv.mimetype == "application/json"
    assert "not found" in rv.get_json()["message"].lower()


def test_method_not_allowed(client: t.Any) -> None:
    rv = client.put("/todos/1", json={})
    assert rv.status_code == 405
    assert set(rv.headers["Allow"].split(", ")) >= {"GET", "DELETE"}


def test_delete_returns_204(client: t.Any) -> None:
    rv = client.delete("/todos/1")
    assert rv.status_code == 204
    assert rv.data == b""
    assert client.get("/todos/1").status_code == 404


def test_resource_in_blueprint(client: t.Any) -> None:
    rv = client.get("/v2/ping")
    assert rv.status_code == 200
    assert rv.get_json() == {"pong": True, "endpoint": "v2.ping"}


def test_url_for_resource() -> None:
    app = make_app()
    with app.test_request_context():
        assert flask.url_for("todo", todo_id=5) == "/todos/5"
        assert flask.url_for("todolist") == "/todos"
        assert flask.url_for("v2.ping") == "/v2/ping"
