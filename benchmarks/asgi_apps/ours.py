"""This package: ``app.asgi_app``."""

from __future__ import annotations

import asyncio

import flask
from flask import Flask

from . import report_origin

report_origin("flask", flask)

flask_app = Flask(__name__)


@flask_app.get("/sync")
def sync_hello() -> str:
    return "Hello, World!"


@flask_app.get("/hello")
async def hello() -> str:
    return "Hello, World!"


@flask_app.get("/json")
async def hello_json() -> dict[str, str]:
    return {"message": "Hello, World!"}


@flask_app.get("/sleep")
async def sleep() -> str:
    await asyncio.sleep(1)
    return "slept"


app = flask_app.asgi_app
