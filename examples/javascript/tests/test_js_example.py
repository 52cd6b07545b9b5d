from __future__ import annotations

from typing import Any

import pytest

from flask.testing import FlaskClient


def test_index_page(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'<form id="calc" action="/add" method="post">' in response.data
    assert b"fetch(form.action" in response.data
    assert b'href="/static/style.css"' in response.data


def test_stylesheet(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()


@pytest.mark.parametrize(
    ("payload", "result"),
    [
        ({"a": 1, "b": 2}, 3),
        ({"a": 1.5, "b": 2}, 3.5),
        ({"a": -4, "b": 0.5}, -3.5),
        ({"a": "2", "b": "40"}, 42),
    ],
)
def test_add_json(client: FlaskClient, payload: dict[str, Any], result: float) -> None:
    response = client.post("/add", json=payload)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {"result": result}


def test_add_form(client: FlaskClient) -> None:
    # Without JavaScript the form posts fields; the answer is still JSON.
    response = client.post("/add", data={"a": "2.5", "b": "0.5"})
    assert response.json == {"result": 3}


@pytest.mark.parametrize(
    "payload",
    [
        {"a": 1},
        {"a": "one", "b": 2},
        {"a": True, "b": 2},
        {"a": None, "b": 2},
        {"a": [1], "b": 2},
        {"a": "inf", "b": 1},
        [1, 2],
    ],
)
def test_add_rejects_bad_input(client: FlaskClient, payload: Any) -> None:
    response = client.post("/add", json=payload)
    assert response.status_code == 400
    assert response.json == {"error": "Send two numbers, 'a' and 'b'."}


@pytest.mark.parametrize(
    "payload",
    [
        {"a": 1.7e308, "b": 1.7e308},
        {"a": -1.7e308, "b": "-1e308"},
    ],
)
def test_add_overflow_is_a_400_with_a_message(
    client: FlaskClient, payload: dict[str, Any]
) -> None:
    # The sum is not a finite number, which JSON cannot carry ("Infinity").
    response = client.post("/add", json=payload)
    assert response.status_code == 400
    assert response.json == {"error": "The sum is too large to represent."}
    assert b"Infinity" not in response.data


def test_add_rejects_a_number_too_large_for_a_float(client: FlaskClient) -> None:
    response = client.post(
        "/add",
        data=b'{"a": 1' + b"0" * 400 + b', "b": 1}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json == {"error": "Send two numbers, 'a' and 'b'."}


def test_add_invalid_json_body(client: FlaskClient) -> None:
    response = client.post("/add", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": "Send two numbers, 'a' and 'b'."}


def test_add_is_post_only(client: FlaskClient) -> None:
    assert client.get("/add").status_code == 405
