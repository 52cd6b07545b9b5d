"""The WebSocket handlers, all behind a login check."""

from __future__ import annotations

import asyncio
import datetime

from flask import abort
from flask import Blueprint
from flask import current_app
from flask import g
from flask import session
from flask import websocket

bp = Blueprint("live", __name__, url_prefix="/live")


@bp.before_websocket
def require_login() -> None:
    # Runs before the handshake is accepted: abort() rejects it with a
    # real HTTP 401, which the browser's WebSocket reports as an error.
    user = session.get("user")
    if user is None:
        abort(401)
    g.user = user


@bp.websocket("/echo")
def echo() -> None:
    # A plain function: it runs in a thread of its own and its calls block.
    # The first receive() accepts the connection; when the client leaves,
    # receive() raises WebsocketDisconnect, which ends the handler normally.
    count = 0
    while True:
        message = websocket.receive_json()
        count += 1
        websocket.send_json(
            {"user": g.user, "n": count, "text": str(message.get("text", "")).upper()}
        )


@bp.websocket("/clock")
async def clock() -> None:
    # A coroutine: it waits on the event loop without holding a thread.
    # When the client leaves, the waiting sleep() is cancelled.
    await websocket.accept()
    interval = current_app.config["CLOCK_INTERVAL"]
    while True:
        now = datetime.datetime.now(datetime.timezone.utc)
        await websocket.send_json({"user": g.user, "time": now.isoformat()})
        await asyncio.sleep(interval)


@bp.teardown_websocket
def log_end(exc: BaseException | None) -> None:
    # Runs once per connection, however it ended.
    user = g.get("user")
    current_app.logger.info("WebSocket %s closed for %s", websocket.path, user)
