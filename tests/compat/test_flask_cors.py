"""Flask-CORS: simple and preflight requests, errors, the cross_origin decorator."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

fc = require("flask_cors")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ORIGIN = "https://app.example.com"


@pytest.fixture
def app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.testing = True
    fc.CORS(
        app,
        resources={r"/api/*": {"origins": [ORIGIN]}},
        supports_credentials=True,
        expose_headers=["X-Total"],
        max_age=600,
    )

    @app.route("/api/items", methods=["GET", "POST"])
    def items() -> t.Any:
        if flask.request.method == "POST":
            return {"created": flask.request.get_json()["name"]}, 201
        return {"items": [1, 2]}, 200, {"X-Total": "2"}

    @app.route("/api/forbidden")
    def forbidden() -> t.Any:
        flask.abort(403)

    @app.route("/private")
    def private() -> str:
        return "no cors here"

    @app.route("/public", methods=["GET", "PUT"])
    @fc.cross_origin(origins="*", methods=["GET", "PUT"])
    def public() -> str:
        return "public"

    return app


def test_simple_request_gets_allow_origin(app: flask.Flask) -> None:
    rv = app.test_client().get("/api/items", headers={"Origin": ORIGIN})
    assert rv.status_code == 200
    assert rv.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert rv.headers["Access-Control-Allow-Credentials"] == "true"
    assert rv.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert rv.json == {"items": [1, 2]}


def test_disallowed_origin_and_unmatched_path(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/api/items", headers={"Origin": "https://evil.example"})
    assert rv.status_code == 200
    assert "Access-Control-Allow-Origin" not in rv.headers
    rv = client.get("/private", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in rv.headers


def test_preflight(app: flask.Flask) -> None:
    rv = app.test_client().options(
        "/api/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = rv.headers["Access-Control-Allow-Methods"].split(", ")
    assert "POST" in allowed
    assert rv.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert rv.headers["Access-Control-Max-Age"] == "600"
    # Flask's automatic OPTIONS response lists the route's methods
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_actual_request_after_preflight(app: flask.Flask) -> None:
    rv = app.test_client().post(
        "/api/items", json={"name": "pen"}, headers={"Origin": ORIGIN}
    )
    assert rv.status_code == 201
    assert rv.json == {"created": "pen"}
    assert rv.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_error_responses_get_cors_headers(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/api/forbidden", headers={"Origin": ORIGIN})
    assert rv.status_code == 403
    assert rv.headers["Access-Control-Allow-Origin"] == ORIGIN
    rv = client.get("/api/missing", headers={"Origin": ORIGIN})
    assert rv.status_code == 404
    assert rv.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_cross_origin_decorator(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/public", headers={"Origin": "https://anyone.example"})
    assert rv.data == b"public"
    # without send_wildcard, an allowed origin is echoed back
    assert rv.headers["Access-Control-Allow-Origin"] == "https://anyone.example"
    pre = client.options(
        "/public",
        headers={"Origin": "https://x.example", "Access-Control-Request-Method": "PUT"},
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "https://x.example"
    assert pre.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    # the decorator handles OPTIONS itself through make_default_options_response
    assert set(pre.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT"}
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/public")
    assert "OPTIONS" in rule.methods  # type: ignore[operator]


def test_cors_on_blueprint(app: flask.Flask) -> None:
    bp = flask.Blueprint("widgets", __name__, url_prefix="/widgets")
    fc.CORS(bp, origins=["https://widgets.example"])

    @bp.route("/")
    def index() -> str:
        return "widgets"

    app.register_blueprint(bp)
    rv = app.test_client().get(
        "/widgets/", headers={"Origin": "https://widgets.example"}
    )
    assert rv.headers["Access-Control-Allow-Origin"] == "https://widgets.example"


def test_unhandled_exception_500_gets_cors_headers(app: flask.Flask) -> None:
    """Flask-CORS replaces app.handle_exception on the instance: it must be used."""
    app.testing = False

    @app.route("/api/boom")
    def boom() -> str:
        raise ValueError("boom")

    rv = app.test_client().get("/api/boom", headers={"Origin": ORIGIN})
    assert rv.status_code == 500
    assert rv.headers["Access-Control-Allow-Origin"] == ORIGIN
