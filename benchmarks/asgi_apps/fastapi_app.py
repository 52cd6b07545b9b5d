"""FastAPI: its sync endpoint is a plain ``def`` (run in a worker thread)."""

from __future__ import annotations

import asyncio

import fastapi
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from . import report_origin

report_origin("fastapi", fastapi)

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/sync", response_class=PlainTextResponse)
def sync_hello() -> str:
    return "Hello, World!"


@app.get("/hello", response_class=PlainTextResponse)
async def hello() -> str:
    return "Hello, World!"


@app.get("/json")
async def hello_json() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.get("/sleep", response_class=PlainTextResponse)
async def sleep() -> str:
    await asyncio.sleep(1)
    return "slept"
