"""A bare ASGI callable (no framework): the server's ceiling.

It has no sync views and no thread pool: ``/sync`` is answered like
``/hello``, on the loop.
"""

from __future__ import annotations

import asyncio
import json
import sys
import typing as t

from . import report_origin

report_origin("bare", sys.modules[__name__])

_TEXT = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]
_JSON_BODY = json.dumps({"message": "Hello, World!"}).encode()
_JSON = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_JSON_BODY)).encode()),
]
_NOT_FOUND = [(b"content-type", b"text/plain"), (b"content-length", b"9")]


async def _lifespan(receive: t.Any, send: t.Any) -> None:
    while True:
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        if message["type"] == "lifespan.shutdown":
            return


async def app(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path = scope["path"]
    if path == "/sync" or path == "/hello":
        status, headers, body = 200, _TEXT, b"Hello, World!"
    elif path == "/json":
        status, headers, body = 200, _JSON, _JSON_BODY
    elif path == "/sleep":
        await asyncio.sleep(1)
        status, headers, body = 200, [(b"content-length", b"5")], b"slept"
    else:
        status, headers, body = 404, _NOT_FOUND, b"Not Found"
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
