"""Starlette: its sync endpoint is a plain ``def`` (run in a worker thread)."""

from __future__ import annotations

import asyncio

import starlette
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from . import report_origin

report_origin("starlette", starlette)


def sync_hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


async def hello_json(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello, World!"})


async def sleep(request: Request) -> PlainTextResponse:
    await asyncio.sleep(1)
    return PlainTextResponse("slept")


app = Starlette(
    routes=[
        Route("/sync", sync_hello),
        Route("/hello", hello),
        Route("/json", hello_json),
        Route("/sleep", sleep),
    ]
)
