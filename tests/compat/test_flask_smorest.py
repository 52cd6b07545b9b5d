"""flask-smorest: blueprints of MethodViews, marshmallow schemas through
webargs, pagination, ETags, JSON errors and the generated OpenAPI spec."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

# flask-smorest calls ``flask.cli.AppGroup`` at import time after a bare
# ``import flask``; the package exposing its submodules is tested on its own
# (issue 13, item 6), so this suite does not depend on it.
import flask.cli  # noqa: F401
from flask.views import MethodView

smorest = require("flask_smorest")
ma = require("marshmallow")
from flask_smorest import abort  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class PetSchema(ma.Schema):  # type: ignore[misc,name-defined]
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.String(required=True)


class PetQuerySchema(ma.Schema):  # type: ignore[misc,name-defined]
    name = ma.fields.String()


def make_app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(
        TESTING=True,
        API_TITLE="Pets",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.2",
        OPENAPI_URL_PREFIX="/",
    )
    api = smorest.Api(app)
    blp = smorest.Blueprint("pets", __name__, url_prefix="/pets")
    pets: dict[int, dict[str, t.Any]] = {
        i: {"id": i, "name": f"pet{i}"} for i in range(1, 26)
    }

    @blp.route("/")
    class Pets(MethodView):
        @blp.arguments(PetQuerySchema, location="query")
        @blp.response(200, PetSchema(many=True))
        @blp.paginate(smorest.Page)
        def get(self, args: dict[str, t.Any]) -> t.Any:
            rv = list(pets.values())
            if "name" in args:
                rv = [p for p in rv if p["name"] == args["name"]]
            return rv

        @blp.arguments(PetSchema)
        @blp.response(201, PetSchema)
        def post(self, data: dict[str, t.Any]) -> t.Any:
            new_id = max(pets) + 1
            pets[new_id] = {"id": new_id, **data}
            return pets[new_id]

    @blp.route("/<int:pet_id>")
    class Pet(MethodView):
        @blp.etag
        @blp.response(200, PetSchema)
        def get(self, pet_id: int) -> t.Any:
            if pet_id not in pets:
                abort(404, message="No such pet.")
            return pets[pet_id]

    api.register_blueprint(blp)
    return app


@pytest.fixture
def client() -> t.Any:
    return make_app().test_client()


def test_paginated_list(client: t.Any) -> None:
    rv = client.get("/pets/?page=2&page_size=10")
    assert rv.status_code == 200
    assert [p["id"] for p in rv.get_json()] == list(range(11, 21))
    pagination = flask.json.loads(rv.headers["X-Pagination"])
    assert pagination["total"] == 25
    assert pagination["total_pages"] == 3
    assert pagination["page"] == 2


def test_query_arguments(client: t.Any) -> None:
    rv = client.get("/pets/?name=pet3")
    assert rv.get_json() == [{"id": 3, "name": "pet3"}]


def test_create_and_validation_error(client: t.Any) -> None:
    rv = client.post("/pets/", json={"name": "rex"})
    assert rv.status_code == 201
    assert rv.get_json() == {"id": 26, "name": "rex"}
    rv = client.post("/pets/", json={"id": 1})
    assert rv.status_code == 422
    body = rv.get_json()
    assert body["code"] == 422
    assert body["status"] == "Unprocessable Entity"
    assert body["errors"]["json"] == {
        "id": ["Unknown field."],
        "name": ["Missing data for required field."],
    }


def test_abort_is_json(client: t.Any) -> None:
    rv = client.get("/pets/99")
    assert rv.status_code == 404
    assert rv.get_json() == {
        "code": 404,
        "message": "No such pet.",
        "status": "Not Found",
    }


def test_unknown_url_and_method_are_json_errors(client: t.Any) -> None:
    rv = client.get("/nothing")
    assert rv.status_code == 404
    assert rv.get_json()["status"] == "Not Found"
    rv = client.delete("/pets/1")
    assert rv.status_code == 405
    assert rv.get_json()["code"] == 405


def test_etag_and_conditional_get(client: t.Any) -> None:
    rv = client.get("/pets/1")
    assert rv.status_code == 200
    etag = rv.headers["ETag"]
    assert etag
    rv = client.get("/pets/1", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    assert rv.data == b""


def test_openapi_spec(client: t.Any) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["info"] == {"title": "Pets", "version": "v1"}
    assert spec["openapi"] == "3.0.2"
    assert sorted(spec["paths"]) == ["/pets/", "/pets/{pet_id}"]
    assert sorted(spec["paths"]["/pets/"]) == ["get", "post"]
    assert "Pet" in spec["components"]["schemas"]
