"""A flask-sock app, written as flask-sock's documentation writes them: an
echo and a chat that broadcasts every message to everyone connected. The
tests serve it unmodified with ``flask run`` (werkzeug), gunicorn's
threaded worker, uvicorn, hypercorn and granian (``sock_app:asgi``).

The routes after ``chat`` are probes for the tests: what the views and
their teardown recorded (``/events``), and the process's threads, event
loop tasks, file descriptors and memory (``/stats``).
"""

from __future__ import annotations

import asyncio
import os
import threading
import typing as t

from flask_sock import ConnectionClosed
from flask_sock import Sock

from flask import Flask
from flask import request

app = Flask(__name__)
app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": 25}
sock = Sock(app)


@sock.route("/echo")
def echo(ws: t.Any) -> None:
    while True:
        data = ws.receive()
        ws.send(data)


clients: set[t.Any] = set()
clients_lock = threading.Lock()


@sock.route("/chat")
def chat(ws: t.Any) -> None:
    with clients_lock:
        clients.add(ws)
    try:
        while True:
            text = ws.receive()
            with clients_lock:
                for client in list(clients):
                    try:
                        client.send(text)
                    except ConnectionClosed:
                        clients.discard(client)
    finally:
        with clients_lock:
            clients.discard(ws)


# -- probes for the tests --------------------------------------------------------

events: list[str] = []
sent: dict[str, int] = {}


@sock.route("/hello/<name>")
def hello(ws: t.Any, name: str) -> None:
    """Says hello with the query string and the subprotocol, then closes."""
    ws.send(f"hello {name} {request.args.get('q', '')}")
    ws.close(reason=4000, message="done")


@sock.route("/wait/<name>")
def wait(ws: t.Any, name: str) -> None:
    events.append(f"start {name}")
    try:
        while True:
            ws.receive()
    except ConnectionClosed as e:
        events.append(f"closed {name} {int(e.reason)}")
        print(events[-1], flush=True)  # for a test that stops the server
        raise


@sock.route("/flood/<name>")
def flood(ws: t.Any, name: str) -> None:
    chunk = b"x" * 65536
    sent[name] = 0
    while True:
        ws.send(chunk)
        sent[name] += len(chunk)


@sock.route("/boom")
def boom(ws: t.Any) -> None:
    ws.send("about to fail")
    raise ZeroDivisionError("boom in a flask-sock view")


@sock.route("/private")
def private(ws: t.Any) -> None:
    ws.send("welcome")


@app.before_request
def need_token() -> t.Any:
    if request.path == "/private" and request.args.get("token") != "s3cret":
        return "no token", 401
    return None


@app.teardown_request
def record_teardown(exc: BaseException | None) -> None:
    name = (request.view_args or {}).get("name")
    if name is not None and request.path.startswith("/wait/"):
        events.append(f"teardown {name}")


@app.route("/events")
def list_events() -> dict[str, t.Any]:
    return {"events": list(events), "sent": dict(sent)}


@app.route("/stats")
async def stats() -> dict[str, t.Any]:
    names = [th.name for th in threading.enumerate()]
    pooled = sum(n.startswith(("flask-asgi", "flask-websocket")) for n in names)
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return {
        "threads": len(names) - pooled,
        "pool_threads": pooled,
        "tasks": len(asyncio.all_tasks()),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss": rss,
    }


asgi = app.asgi_app
