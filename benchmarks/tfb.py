"""TechEmpower-style workloads on SQLite: the database, and the bare WSGI app.

The six tests web frameworks are usually compared on (plaintext, JSON
serialization, single query, multiple queries, fortunes, updates) run against
a SQLite file (standard library) holding a ``world`` table of 10,000 rows and
a ``fortune`` table. ``scenarios.build_tfb`` serves them with Flask; ``app``
here serves the same responses as a plain WSGI callable, doing the same
database and template work with no framework, so the server's own ceiling can
be measured.

Random ids come from a ``random.Random`` seeded per app, so the first request
to a fresh app gives the same response on every implementation (the
benchmark compares them before timing).
"""

from __future__ import annotations

import atexit
import json
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import typing as t
import weakref
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
WORLD_ROWS = 10_000
QUERIES = 20
WORLD_SEED = 1
REQUEST_SEED = 2
FORTUNES = [
    "Measure twice, cut once; then measure what you cut.",
    "A benchmark without a baseline is only a number.",
    "<script>alert('escaped, not executed');</script>",
    "Fish & chips taste better by the sea.",
    "Quotes \"double\" and 'single' must survive escaping.",
    "Premature optimisation is the root of some evil.",
    "Les cafés de Paris ferment tard.",
    "データベースのベンチマーク",
    "An empty cache is an honest cache.",
    "Every request deserves a response.",
    "Tabs and spaces: <b>bold</b> claims.",
    "Zero is a perfectly good number of rows.",
]
EXTRA_FORTUNE = "Added while the request was running."

_dirs: list[str] = []


@atexit.register
def _cleanup() -> None:
    for path in _dirs:
        shutil.rmtree(path, ignore_errors=True)


def world_numbers() -> list[int]:
    """The initial ``randomNumber`` of each world row, by id - 1."""
    rng = random.Random(WORLD_SEED)
    return [rng.randint(1, WORLD_ROWS) for _ in range(WORLD_ROWS)]


def create_database() -> str:
    """A new SQLite file with both tables filled; removed when the process ends."""
    folder = tempfile.mkdtemp(prefix="tfb-")
    _dirs.append(folder)
    path = os.path.join(folder, "tfb.sqlite")
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(
            "CREATE TABLE world (id INTEGER PRIMARY KEY, randomNumber INTEGER NOT NULL)"
        )
        con.execute("CREATE TABLE fortune (id INTEGER PRIMARY KEY, message TEXT)")
        con.executemany(
            "INSERT INTO world VALUES (?, ?)",
            enumerate(world_numbers(), start=1),
        )
        con.executemany(
            "INSERT INTO fortune VALUES (?, ?)", enumerate(FORTUNES, start=1)
        )
        con.commit()
    finally:
        con.close()
    return path


def _close_all(connections: list[sqlite3.Connection]) -> None:
    while connections:
        connections.pop().close()


class Database:
    """One SQLite file, one connection per thread (a minimal pool), and the
    seeded random source for row ids and new numbers."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or create_database()
        self.local = threading.local()
        self.rng = random.Random(REQUEST_SEED)
        # Every thread's connection, closed with the database object: Python
        # 3.13 warns about a connection garbage-collected while still open.
        self.connections: list[sqlite3.Connection] = []
        weakref.finalize(self, _close_all, self.connections)

    def close(self) -> None:
        """Close every thread's connection."""
        _close_all(self.connections)
        self.local = threading.local()

    def connection(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self.local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            # WAL without an fsync per commit: the updates test measures the
            # framework and SQLite, not the disk.
            con.execute("PRAGMA synchronous=NORMAL")
            self.local.con = con
            self.connections.append(con)
        return con

    def random_id(self) -> int:
        return self.rng.randint(1, WORLD_ROWS)

    def world(self, row_id: int) -> dict[str, int]:
        row = (
            self.connection()
            .execute("SELECT id, randomNumber FROM world WHERE id = ?", (row_id,))
            .fetchone()
        )
        return {"id": row[0], "randomNumber": row[1]}

    def random_worlds(self, count: int) -> list[dict[str, int]]:
        return [self.world(self.random_id()) for _ in range(count)]

    def fortunes(self) -> list[tuple[int, str]]:
        rows = self.connection().execute("SELECT id, message FROM fortune").fetchall()
        rows.append((0, EXTRA_FORTUNE))
        rows.sort(key=lambda row: row[1])
        return rows

    def update_worlds(self, count: int) -> list[dict[str, int]]:
        worlds = self.random_worlds(count)
        for world in worlds:
            world["randomNumber"] = self.random_id()
        con = self.connection()
        with con:
            con.executemany(
                "UPDATE world SET randomNumber = ? WHERE id = ?",
                [(w["randomNumber"], w["id"]) for w in worlds],
            )
        return worlds


def query_count(raw: str | None) -> int:
    """The ``queries`` parameter as TechEmpower defines it: 1 to 500, 1 when
    missing or not a number."""
    try:
        value = int(raw or "1")
    except ValueError:
        return 1
    return min(max(value, 1), 500)


# -- expected responses (first request to a fresh app) -------------------------


def dumps(value: t.Any) -> bytes:
    """JSON as Flask's default provider writes it: sorted keys, compact,
    trailing newline."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def expected(name: str) -> bytes:
    """The body of the first ``name`` request to a freshly built app."""
    return expected_sequence([name])[name]


def expected_sequence(names: list[str]) -> dict[str, bytes]:
    """The bodies of requests to ``names``, in that order, to a freshly built
    app (each request draws from the same seeded random source; an update
    changes what later queries read)."""
    numbers = world_numbers()
    rng = random.Random(REQUEST_SEED)

    def world() -> dict[str, int]:
        row_id = rng.randint(1, WORLD_ROWS)
        return {"id": row_id, "randomNumber": numbers[row_id - 1]}

    out: dict[str, bytes] = {}
    for name in names:
        if name == "plaintext":
            out[name] = b"Hello, World!"
        elif name == "json":
            out[name] = dumps({"message": "Hello, World!"})
        elif name == "db":
            out[name] = dumps(world())
        elif name == "queries":
            out[name] = dumps([world() for _ in range(QUERIES)])
        elif name == "updates":
            worlds = [world() for _ in range(QUERIES)]
            for w in worlds:
                w["randomNumber"] = rng.randint(1, WORLD_ROWS)
                numbers[w["id"] - 1] = w["randomNumber"]
            out[name] = dumps(worlds)
        elif name == "fortunes":
            rows = sorted([*enumerate(FORTUNES, start=1), (0, EXTRA_FORTUNE)], key=_msg)
            out[name] = render_fortunes(rows).encode()
        else:
            raise KeyError(name)
    return out


def _msg(row: tuple[int, str]) -> str:
    return row[1]


def render_fortunes(rows: list[tuple[int, str]]) -> str:
    """The fortunes page as the template renders it (for checking only)."""
    from markupsafe import escape

    cells = "".join(f"<tr><td>{i}</td><td>{escape(m)}</td></tr>" for i, m in rows)
    return (
        "<!doctype html>\n<html><head><title>Fortunes</title></head><body>"
        f"<table><tr><th>id</th><th>message</th></tr>{cells}</table></body></html>"
    )


# -- the bare WSGI app ----------------------------------------------------------

_Start = t.Callable[[str, list[tuple[str, str]]], t.Any]


def make_bare_app(
    db: Database | None = None,
) -> t.Callable[[dict[str, t.Any], _Start], list[bytes]]:
    """The six endpoints as one plain WSGI callable: the same database and
    template work as the Flask app, no framework."""
    import jinja2

    db = db or Database()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        autoescape=True,
    )
    fortunes_template = env.get_template("fortunes.html")

    def respond(start: _Start, body: bytes, ctype: str) -> list[bytes]:
        start("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def app(environ: dict[str, t.Any], start: _Start) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/plaintext":
            return respond(start, b"Hello, World!", "text/plain; charset=utf-8")
        if path == "/json":
            return respond(start, dumps({"message": "Hello, World!"}), _JSON)
        if path == "/db":
            return respond(start, dumps(db.world(db.random_id())), _JSON)
        count = query_count(
            (parse_qs(environ.get("QUERY_STRING", "")).get("queries") or [None])[0]
        )
        if path == "/queries":
            return respond(start, dumps(db.random_worlds(count)), _JSON)
        if path == "/updates":
            return respond(start, dumps(db.update_worlds(count)), _JSON)
        if path == "/fortunes":
            html = fortunes_template.render(fortunes=db.fortunes())
            return respond(start, html.encode(), "text/html; charset=utf-8")
        start(
            "404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")]
        )
        return [b"Not Found"]

    return app


_JSON = "application/json"


if __name__ == "__main__":
    import sys

    import tfb_runner

    sys.exit(tfb_runner.main())
