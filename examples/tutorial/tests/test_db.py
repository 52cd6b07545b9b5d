from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from flaskr.db import get_db

from flask import Flask
from flask.testing import FlaskCliRunner


def test_one_connection_per_context_closed_on_teardown(app: Flask) -> None:
    with app.app_context():
        db = get_db()
        assert get_db() is db

    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_rows_by_name_and_timestamps_parsed(app: Flask) -> None:
    with app.app_context():
        post = get_db().execute("SELECT * FROM post").fetchone()

    assert post["title"] == "test title"
    assert post["created"] == datetime(2024, 1, 1)


def test_init_db_command(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "Initialized the database." in result.output

    # The schema was recreated: the sample rows are gone.
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM user").fetchone()[0] == 0


def test_init_db_command_repeatable(runner: FlaskCliRunner) -> None:
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output


def test_init_db_listed_in_help(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["--help"])
    assert "init-db" in result.output
