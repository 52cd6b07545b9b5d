from __future__ import annotations

import pytest
from ws_example import create_app

from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def app() -> Flask:
    return create_app({"TESTING": True, "CLOCK_INTERVAL": 0.01})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def logged_in(client: FlaskClient) -> FlaskClient:
    client.post("/login", data={"name": "Ada"})
    return client
