"""Flask-Principal: identities kept in the session, needs and permissions."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

fp = require("flask_principal")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROLES = {"ann": ["admin", "editor"], "bob": ["editor"], "cat": []}

admin_permission = fp.Permission(fp.RoleNeed("admin"))
editor_permission = fp.Permission(fp.RoleNeed("editor"))


@pytest.fixture
def app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="principal secret")
    fp.Principal(app)
    loaded: list[str] = []
    app.extensions["loaded_identities"] = loaded

    @fp.identity_loaded.connect_via(app)
    def on_identity_loaded(sender: flask.Flask, identity: fp.Identity) -> None:
        loaded.append(str(identity.id))
        if identity.id is None:
            return
        identity.provides.add(fp.UserNeed(identity.id))
        for role in ROLES.get(identity.id, []):
            identity.provides.add(fp.RoleNeed(role))

    @app.post("/login/<name>")
    def login(name: str) -> str:
        identity = fp.Identity(name, auth_type="form")
        fp.identity_changed.send(app, identity=identity)
        return f"welcome {name}"

    @app.post("/logout")
    def logout() -> str:
        fp.identity_changed.send(app, identity=fp.AnonymousIdentity())
        for key in ("identity.id", "identity.auth_type"):
            flask.session.pop(key, None)
        return "bye"

    @app.route("/admin")
    @admin_permission.require(http_exception=403)
    def admin() -> str:
        return f"admin area for {flask.g.identity.id}"

    @app.route("/edit")
    def edit() -> t.Any:
        with editor_permission.require():
            return {"editor": flask.g.identity.id}

    @app.route("/me")
    def me() -> t.Any:
        identity = flask.g.identity
        return {
            "id": identity.id,
            "auth_type": identity.auth_type,
            "can_admin": admin_permission.can(),
            "can_edit": editor_permission.can(),
        }

    @app.errorhandler(fp.PermissionDenied)
    def denied(e: Exception) -> t.Any:
        return {"denied": str(e.args[0].needs)}, 401

    return app


def test_anonymous_by_default(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.get("/me").get_json() == {
        "id": None,
        "auth_type": None,
        "can_admin": False,
        "can_edit": False,
    }
    assert client.get("/admin").status_code == 403


def test_identity_is_kept_in_the_session(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.post("/login/ann").data == b"welcome ann"
    cookie = client.get_cookie("session")
    assert cookie is not None
    with client.session_transaction() as sess:
        assert sess["identity.id"] == "ann"
        assert sess["identity.auth_type"] == "form"
    # Each later request loads the identity back from the session.
    assert client.get("/me").get_json() == {
        "id": "ann",
        "auth_type": "form",
        "can_admin": True,
        "can_edit": True,
    }
    rv = client.get("/admin")
    assert rv.status_code == 200
    assert rv.data == b"admin area for ann"


def test_permission_denied_without_role(app: flask.Flask) -> None:
    client = app.test_client()
    client.post("/login/bob")
    assert client.get("/admin").status_code == 403
    assert client.get("/edit").get_json() == {"editor": "bob"}
    client.post("/login/cat")
    rv = client.get("/edit")
    assert rv.status_code == 401
    assert "editor" in rv.get_json()["denied"]


def test_logout_returns_to_anonymous(app: flask.Flask) -> None:
    client = app.test_client()
    client.post("/login/ann")
    assert client.get("/admin").status_code == 200
    client.post("/logout")
    assert client.get("/me").get_json()["id"] is None
    assert client.get("/admin").status_code == 403


def test_identity_loaded_signal_each_request(app: flask.Flask) -> None:
    client = app.test_client()
    loaded = app.extensions["loaded_identities"]
    client.get("/me")
    client.post("/login/bob")
    client.get("/me")
    # No identity is loaded for anonymous requests; bob is loaded by the login
    # itself, then from the session before the last /me.
    assert loaded == ["bob", "bob"]


def test_static_files_skip_identity_when_asked(tmp_path: t.Any) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("static file")
    app = flask.Flask(__name__, root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY="s")
    fp.Principal(app, skip_static=True)
    seen: list[object] = []

    @fp.identity_loaded.connect_via(app)
    def on_loaded(sender: flask.Flask, identity: fp.Identity) -> None:
        seen.append(identity)

    client = app.test_client()
    rv = client.get("/static/a.txt")
    assert rv.data == b"static file"
    rv.close()
    assert seen == []
