from __future__ import annotations

import pytest
from flaskr.db import get_db
from werkzeug.security import check_password_hash

from flask import Flask
from flask import g
from flask import session
from flask.testing import FlaskClient

from .conftest import AuthActions


def test_register_page(client: FlaskClient) -> None:
    response = client.get("/auth/register")
    assert response.status_code == 200
    assert b"<h1>Register</h1>" in response.data


def test_register_creates_hashed_user(client: FlaskClient, app: Flask) -> None:
    response = client.post("/auth/register", data={"username": "a", "password": "pw"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"

    with app.app_context():
        user = get_db().execute("SELECT * FROM user WHERE username = 'a'").fetchone()
    assert user is not None
    assert user["password"] != "pw"
    assert check_password_hash(user["password"], "pw")

    # The success message shows on the login page.
    response = client.get("/auth/login")
    assert b"Account created." in response.data


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", b"Username is required."),
        ("   ", "pw", b"Username is required."),
        ("a", "", b"Password is required."),
        ("test", "test", b"User test is already registered."),
    ],
)
def test_register_validation(
    client: FlaskClient, username: str, password: str, message: bytes
) -> None:
    response = client.post(
        "/auth/register", data={"username": username, "password": password}
    )
    assert response.status_code == 200
    assert message in response.data


def test_login_page(client: FlaskClient) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert b"<h1>Log In</h1>" in response.data


def test_login_sets_session(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/"

    # The next request loads the user from the session cookie.
    with client:
        client.get("/")
        assert session["user_id"] == 1
        assert g.user["username"] == "test"


@pytest.mark.parametrize(
    ("username", "password"), [("nobody", "test"), ("test", "wrong")]
)
def test_login_rejects(auth: AuthActions, username: str, password: str) -> None:
    response = auth.login(username, password)
    assert response.status_code == 200
    assert b"Incorrect username or password." in response.data


def test_logout_clears_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()

    with client:
        response = auth.logout()
        assert response.status_code == 303
        assert response.headers["Location"] == "/"
        assert "user_id" not in session


def test_nav_links_follow_login_state(client: FlaskClient, auth: AuthActions) -> None:
    response = client.get("/")
    assert b'href="/auth/login"' in response.data
    assert b'href="/auth/register"' in response.data

    auth.login()
    response = client.get("/")
    assert b'href="/auth/logout"' in response.data
    assert b"<span>test</span>" in response.data
