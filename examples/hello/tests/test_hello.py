from __future__ import annotations

import pytest

from flask.testing import FlaskClient


def test_index(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.data == b"Hello, World!"


def test_hello_without_name(client: FlaskClient) -> None:
    response = client.get("/hello/")
    assert response.status_code == 200
    assert b"<h1>Hello, stranger!</h1>" in response.data
    assert b'href="/hello/Ada"' in response.data


def test_hello_redirects_to_slash(client: FlaskClient) -> None:
    # "/hello/" ends with a slash, so "/hello" redirects to it.
    response = client.get("/hello")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/hello/"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ada", b"<h1>Hello, Ada!</h1>"),
        ("<em>", b"<h1>Hello, &lt;em&gt;!</h1>"),
    ],
)
def test_hello_with_name(client: FlaskClient, name: str, expected: bytes) -> None:
    response = client.get(f"/hello/{name}")
    assert response.status_code == 200
    assert expected in response.data


def test_greeting_json(client: FlaskClient) -> None:
    response = client.get("/api/greeting", query_string={"name": "Ada"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {"greeting": "Hello, Ada!", "page": "/hello/Ada"}


def test_greeting_default(client: FlaskClient) -> None:
    assert client.get("/api/greeting").json == {
        "greeting": "Hello, World!",
        "page": "/hello/World",
    }


def test_squares(client: FlaskClient) -> None:
    response = client.get("/api/squares/5")
    assert response.mimetype == "application/json"
    assert response.json == [0, 1, 4, 9, 16]


def test_squares_limit(client: FlaskClient) -> None:
    response = client.get("/api/squares/101")
    assert response.status_code == 400
    assert response.json == {"error": "n must be at most 100"}


def test_squares_needs_int(client: FlaskClient) -> None:
    assert client.get("/api/squares/five").status_code == 404
