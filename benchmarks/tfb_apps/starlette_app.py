"""Starlette."""

from __future__ import annotations

import os

import tfb
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates


def create_app(db: tfb.Database) -> Starlette:
    templates = Jinja2Templates(directory=os.path.join(tfb.HERE, "templates"))

    async def plaintext(request: Request) -> Response:
        return PlainTextResponse("Hello, World!")

    async def hello_json(request: Request) -> Response:
        return JSONResponse({"message": "Hello, World!"})

    async def single_query(request: Request) -> Response:
        return JSONResponse(db.world(db.random_id()))

    async def queries(request: Request) -> Response:
        count = tfb.query_count(request.query_params.get("queries"))
        return JSONResponse(db.random_worlds(count))

    async def fortunes(request: Request) -> Response:
        return templates.TemplateResponse(
            request, "fortunes.html", {"fortunes": db.fortunes()}
        )

    async def updates(request: Request) -> Response:
        count = tfb.query_count(request.query_params.get("queries"))
        return JSONResponse(db.update_worlds(count))

    return Starlette(
        routes=[
            Route("/plaintext", plaintext),
            Route("/json", hello_json),
            Route("/db", single_query),
            Route("/queries", queries),
            Route("/fortunes", fortunes),
            Route("/updates", updates),
        ]
    )


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
