"""Blueprints and class-based views as users write them, checked by mypy and
pyright; ``run_checks`` runs them."""

from __future__ import annotations

import sys
import typing as t

from flask import abort
from flask import Blueprint
from flask import Flask
from flask import g
from flask import jsonify
from flask import request
from flask import Response
from flask import url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask.views import View

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

bp = Blueprint("api", __name__, url_prefix="/api")
assert_type(bp.name, str)


@bp.route("/items/<int:item_id>")
def get_item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@bp.before_request
def require_key() -> Response | None:
    if request.headers.get("X-Key") != "secret":
        return Response("no key", status=401)
    return None


@bp.after_request
def tag(response: Response) -> Response:
    response.headers["X-Blueprint"] = bp.name
    return response


@bp.errorhandler(404)
def bp_not_found(error: Exception) -> tuple[Response, int]:
    return jsonify(error="not found"), 404


@bp.app_template_filter()
def money(value: int) -> str:
    return f"${value}"


@bp.app_template_global()
def site() -> str:
    return "typed"


@bp.record_once
def on_register(state: t.Any) -> None:
    state.app.config.setdefault("API_REGISTERED", True)


item_view: t.Callable[[int], dict[str, int]] = get_item
guard: t.Callable[[], Response | None] = require_key
after: t.Callable[[Response], Response] = tag
handler: t.Callable[[Exception], tuple[Response, int]] = bp_not_found
money_filter: t.Callable[[int], str] = money


def timed(view: t.Callable[..., ResponseReturnValue]) -> t.Callable[..., t.Any]:
    """A view decorator as listed in ``View.decorators``."""

    def wrapper(**kwargs: t.Any) -> ResponseReturnValue:
        g.timed = True
        return view(**kwargs)

    return wrapper


class Greeting(View):
    methods = ["GET"]
    init_every_request = False

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def dispatch_request(self, name: str) -> str:
        return f"{self.greeting}, {name}"


class ItemAPI(MethodView):
    decorators = [timed]

    def get(self, item_id: int | None = None) -> ResponseReturnValue:
        if item_id is None:
            return [1, 2]
        if item_id > 10:
            abort(404)
        return {"id": item_id, "timed": g.get("timed")}

    def post(self) -> tuple[dict[str, t.Any], int]:
        data = request.get_json()
        return {"created": data}, 201


greeting_view = Greeting.as_view("greeting", "Hello")
assert_type(greeting_view.__name__, str)
items_view = ItemAPI.as_view("items")
bp.add_url_rule("/greet/<name>", view_func=greeting_view)
bp.add_url_rule("/things/", view_func=items_view, methods=["GET", "POST"])
bp.add_url_rule("/things/<int:item_id>", view_func=items_view)

child = Blueprint("child", __name__)


@child.get("/child")
def child_view() -> str:
    return url_for(".child_view")


bp.register_blueprint(child, url_prefix="/nested")


def create_app() -> Flask:
    """An application factory registering the blueprint."""
    app = Flask(__name__)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="api2", url_prefix="/v2")
    assert "api2" in app.blueprints
    return app


def run_checks() -> None:
    """Run the blueprint and views above through the test client."""
    app = create_app()
    assert app.config["API_REGISTERED"] is True
    client = app.test_client()
    headers = {"X-Key": "secret"}
    assert client.get("/api/items/3").status_code == 401
    rv = client.get("/api/items/3", headers=headers)
    assert (rv.json, rv.headers["X-Blueprint"]) == ({"id": 3}, "api")
    assert client.get("/v2/items/4", headers=headers).json == {"id": 4}
    assert client.get("/api/greet/ada", headers=headers).text == "Hello, ada"
    assert client.get("/api/things/", headers=headers).json == [1, 2]
    rv = client.get("/api/things/5", headers=headers)
    assert rv.json == {"id": 5, "timed": True}
    rv = client.get("/api/things/11", headers=headers)
    assert (rv.status_code, rv.json) == (404, {"error": "not found"})
    rv = client.post("/api/things/", json={"a": 1}, headers=headers)
    assert (rv.status_code, rv.json) == (201, {"created": {"a": 1}})
    rv = client.get("/api/nested/child", headers=headers)
    assert rv.text == "/api/nested/child"
    with app.test_request_context():
        from flask import render_template_string

        assert render_template_string("{{ 5|money }} {{ site() }}") == "$5 typed"
