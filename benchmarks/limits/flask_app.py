"""The Flask app of benchmarks/asgi_limits.py.

The same file runs on this package (``asgi``: ``app.asgi_app`` on uvicorn
or hypercorn) and on real Flask 3.1.3 (``wsgi``: on gunicorn's gthread
worker), each wrapped by :mod:`probe`, which answers ``/_stats``.
``LIMITS_MAX_CONTENT_LENGTH`` sets ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import asyncio
import os
import time
import typing as t

import probe

import flask

app = flask.Flask(__name__)
app.config["SECRET_KEY"] = "asgi-limits"
if os.environ.get("LIMITS_MAX_CONTENT_LENGTH"):
    app.config["MAX_CONTENT_LENGTH"] = int(os.environ["LIMITS_MAX_CONTENT_LENGTH"])

#: Seconds between the chunks of a stream.
PAUSE = 0.02
ITEMS = [{"name": f"item <{i}>", "price": i * 1.5} for i in range(20)]


# -- the load of every scenario ------------------------------------------------


@app.get("/sync")
def sync_view() -> str:
    return "sync"


@app.get("/async")
async def async_view() -> str:
    await asyncio.sleep(0)
    return "async"


# -- what slow clients post to -------------------------------------------------


@app.post("/form")
def form() -> str:
    return f"{len(flask.request.form)} fields"


@app.post("/ajson")
async def ajson() -> dict[str, int]:
    return {"keys": len(flask.request.get_json())}


# -- streams that clients leave ------------------------------------------------

streams = flask.Blueprint("streams", __name__)


@streams.teardown_request
def count_teardown(exc: BaseException | None) -> None:
    probe.count("stream teardowns")


@streams.route("/stream", methods=["GET", "POST"])
def stream() -> t.Any:
    probe.count("stream views")

    def gen() -> t.Iterator[str]:
        probe.count("streams started")
        try:
            while True:
                time.sleep(PAUSE)  # blocks, like an SSE view waiting on a queue
                yield "chunk\n"
        finally:
            probe.count("streams closed")

    return flask.Response(gen(), mimetype="text/plain")


@streams.route("/astream", methods=["GET", "POST"])
async def astream() -> t.Any:
    probe.count("stream views")

    async def gen() -> t.AsyncIterator[str]:
        probe.count("streams started")
        try:
            while True:
                yield "chunk\n"
                await asyncio.sleep(PAUSE)
        finally:
            probe.count("streams closed")

    return flask.Response(gen(), mimetype="text/plain")  # type: ignore[arg-type]


app.register_blueprint(streams)


# -- uploads -------------------------------------------------------------------


def _consume() -> dict[str, int]:
    stream = flask.request.stream
    size = 0
    while chunk := stream.read(256 * 1024):
        size += len(chunk)
    return {"size": size}


@app.post("/upload")
def upload() -> dict[str, int]:
    return _consume()


@app.post("/aupload")
async def aupload() -> dict[str, int]:
    return _consume()


# -- the mixed load ------------------------------------------------------------


@app.get("/login")
def login() -> str:
    flask.session["user"] = "ann"
    flask.session["visits"] = 0
    return "logged in"


def _page(title: str) -> str:
    visits = flask.session.get("visits", 0) + 1
    flask.session["visits"] = visits
    return flask.render_template(
        "page.html",
        title=title,
        user=flask.session.get("user"),
        visits=visits,
        items=ITEMS,
    )


def _total(data: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"n": len(data["items"]), "total": sum(i["price"] for i in data["items"])}


@app.get("/mixed/sync-page")
def sync_page() -> str:
    time.sleep(0.001)  # a small blocking call (a database query)
    return _page("sync")


@app.get("/mixed/async-page")
async def async_page() -> str:
    await asyncio.sleep(0.002)
    return _page("async")


@app.post("/mixed/sync-json")
def sync_json() -> dict[str, t.Any]:
    data = flask.request.get_json()
    time.sleep(0.001)
    return _total(data)


@app.post("/mixed/async-json")
async def async_json() -> dict[str, t.Any]:
    data = flask.request.get_json()
    await asyncio.sleep(0.001)
    return _total(data)


wsgi = probe.wrap_wsgi(app)
if hasattr(app, "asgi_app"):  # this package; Flask 3.1.3 has no ASGI door
    asgi = probe.wrap_asgi(app.asgi_app)
