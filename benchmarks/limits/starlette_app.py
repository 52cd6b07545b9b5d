"""The app of benchmarks/asgi_limits.py written for Starlette (on uvicorn).

The same endpoints as ``flask_app.py``. Starlette reads request bodies
with ``await``, so the views that read one are ``async def`` here; sync
endpoints and sync stream iterators run in its thread pool.
"""

from __future__ import annotations

import asyncio
import os
import time
import typing as t

import jinja2
import probe
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.responses import StreamingResponse
from starlette.routing import Route

PAUSE = 0.02
ITEMS = [{"name": f"item <{i}>", "price": i * 1.5} for i in range(20)]
HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")), autoescape=True
)


def sync_view(request: Request) -> PlainTextResponse:
    return PlainTextResponse("sync")


async def async_view(request: Request) -> PlainTextResponse:
    await asyncio.sleep(0)
    return PlainTextResponse("async")


async def form(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{len(await request.form())} fields")


async def ajson(request: Request) -> JSONResponse:
    return JSONResponse({"keys": len(await request.json())})


def stream(request: Request) -> StreamingResponse:
    probe.count("stream views")

    def gen() -> t.Iterator[bytes]:
        probe.count("streams started")
        try:
            while True:
                time.sleep(PAUSE)
                yield b"chunk\n"
        finally:
            probe.count("streams closed")

    return StreamingResponse(gen(), media_type="text/plain")


async def astream(request: Request) -> StreamingResponse:
    probe.count("stream views")

    async def gen() -> t.AsyncIterator[bytes]:
        probe.count("streams started")
        try:
            while True:
                yield b"chunk\n"
                await asyncio.sleep(PAUSE)
        finally:
            probe.count("streams closed")

    return StreamingResponse(gen(), media_type="text/plain")


async def aupload(request: Request) -> JSONResponse:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return JSONResponse({"size": size})


def login(request: Request) -> PlainTextResponse:
    request.session.update(user="ann", visits=0)
    return PlainTextResponse("logged in")


def _page(request: Request, title: str) -> HTMLResponse:
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    html = TEMPLATES.get_template("page.html").render(
        title=title, user=request.session.get("user"), visits=visits, items=ITEMS
    )
    return HTMLResponse(html)


def _total(data: dict[str, t.Any]) -> JSONResponse:
    items = data["items"]
    return JSONResponse({"n": len(items), "total": sum(i["price"] for i in items)})


def sync_page(request: Request) -> HTMLResponse:
    time.sleep(0.001)
    return _page(request, "sync")


async def async_page(request: Request) -> HTMLResponse:
    await asyncio.sleep(0.002)
    return _page(request, "async")


async def sync_json(request: Request) -> JSONResponse:
    data = await request.json()
    await run_in_threadpool(time.sleep, 0.001)
    return _total(data)


async def async_json(request: Request) -> JSONResponse:
    data = await request.json()
    await asyncio.sleep(0.001)
    return _total(data)


both = ["GET", "POST"]
app = Starlette(
    routes=[
        Route("/sync", sync_view),
        Route("/async", async_view),
        Route("/form", form, methods=["POST"]),
        Route("/ajson", ajson, methods=["POST"]),
        Route("/stream", stream, methods=both),
        Route("/astream", astream, methods=both),
        Route("/aupload", aupload, methods=["POST"]),
        Route("/login", login),
        Route("/mixed/sync-page", sync_page),
        Route("/mixed/async-page", async_page),
        Route("/mixed/sync-json", sync_json, methods=["POST"]),
        Route("/mixed/async-json", async_json, methods=["POST"]),
    ],
    middleware=[Middleware(SessionMiddleware, secret_key="asgi-limits")],
)
asgi = probe.wrap_asgi(app)
