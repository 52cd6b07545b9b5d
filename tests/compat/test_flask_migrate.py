"""Flask-Migrate: ``flask db init/migrate/upgrade/downgrade`` on SQLite.

Most commands run in process through the app's CLI runner (fast); one runs
through ``python -m flask`` in a subprocess, as a user runs it. Alembic's
``env.py`` calls ``logging.config.fileConfig``, which disables every existing
logger, so the logging state is restored after each test.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import typing as t

import pytest
from compat_support import pythonpath
from compat_support import require

import flask

fm = require("flask_migrate")
fsa = require("flask_sqlalchemy")
import sqlalchemy as sa  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

APP = """\
import sqlalchemy as sa
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50), nullable=False)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.db"
    db.init_app(app)
    Migrate(app, db)
    return app
"""


@pytest.fixture(autouse=True)
def _restore_logging() -> t.Iterator[None]:
    manager = logging.Logger.manager
    loggers = [logging.getLogger()] + [
        lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = [
        (lg, lg.disabled, lg.level, lg.handlers[:], lg.propagate) for lg in loggers
    ]
    yield
    for lg, disabled, level, handlers, propagate in saved:
        lg.disabled, lg.level, lg.handlers[:], lg.propagate = (
            disabled,
            level,
            handlers,
            propagate,
        )
    known = {id(item[0]) for item in saved}
    for lg in list(manager.loggerDict.values()):
        if isinstance(lg, logging.Logger) and id(lg) not in known:
            lg.disabled = False


def make_app(root: t.Any, with_email: bool) -> flask.Flask:
    """The same app at two points of its history: without, then with, email."""
    db = fsa.SQLAlchemy()

    class User(db.Model):  # type: ignore[name-defined]
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(50), nullable=False)
        if with_email:
            email = sa.Column(sa.String(120))

    app = flask.Flask("blog", root_path=os.fspath(root))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{root / 'app.db'}"
    db.init_app(app)
    fm.Migrate(app, db, directory=os.fspath(root / "migrations"))

    @app.cli.command("add-user")
    def add_user() -> None:
        db.session.add(User(name="ann"))
        db.session.commit()
        print("users:", db.session.scalar(sa.select(sa.func.count(User.id))))

    return app


def run(app: flask.Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def columns(db_path: t.Any, table: str) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def head_revision(db_path: t.Any) -> str:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def revision_of(script: t.Any) -> str:
    return str(script.name.split("_", 1)[0])


def test_init_migrate_upgrade_downgrade(tmp_path: t.Any) -> None:
    app = make_app(tmp_path, with_email=False)
    run(app, "db", "init")
    assert (tmp_path / "migrations" / "env.py").is_file()

    run(app, "db", "migrate", "-m", "create user")
    (first,) = (tmp_path / "migrations" / "versions").glob("*_create_user.py")
    assert "op.create_table('user'" in first.read_text()
    run(app, "db", "upgrade")
    db_path = tmp_path / "app.db"
    assert columns(db_path, "user") == ["id", "name"]
    assert "users: 1" in run(app, "add-user")

    app2 = make_app(tmp_path, with_email=True)
    run(app2, "db", "migrate", "-m", "add email")
    (second,) = (tmp_path / "migrations" / "versions").glob("*_add_email.py")
    assert "op.add_column" in second.read_text()
    run(app2, "db", "upgrade")
    assert columns(db_path, "user") == ["id", "name", "email"]
    assert head_revision(db_path) in second.name
    assert f"down_revision = '{revision_of(first)}'" in second.read_text()

    run(app2, "db", "downgrade")
    assert columns(db_path, "user") == ["id", "name"]
    assert head_revision(db_path) in first.name


def test_flask_db_upgrade_command(tmp_path: t.Any) -> None:
    """``python -m flask --app blog db upgrade`` finds the app and migrates."""
    (tmp_path / "blog.py").write_text(APP)
    (tmp_path / "instance").mkdir()
    app = make_app(tmp_path, with_email=False)  # same schema, to write migrations
    run(app, "db", "init")
    run(app, "db", "migrate", "-m", "create user")

    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["FLASK_SKIP_DOTENV"] = "1"
    env["PYTHONPATH"] = pythonpath()  # the extensions' own environment
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "blog", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Running upgrade  -> " in proc.stderr
    # Flask-SQLAlchemy puts a relative SQLite path in the instance folder
    assert columns(tmp_path / "instance" / "app.db", "user") == ["id", "name"]


def test_db_group_is_registered_on_app_cli(tmp_path: t.Any) -> None:
    app = make_app(tmp_path, with_email=False)
    out = run(app, "db", "--help")
    for name in ("init", "migrate", "upgrade", "downgrade", "history"):
        assert name in out
    assert app.extensions["migrate"].directory == os.fspath(tmp_path / "migrations")
