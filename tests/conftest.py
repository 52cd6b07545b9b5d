"""Shared fixtures: an app, its test client and CLI runner, and contexts."""

from __future__ import annotations

import os
import sys
import typing as t

import pytest

import flask
from flask import Flask

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(autouse=True)
def _standard_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep FLASK_* variables from the outer environment out of the tests."""
    for key in list(os.environ):
        if key.startswith("FLASK_") and key != "FLASK_SKIP_DOTENV":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")


@pytest.fixture
def app() -> Flask:
    app = Flask("flask_test", root_path=TESTS_DIR)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def client(app: Flask) -> flask.testing.FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> flask.testing.FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> t.Iterator[flask.ctx.AppContext]:
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def req_ctx(app: Flask) -> t.Iterator[flask.ctx.AppContext]:
    with app.test_request_context() as ctx:
        yield ctx


@pytest.fixture
def modules_tmp_path(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> t.Any:
    """A temporary folder on ``sys.path`` for modules written by a test."""
    rv = tmp_path / "modules_tmp"
    rv.mkdir()
    monkeypatch.syspath_prepend(os.fspath(rv))
    return rv


@pytest.fixture(autouse=True)
def _leak_detector() -> t.Iterator[None]:
    """Fail a test that leaves an app context pushed."""
    yield
    leaks = []
    while flask.ctx._cv_app.get(None) is not None:
        ctx = flask.ctx._cv_app.get()
        leaks.append(ctx)
        ctx.pop()
    assert not leaks, f"contexts left pushed: {leaks}"


def pytest_report_header(config: t.Any) -> str:
    return f"flask imported from: {os.path.dirname(flask.__file__)} ({sys.executable})"
