"""WebSocket handlers, hooks and tests as users write them, checked by mypy
and pyright; ``run_checks`` runs them."""

from __future__ import annotations

import asyncio
import sys
import typing as t

from flask import abort
from flask import Blueprint
from flask import copy_current_websocket_context
from flask import Flask
from flask import has_websocket_context
from flask import Response
from flask import websocket
from flask import WebsocketDisconnect
from flask.testing import AsyncWebsocketTestSession
from flask.testing import WebsocketResponseError
from flask.testing import WebsocketTestConnection
from flask.testing import WebsocketTestSession
from flask.wrappers import Websocket

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

app = Flask(__name__)
bp = Blueprint("live", __name__, url_prefix="/live")


@app.websocket("/echo")
async def echo() -> None:
    assert_type(websocket.requested_subprotocols, list[str])
    ws_object: Websocket = websocket
    assert ws_object.path == "/echo"
    assert has_websocket_context()
    while True:
        data = await websocket.receive()
        await websocket.send(data)


@app.websocket("/sync/<int:n>")
def sync_handler(n: int) -> None:
    websocket.accept(headers={"X-N": str(n)})
    text: str | bytes = websocket.receive()
    websocket.send_json({"n": n, "got": text})


@bp.websocket("/reject")
def reject() -> tuple[str, int]:
    return "no", 403


def add(value: int) -> None:
    websocket.send(str(value + 1))


app.add_websocket("/add", "add", lambda: add(1))


@bp.before_websocket
def need_token() -> None:
    if websocket.args.get("token") != "t":
        abort(401)


@app.after_websocket
def after(response: Response | None) -> Response | None:
    return response


@app.teardown_websocket
async def teardown(exc: BaseException | None) -> None:
    pass


@app.websocket("/closing")
async def closing() -> None:
    @copy_current_websocket_context
    async def helper() -> str:
        return websocket.path

    await websocket.send(await helper())
    try:
        await websocket.receive()
    except WebsocketDisconnect as e:
        assert_type(e.code, int)
        raise


app.register_blueprint(bp)


def run_checks() -> None:
    client = app.test_client()
    connection = client.websocket("/sync/41", subprotocols=["x"])
    assert_type(connection, WebsocketTestConnection)
    with connection as ws:
        assert_type(ws, WebsocketTestSession)
        assert ws.headers["X-N"] == "41"
        ws.send("hi")
        assert ws.receive_json() == {"n": 41, "got": "hi"}
    try:
        with client.websocket("/live/reject?token=t"):
            pass
    except WebsocketResponseError as e:
        assert_type(e.response, Response)
        assert e.response.status_code == 403

    async def main() -> None:
        async with client.websocket("/echo") as ws:
            assert_type(ws, AsyncWebsocketTestSession)
            await ws.send(b"x")
            data: str | bytes = await ws.receive()
            assert data == b"x"
        async with client.websocket("/closing") as ws:
            assert await ws.receive() == "/closing"

    asyncio.run(main())
    with client.websocket("/add") as ws:
        assert ws.receive() == "2"
    _ = t
