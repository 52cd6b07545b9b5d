from __future__ import annotations

import pytest
from flaskr.db import get_db

from flask import Flask
from flask.testing import FlaskClient

from .conftest import AuthActions


def post_count(app: Flask) -> int:
    with app.app_context():
        count: int = get_db().execute("SELECT COUNT(id) FROM post").fetchone()[0]
    return count


def test_index_anonymous(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"test title" in response.data
    assert b"by test on 2024-01-01" in response.data
    assert b"test\nbody" in response.data
    # Nothing to edit or create without an account.
    assert b'href="/create"' not in response.data
    assert b'href="/1/update"' not in response.data


def test_index_author_sees_edit_link(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    response = client.get("/")
    assert b'href="/create"' in response.data
    assert b'href="/1/update"' in response.data


def test_index_other_user_has_no_edit_link(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("other")
    response = client.get("/")
    assert b'href="/create"' in response.data
    assert b'href="/1/update"' not in response.data


def test_index_empty(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        db = get_db()
        db.execute("DELETE FROM post")
        db.commit()
    assert b"No posts yet." in client.get("/").data


def test_index_newest_first_with_separator(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login()
    client.post("/create", data={"title": "second", "body": ""})
    data = client.get("/").data
    assert data.index(b"second") < data.index(b"test title")
    assert data.count(b"<hr>") == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/create"),
        ("POST", "/create"),
        ("GET", "/1/update"),
        ("POST", "/1/update"),
        ("POST", "/1/delete"),
    ],
)
def test_login_required(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"


@pytest.mark.parametrize("path", ["/1/update", "/1/delete"])
def test_author_required(
    app: Flask, client: FlaskClient, auth: AuthActions, path: str
) -> None:
    auth.login("other")
    response = client.post(path, data={"title": "stolen", "body": ""})
    assert response.status_code == 403
    with app.app_context():
        post = get_db().execute("SELECT * FROM post WHERE id = 1").fetchone()
    assert post["title"] == "test title"


@pytest.mark.parametrize("path", ["/2/update", "/2/delete"])
def test_missing_post_is_404(client: FlaskClient, auth: AuthActions, path: str) -> None:
    auth.login()
    response = client.post(path)
    assert response.status_code == 404
    assert b"Post id 2 doesn&#39;t exist." in response.data


def test_delete_is_post_only(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    assert client.get("/1/delete").status_code == 405


def test_create_page(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    response = client.get("/create")
    assert response.status_code == 200
    assert b"<h1>New Post</h1>" in response.data
    assert b'value=""' in response.data


def test_create(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login()
    response = client.post("/create", data={"title": " created ", "body": "words"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert post_count(app) == 2

    with app.app_context():
        post = get_db().execute("SELECT * FROM post WHERE id = 2").fetchone()
    assert post["title"] == "created"
    assert post["body"] == "words"
    assert post["author_id"] == 1


def test_update_page_prefilled(client: FlaskClient, auth: AuthActions) -> None:
    auth.login()
    response = client.get("/1/update")
    assert response.status_code == 200
    assert b'Edit "test title"' in response.data
    assert b'value="test title"' in response.data
    assert b'action="/1/delete"' in response.data


def test_update(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login()
    response = client.post("/1/update", data={"title": "updated", "body": "new"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"

    with app.app_context():
        post = get_db().execute("SELECT * FROM post WHERE id = 1").fetchone()
    assert post["title"] == "updated"
    assert post["body"] == "new"


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_title_required(
    client: FlaskClient, auth: AuthActions, app: Flask, path: str
) -> None:
    auth.login()
    response = client.post(path, data={"title": "  ", "body": "kept text"})
    assert response.status_code == 200
    assert b"Title is required." in response.data
    # What the user typed is shown again.
    assert b">kept text</textarea>" in response.data
    assert post_count(app) == 1


def test_delete(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.login()
    response = client.post("/1/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert post_count(app) == 0
    assert b"Post deleted." in client.get("/").data
