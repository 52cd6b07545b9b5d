"""Quart: its sync view is a plain ``def`` (Quart runs it in a thread)."""

from __future__ import annotations

import asyncio

import quart
from quart import Quart

from . import report_origin

report_origin("quart", quart)

app = Quart(__name__)


@app.get("/sync")
def sync_hello() -> str:
    return "Hello, World!"


@app.get("/hello")
async def hello() -> str:
    return "Hello, World!"


@app.get("/json")
async def hello_json() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.get("/sleep")
async def sleep() -> str:
    await asyncio.sleep(1)
    return "slept"
