"""Fixtures: an app on a throwaway database, its test client and CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flaskr import create_app
from flaskr.db import get_db
from flaskr.db import init_db
from werkzeug.test import TestResponse

from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

DATA_SQL = (Path(__file__).parent / "data.sql").read_text("utf8")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose database is a fresh file under pytest's tmp_path, with
    the schema and the sample rows from ``data.sql`` loaded."""
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "flaskr.sqlite")})

    with app.app_context():
        init_db()
        get_db().executescript(DATA_SQL)

    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class AuthActions:
    """Log in and out through the real views, as a browser would."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str = "test", password: str = "test") -> TestResponse:
        return self._client.post(
            "/auth/login", data={"username": username, "password": password}
        )

    def logout(self) -> TestResponse:
        return self._client.get("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
