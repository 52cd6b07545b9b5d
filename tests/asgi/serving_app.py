"""Apps served by uvicorn/hypercorn in the real-server tests.

``app`` (served as ``serving_app:asgi``) is a Flask app; ``bare`` is an ASGI
app that only sleeps, the floor the Flask app is compared with. Teardowns
and stream closes are appended to the file named by ``ASGI_TEST_EVENTS``.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import typing as t

import flask

app = flask.Flask(__name__)
app.config["SECRET_KEY"] = "serving"
EVENTS = os.environ.get("ASGI_TEST_EVENTS", os.devnull)
_events_lock = threading.Lock()


def record(line: str) -> None:
    with _events_lock, open(EVENTS, "a") as f:
        f.write(line + "\n")


@app.before_serving
async def started() -> None:
    app.extensions["serving_loop"] = asyncio.get_running_loop()


# Teardown recording only for the streaming blueprint: the other views stay
# free of hooks, so plain async requests run entirely on the loop.
streams = flask.Blueprint("streams", __name__)


@streams.teardown_request
def teardown(exc: BaseException | None) -> None:
    rid = flask.request.args.get("rid")
    if rid:
        record(f"teardown {rid}")


@app.route("/sleep")
async def sleep() -> str:
    await asyncio.sleep(float(flask.request.args.get("s", "1")))
    return "slept"


@app.route("/block")
def block() -> str:
    time.sleep(float(flask.request.args.get("s", "2")))
    return "blocked"


@app.route("/loop")
async def loop() -> str:
    same = app.extensions.get("serving_loop") is asyncio.get_running_loop()
    return "same loop" if same else "other loop"


@app.route("/mixed/<int:n>", methods=["GET", "POST"])
async def mixed_async(n: int) -> dict[str, t.Any]:
    flask.g.n = n
    flask.session["n"] = n
    await asyncio.sleep(0.001 * (n % 5))
    return {
        "g": flask.g.n,
        "arg": int(flask.request.args["n"]),
        "path": flask.request.path,
        "session": flask.session["n"],
        "body": flask.request.get_data(as_text=True),
    }


@app.route("/mixed-sync/<int:n>", methods=["GET", "POST"])
def mixed_sync(n: int) -> dict[str, t.Any]:
    flask.g.n = n
    flask.session["n"] = n
    time.sleep(0.001 * (n % 5))
    return {
        "g": flask.g.n,
        "arg": int(flask.request.args["n"]),
        "path": flask.request.path,
        "session": flask.session["n"],
        "body": flask.request.get_data(as_text=True),
    }


@app.route("/hello")
def hello() -> str:
    return "hello"


@app.route("/rss")
def rss() -> str:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return str(pages * os.sysconf("SC_PAGE_SIZE"))


@streams.route("/stream")
def stream() -> t.Any:
    rid = flask.request.args["rid"]

    @flask.stream_with_context
    def gen() -> t.Iterator[str]:
        try:
            while True:
                time.sleep(0.02)
                yield "chunk " + flask.request.args["rid"] + "\n"
        finally:
            record(f"closed {rid}")

    return gen()


app.register_blueprint(streams)
asgi = app.asgi_app


async def bare(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
    """A bare ASGI app that sleeps one second per request."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"{message['type']}.complete"})
            if kind == "shutdown":
                return
    await receive()
    await asyncio.sleep(1)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")],
        }
    )
    await send({"type": "http.response.body", "body": b"slept"})


broken = flask.Flask("broken")


@broken.before_serving
async def cannot_start() -> None:
    raise ConnectionError("database unreachable")


broken_asgi = broken.asgi_app
