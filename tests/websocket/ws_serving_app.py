"""The app served by real servers in the WebSocket tests (uvicorn,
hypercorn, werkzeug's development server, gunicorn).

``/events`` lists what handlers and teardowns recorded, ``/stats`` counts
the process's threads, event loop tasks, open file descriptors and memory,
for the tests to compare before and after.
"""

from __future__ import annotations

import asyncio
import os
import threading
import typing as t

from flask import abort
from flask import Blueprint
from flask import Flask
from flask import session
from flask import url_for
from flask import websocket
from flask import WebsocketDisconnect

app = Flask(__name__)
app.secret_key = "serving secret"
events: list[str] = []
sent: dict[str, int] = {}


@app.websocket("/echo")
async def echo() -> None:
    while True:
        await websocket.send(await websocket.receive())


@app.websocket("/echo-sync")
def echo_sync() -> None:
    while True:
        websocket.send(websocket.receive())


@app.route("/echo")
def echo_page() -> str:
    return "the HTTP side of /echo"


@app.websocket("/json")
async def json_echo() -> None:
    while True:
        data = await websocket.receive_json()
        await websocket.send_json({"got": data})


@app.websocket("/chat")
async def chat() -> None:
    await websocket.accept(headers={"X-Room": "lobby"}, subprotocol="chat.v2")
    await websocket.send(f"subprotocol {websocket.subprotocol}")


@app.websocket("/teapot")
def teapot() -> t.Any:
    return "I am a teapot", 418


bp = Blueprint("private", __name__, url_prefix="/private")


@bp.before_websocket
def need_token() -> None:
    if websocket.args.get("token") != "s3cret":
        abort(401)


@bp.websocket("/feed")
async def feed() -> None:
    await websocket.send(f"hello {session.get('user', 'nobody')}")
    await websocket.send(url_for(".feed", _external=True))
    await websocket.send(url_for("echo"))


app.register_blueprint(bp)


@app.route("/login/<name>")
def login(name: str) -> str:
    session["user"] = name
    return "logged in"


@app.websocket("/wait/<name>")
async def wait(name: str) -> None:
    await websocket.accept()
    events.append(f"start {name}")
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        events.append(f"cancelled {name}")
        raise


@app.websocket("/wait-sync/<name>")
def wait_sync(name: str) -> None:
    websocket.accept()
    events.append(f"start {name}")
    try:
        while True:
            websocket.receive()
    except WebsocketDisconnect:
        events.append(f"disconnected {name}")
        raise


@app.websocket("/slow-reader/<name>")
async def slow_reader(name: str) -> None:
    """Reads nothing for a second, then everything: the client is held
    back meanwhile, and its departure is seen once the handler reads."""
    await websocket.accept()
    events.append(f"start {name}")
    await asyncio.sleep(1)
    try:
        while True:
            await websocket.receive()
    except WebsocketDisconnect:
        events.append(f"disconnected {name}")
        raise


@app.teardown_websocket
def record_teardown(exc: BaseException | None) -> None:
    view_args = websocket.view_args or {}
    if "name" in view_args:
        events.append(f"teardown {view_args['name']}")


@app.websocket("/flood/<name>")
async def flood(name: str) -> None:
    chunk = b"x" * 65536
    sent[name] = 0
    while True:
        await websocket.send(chunk)
        sent[name] += len(chunk)


@app.websocket("/boom")
async def boom() -> None:
    await websocket.send("about to fail")
    raise ZeroDivisionError("boom in a handler")


@app.websocket("/handshake")
async def handshake() -> None:
    await websocket.send("ok")
    await websocket.close()


@app.route("/plain-upgrade", websocket=True)
def plain_upgrade() -> str:
    """A plain view on a WebSocket rule (as flask-sock registers them):
    served by the normal pipeline under WSGI."""
    return "plain view"


@app.route("/events")
def list_events() -> dict[str, t.Any]:
    return {"events": list(events), "sent": dict(sent)}


def _threads() -> tuple[int, int]:
    """Threads outside the worker pools, and pool threads (which are kept
    for reuse, up to the pool's bound)."""
    names = [th.name for th in threading.enumerate()]
    pooled = sum(n.startswith(("flask-asgi", "flask-websocket")) for n in names)
    return len(names) - pooled, pooled


@app.route("/stats")
async def stats() -> dict[str, t.Any]:
    other, pooled = _threads()
    return {
        "threads": other,
        "pool_threads": pooled,
        "tasks": len(asyncio.all_tasks()),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss": _rss(),
    }


@app.route("/stats-sync")
def stats_sync() -> dict[str, t.Any]:
    return {
        "threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss": _rss(),
    }


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


asgi = app.asgi_app
