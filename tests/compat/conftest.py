"""Set up the extensions' own environment and check ``flask`` is ours.

The environment (see ``compat_support``) is built if needed and put on
``sys.path`` when this file is imported, before the test modules of this
folder are collected, so they can import the extensions at the top. A test
module whose extension could not be installed (no network) skips.
"""

from __future__ import annotations

import sqlite3
import typing as t

import pytest
from compat_support import ensure_installed
from compat_support import foreign_flask
from compat_support import ORACLE

ensure_installed()


@pytest.fixture(scope="session", autouse=True)
def _flask_is_this_checkout() -> None:
    """Fail loudly if installing an extension brought in another Flask."""
    if ORACLE:
        return
    problems = foreign_flask()
    assert not problems, "\n".join(problems)


@pytest.fixture(autouse=True)
def _close_sqlite_connections(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[None]:
    """Close the SQLite connections a test opened, when it ends.

    SQLAlchemy keeps connections in its engine's pool, and the tests do not
    dispose of their engines. Since Python 3.13 an unclosed SQLite connection
    warns (``ResourceWarning``) when it is garbage collected, which can
    happen in any later test and fails it under ``filterwarnings = error``.
    """
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording_connect(*args: t.Any, **kwargs: t.Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        opened.append(conn)
        return conn

    # SQLAlchemy calls sqlite3.dbapi2.connect; both names are the same function
    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", recording_connect)
    yield
    for conn in opened:
        conn.close()
