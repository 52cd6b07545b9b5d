"""Flask-JWT-Extended: jwt_required, identities, refresh, cookies with CSRF."""

from __future__ import annotations

import datetime
import decimal
import typing as t
import uuid

import pytest
from compat_support import require

import flask

fj = require("flask_jwt_extended")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USERS = {"ann": {"name": "ann", "admin": True}, "bob": {"name": "bob", "admin": False}}


@pytest.fixture
def app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(
        TESTING=True,
        JWT_SECRET_KEY="a-jwt-secret-that-is-long-enough-for-hs256",
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_COOKIE_SECURE=False,
    )
    jwt = fj.JWTManager(app, add_context_processor=True)
    revoked: set[str] = set()

    @jwt.user_lookup_loader
    def lookup(header: dict[str, t.Any], data: dict[str, t.Any]) -> t.Any:
        return USERS.get(data["sub"])

    @jwt.token_in_blocklist_loader
    def is_revoked(header: dict[str, t.Any], data: dict[str, t.Any]) -> bool:
        return data["jti"] in revoked

    @jwt.additional_claims_loader
    def claims(identity: str) -> dict[str, t.Any]:
        return {"admin": USERS[identity]["admin"]}

    @app.post("/login")
    def login() -> t.Any:
        name = flask.request.json["name"]  # type: ignore[index]
        if name not in USERS:
            return {"msg": "bad credentials"}, 401
        return {
            "access": fj.create_access_token(identity=name),
            "refresh": fj.create_refresh_token(identity=name),
        }

    @app.post("/login-cookie")
    def login_cookie() -> t.Any:
        resp = flask.jsonify(ok=True)
        fj.set_access_cookies(resp, fj.create_access_token(identity="bob"))
        return resp

    @app.route("/protected", methods=["GET", "POST"])
    @fj.jwt_required()
    def protected() -> t.Any:
        return {
            "identity": fj.get_jwt_identity(),
            "admin": fj.get_jwt()["admin"],
            "user": fj.current_user["name"],
        }

    @app.route("/optional")
    @fj.jwt_required(optional=True)
    def optional() -> t.Any:
        return {"identity": fj.get_jwt_identity()}

    @app.post("/refresh")
    @fj.jwt_required(refresh=True)
    def refresh() -> t.Any:
        return {"access": fj.create_access_token(identity=fj.get_jwt_identity())}

    @app.delete("/logout")
    @fj.jwt_required()
    def logout() -> t.Any:
        revoked.add(fj.get_jwt()["jti"])
        return {"msg": "revoked"}

    @app.route("/template")
    @fj.jwt_required()
    def template() -> str:
        return flask.render_template_string("{{ current_user.name }}")

    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_access_token_required(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/protected")
    assert rv.status_code == 401
    assert rv.json == {
        "msg": "Missing JWT in headers or cookies (Missing Authorization Header;"
        ' Missing cookie "access_token_cookie")'
    }
    tokens = client.post("/login", json={"name": "ann"}).json
    rv = client.get("/protected", headers=bearer(tokens["access"]))
    assert rv.status_code == 200
    assert rv.json == {"identity": "ann", "admin": True, "user": "ann"}
    assert client.get("/template", headers=bearer(tokens["access"])).data == b"ann"


def test_invalid_and_wrong_tokens(app: flask.Flask) -> None:
    client = app.test_client()
    rv = client.get("/protected", headers=bearer("not.a.token"))
    assert rv.status_code == 422
    assert "msg" in rv.json
    rv = client.get("/protected", headers={"Authorization": "Token abc"})
    assert rv.status_code == 401
    tokens = client.post("/login", json={"name": "bob"}).json
    rv = client.get("/protected", headers=bearer(tokens["refresh"]))
    assert rv.status_code == 422
    assert rv.json == {"msg": "Only non-refresh tokens are allowed"}


def test_expired_token(app: flask.Flask) -> None:
    with app.app_context():
        token = fj.create_access_token(
            identity="ann", expires_delta=datetime.timedelta(seconds=-1)
        )
    rv = app.test_client().get("/protected", headers=bearer(token))
    assert rv.status_code == 401
    assert rv.json == {"msg": "Token has expired"}


def test_optional_and_refresh(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.get("/optional").json == {"identity": None}
    tokens = client.post("/login", json={"name": "bob"}).json
    fresh = client.post("/refresh", headers=bearer(tokens["refresh"])).json["access"]
    assert client.get("/optional", headers=bearer(fresh)).json == {"identity": "bob"}


def test_revoked_token(app: flask.Flask) -> None:
    client = app.test_client()
    access = client.post("/login", json={"name": "ann"}).json["access"]
    assert client.delete("/logout", headers=bearer(access)).status_code == 200
    rv = client.get("/protected", headers=bearer(access))
    assert rv.status_code == 401
    assert rv.json == {"msg": "Token has been revoked"}


def test_cookie_tokens_need_csrf_on_post(app: flask.Flask) -> None:
    client = app.test_client()
    client.post("/login-cookie")
    assert client.get_cookie("access_token_cookie") is not None
    csrf = client.get_cookie("csrf_access_token")
    assert csrf is not None
    assert client.get("/protected").json["identity"] == "bob"
    rv = client.post("/protected")
    assert rv.status_code == 401
    assert rv.json == {"msg": "Missing CSRF token"}
    rv = client.post("/protected", headers={"X-CSRF-TOKEN": csrf.value})
    assert rv.status_code == 200


def test_claims_encoded_with_the_app_json_provider(app: flask.Flask) -> None:
    """The extension encodes claims with app.json_provider_class.default."""
    with app.app_context():
        token = fj.create_access_token(
            identity="ann",
            additional_claims={
                "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                "day": datetime.date(2024, 1, 31),
                "price": decimal.Decimal("9.50"),
            },
        )
        data = fj.decode_token(token)
    assert data["uid"] == "12345678-1234-5678-1234-567812345678"
    assert data["day"] == "Wed, 31 Jan 2024 00:00:00 GMT"
    assert data["price"] == "9.50"
