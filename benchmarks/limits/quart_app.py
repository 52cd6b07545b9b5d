"""The app of benchmarks/asgi_limits.py written for Quart (on uvicorn).

The same endpoints as ``flask_app.py``. Quart reads request bodies with
``await``, so the views that read one are ``async def`` here; sync views
run in Quart's thread pool, and the sync page renders its template with a
plain Jinja environment (Quart's own rendering is async).
"""

from __future__ import annotations

import asyncio
import os
import time
import typing as t

import jinja2
import probe
import quart

app = quart.Quart(__name__)
app.config["SECRET_KEY"] = "asgi-limits"
PAUSE = 0.02
ITEMS = [{"name": f"item <{i}>", "price": i * 1.5} for i in range(20)]
HERE = os.path.dirname(os.path.abspath(__file__))
PLAIN = jinja2.Environment(
    loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")), autoescape=True
)


@app.get("/sync")
def sync_view() -> str:
    return "sync"


@app.get("/async")
async def async_view() -> str:
    await asyncio.sleep(0)
    return "async"


@app.post("/form")
async def form() -> str:
    return f"{len(await quart.request.form)} fields"


@app.post("/ajson")
async def ajson() -> dict[str, int]:
    return {"keys": len(await quart.request.get_json())}


@app.route("/stream", methods=["GET", "POST"])
def stream() -> t.Any:
    probe.count("stream views")

    def gen() -> t.Iterator[bytes]:
        probe.count("streams started")
        try:
            while True:
                time.sleep(PAUSE)
                yield b"chunk\n"
        finally:
            probe.count("streams closed")

    return quart.Response(gen(), mimetype="text/plain")


@app.route("/astream", methods=["GET", "POST"])
async def astream() -> t.Any:
    probe.count("stream views")

    async def gen() -> t.AsyncIterator[bytes]:
        probe.count("streams started")
        try:
            while True:
                yield b"chunk\n"
                await asyncio.sleep(PAUSE)
        finally:
            probe.count("streams closed")

    return quart.Response(gen(), mimetype="text/plain")


@app.post("/aupload")
async def aupload() -> dict[str, int]:
    size = 0
    async for chunk in quart.request.body:
        size += len(chunk)
    return {"size": size}


@app.get("/login")
def login() -> str:
    quart.session["user"] = "ann"
    quart.session["visits"] = 0
    return "logged in"


def _visit() -> dict[str, t.Any]:
    visits = quart.session.get("visits", 0) + 1
    quart.session["visits"] = visits
    return {"user": quart.session.get("user"), "visits": visits, "items": ITEMS}


def _total(data: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"n": len(data["items"]), "total": sum(i["price"] for i in data["items"])}


@app.get("/mixed/sync-page")
def sync_page() -> str:
    time.sleep(0.001)
    return PLAIN.get_template("page.html").render(title="sync", **_visit())


@app.get("/mixed/async-page")
async def async_page() -> str:
    await asyncio.sleep(0.002)
    return await quart.render_template("page.html", title="async", **_visit())


@app.post("/mixed/sync-json")
async def sync_json() -> dict[str, t.Any]:
    data = await quart.request.get_json()
    await quart.utils.run_sync(time.sleep)(0.001)
    return _total(data)


@app.post("/mixed/async-json")
async def async_json() -> dict[str, t.Any]:
    data = await quart.request.get_json()
    await asyncio.sleep(0.001)
    return _total(data)


asgi = probe.wrap_asgi(app)
