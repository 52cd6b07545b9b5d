"""One port for a Socket.IO server and a Flask app (python-socketio's
``ASGIApp`` in front of ``app.asgi_app``): ``/socket.io/`` goes to
Socket.IO, every other request and WebSocket (an ``@app.websocket``
handler, a flask-sock view) to Flask, and Flask's lifespan runs.
``uvicorn socketio_app:asgi``.
"""

from __future__ import annotations

import typing as t

import socketio
from flask_sock import Sock

from flask import Flask
from flask import websocket

sio = socketio.AsyncServer(async_mode="asgi")
app = Flask(__name__)
sock = Sock(app)
started: list[str] = []


@app.while_serving
async def lifespan() -> t.AsyncGenerator[None, None]:
    started.append("flask lifespan ran")
    yield


@app.route("/hello")
def hello() -> dict[str, t.Any]:
    return {"flask": "hello", "started": started}


@app.post("/notify/<text>")
async def notify(text: str) -> str:
    # An async view runs on the server's loop: it can await Socket.IO.
    await sio.emit("notice", text)
    return "sent"


@app.websocket("/ws")
async def echo() -> None:
    while True:
        await websocket.send(f"flask: {await websocket.receive()}")


@sock.route("/sock")
def sock_echo(ws: t.Any) -> None:
    while True:
        ws.send(f"flask-sock: {ws.receive()}")


@sio.event
async def connect(sid: str, environ: dict[str, t.Any], auth: t.Any) -> bool:
    return auth == {"token": "s3cret"}


@sio.on("echo")
async def sio_echo(sid: str, data: t.Any) -> t.Any:
    return {"echo": data}  # the acknowledgement


@sio.on("shout")
async def shout(sid: str, text: str) -> None:
    await sio.emit("shouted", text.upper())


asgi = socketio.ASGIApp(sio, other_asgi_app=app.asgi_app)
