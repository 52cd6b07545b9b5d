"""Async views under gunicorn ``--preload``: the app is imported once in the
master, which then forks the workers.

At import the app already runs a coroutine through ``ensure_sync`` (a
warm-up), so the master thread has an event loop before the fork; each
worker then serves async views doing real socket I/O.
"""

import asyncio
import os

from flask import Flask

HOST = os.environ.get("SCALEOUT_HOST", "?")
REDIS_PORT = int(os.environ["SCALEOUT_REDIS_PORT"])

app = Flask(__name__)


async def redis_ping(tag: str) -> str:
    """PING over a raw socket, echoing ``tag`` (real I/O on the loop)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", REDIS_PORT)
    try:
        writer.write(b"PING %s\r\n" % tag.encode())
        await writer.drain()
        await reader.readline()  # "$<length>"
        return (await reader.readline()).decode().strip()
    finally:
        writer.close()
        await writer.wait_closed()


WARM_UP = app.ensure_sync(redis_ping)("warm-up")


@app.after_request
def served_by(response):
    response.headers["X-Served-By"] = f"{HOST}/{os.getpid()}"
    return response


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/ping/<tag>")
async def ping(tag):
    await asyncio.sleep(0.005)
    return {"reply": await redis_ping(tag), "warm_up": WARM_UP}
