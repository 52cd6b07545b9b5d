"""The SQLite connection for the current request and the ``init-db`` command."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import click

from flask import current_app
from flask import Flask
from flask import g
from flask.cli import with_appcontext


def _convert_timestamp(value: bytes) -> datetime:
    # sqlite3's built-in "timestamp" converter is deprecated since Python
    # 3.12, so parse the ISO text CURRENT_TIMESTAMP stores ourselves.
    return datetime.fromisoformat(value.decode())


sqlite3.register_converter("timestamp", _convert_timestamp)


def get_db() -> sqlite3.Connection:
    """Return this request's connection, opening it on first use.

    The connection is cached on ``g`` and closed by :func:`close_db` when the
    app context ends, so each request gets at most one.
    """
    if "db" not in g:
        g.db = sqlite3.connect(
            current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES
        )
        # Rows behave like dicts: row["title"].
        g.db.row_factory = sqlite3.Row
    db: sqlite3.Connection = g.db
    return db


def close_db(e: BaseException | None = None) -> None:
    """Close the connection if this context opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Drop the tables and create them again from ``schema.sql``."""
    db = get_db()
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create empty tables, removing any existing data."""
    init_db()
    click.echo("Initialized the database.")


def init_app(app: Flask) -> None:
    """Hook the database into ``app``: teardown and the CLI command."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
