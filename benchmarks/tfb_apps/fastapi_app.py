"""FastAPI."""

from __future__ import annotations

import os

import tfb
from fastapi import FastAPI
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import PlainTextResponse
from fastapi.templating import Jinja2Templates


def create_app(db: tfb.Database) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=os.path.join(tfb.HERE, "templates"))

    @app.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def hello_json() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/db")
    async def single_query() -> dict[str, int]:
        return db.world(db.random_id())

    @app.get("/queries")
    async def queries(queries: str | None = None) -> list[dict[str, int]]:
        return db.random_worlds(tfb.query_count(queries))

    @app.get("/fortunes", response_class=HTMLResponse)
    async def fortunes(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "fortunes.html", {"fortunes": db.fortunes()}
        )

    @app.get("/updates")
    async def updates(queries: str | None = None) -> list[dict[str, int]]:
        return db.update_worlds(tfb.query_count(queries))

    return app


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
