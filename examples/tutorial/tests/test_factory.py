from __future__ import annotations

import functools
from pathlib import Path

import flaskr
import pytest
from flaskr import create_app

from flask import Flask
from flask.testing import FlaskClient


def test_config_default_and_override() -> None:
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing


def test_database_in_instance_folder() -> None:
    app = create_app()
    assert app.config["DATABASE"] == str(Path(app.instance_path) / "flaskr.sqlite")
    assert Path(app.instance_path).is_dir()


def test_instance_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without test_config the factory reads config.py from the instance folder.
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\n")
    monkeypatch.setattr(
        flaskr, "Flask", functools.partial(Flask, instance_path=str(tmp_path))
    )
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["DATABASE"] == str(tmp_path / "flaskr.sqlite")


def test_hello(client: FlaskClient) -> None:
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.data == b"Hello, World!"
    assert response.mimetype == "text/html"


def test_static_stylesheet(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b"--accent" in response.data
    response.close()
