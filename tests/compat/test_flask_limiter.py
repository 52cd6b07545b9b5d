"""Flask-Limiter: 429 after the limit, headers, exemptions, blueprint limits."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

# Importing it reads flask.ctx.RequestContext and flask.globals.request_ctx,
# both deprecated in Flask 3.2 (require() ignores the warnings).
flim = require("flask_limiter")
from flask_limiter.util import get_remote_address  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def setup() -> t.Any:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, RATELIMIT_HEADERS_ENABLED=True)
    limiter = flim.Limiter(
        get_remote_address,
        app=app,
        default_limits=["5 per minute"],
        storage_uri="memory://",
    )

    @app.route("/search")
    @limiter.limit("2 per minute")
    def search() -> str:
        return "results"

    @app.route("/default")
    def default() -> str:
        return "default"

    @app.route("/health")
    @limiter.exempt
    def health() -> str:
        return "ok"

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit("1 per minute", methods=["POST"])
    def login() -> str:
        return flask.request.method

    api = flask.Blueprint("api", __name__, url_prefix="/api")

    @api.route("/items")
    def items() -> str:
        return "items"

    limiter.limit("3 per minute")(api)
    app.register_blueprint(api)

    @app.errorhandler(429)
    def too_many(e: t.Any) -> t.Any:
        return {"error": "slow down", "limit": str(e.description)}, 429

    return app, limiter


def test_429_after_the_limit(setup: t.Any) -> None:
    app, limiter = setup
    client = app.test_client()
    first = client.get("/search")
    assert first.data == b"results"
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/search").status_code == 200
    rv = client.get("/search")
    assert rv.status_code == 429
    assert rv.json == {"error": "slow down", "limit": "2 per 1 minute"}
    assert int(rv.headers["Retry-After"]) > 0
    assert rv.headers["X-RateLimit-Remaining"] == "0"


def test_limits_are_per_client_address(setup: t.Any) -> None:
    app, limiter = setup
    client = app.test_client()
    for _ in range(2):
        client.get("/search")
    assert client.get("/search").status_code == 429
    other = {"REMOTE_ADDR": "10.0.0.2"}
    assert client.get("/search", environ_base=other).status_code == 200


def test_default_limit_and_exempt(setup: t.Any) -> None:
    app, limiter = setup
    client = app.test_client()
    codes = [client.get("/default").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert all(client.get("/health").status_code == 200 for _ in range(8))


def test_method_specific_limit(setup: t.Any) -> None:
    app, limiter = setup
    client = app.test_client()
    assert client.post("/login").data == b"POST"
    assert client.post("/login").status_code == 429
    assert client.get("/login").data == b"GET"


def test_blueprint_limit(setup: t.Any) -> None:
    app, limiter = setup
    client = app.test_client()
    codes = [client.get("/api/items").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_reset_and_disabled(setup: t.Any) -> None:
    app, limiter = setup
    client = app.test_client()
    for _ in range(3):
        client.get("/search")
    limiter.reset()
    assert client.get("/search").status_code == 200
    limiter.enabled = False
    assert all(client.get("/search").status_code == 200 for _ in range(4))


def test_current_limit_in_request(setup: t.Any) -> None:
    app, limiter = setup
    seen: list[t.Any] = []

    @app.route("/peek")
    @limiter.limit("4 per minute")
    def peek() -> str:
        seen.append(limiter.current_limit)
        return "peek"

    app.test_client().get("/peek")
    assert seen[0] is not None
    assert seen[0].remaining == 3
