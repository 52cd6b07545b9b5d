"""Driving ``app.asgi_app`` from WSGI test code, in process.

:class:`ASGIBridge` is a WSGI callable that turns each environ into an ASGI
scope and body messages, runs the ASGI app on an event loop in a background
thread, and returns what it sent. Patching ``werkzeug.test.run_wsgi_app``
with :func:`route_test_clients` makes every ``app.test_client()`` request go
through the ASGI front door, so existing tests run unchanged over ASGI.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import typing as t
from urllib.parse import quote

import werkzeug.test
from werkzeug.http import HTTP_STATUS_CODES

from flask import Flask


class LoopThread:
    """An event loop running in a daemon thread, as a server's would."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="asgi-test-loop", daemon=True
        )
        self.thread.start()

    def run(self, coro: t.Coroutine[t.Any, t.Any, t.Any], timeout: float = 30) -> t.Any:
        """Run ``coro`` on the loop and return its result or raise its error
        here. ``KeyboardInterrupt`` and ``SystemExit`` (which a view may
        raise) are carried over too, without stopping the loop, as asyncio
        would if they escaped a task."""
        outcome = asyncio.run_coroutine_threadsafe(_shielded(coro), self.loop).result(
            timeout
        )
        if isinstance(outcome, _Raised):
            raise outcome.error
        return outcome

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class _Raised(t.NamedTuple):
    error: BaseException


async def _shielded(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    try:
        return await coro
    except (KeyboardInterrupt, SystemExit) as e:
        return _Raised(e)


def scope_from_environ(environ: dict[str, t.Any]) -> dict[str, t.Any]:
    """The ASGI scope a server would build for the request in ``environ``."""
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").lower()
        else:
            continue
        headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    path_bytes = environ.get("PATH_INFO", "").encode("latin-1")
    root = environ.get("SCRIPT_NAME", "")
    if not path_bytes.startswith(b"/"):
        # An ASGI path always starts with "/" (werkzeug reads a WSGI
        # PATH_INFO without one the same way); the root must stay apart.
        path_bytes = b"/" + path_bytes
    raw_path = (
        root.encode("latin-1") + quote(path_bytes, safe="/:@!$&'()*+,;=-._~").encode()
    )
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1")[5:],
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": (root.encode("latin-1") + path_bytes).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": root,
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 12345),
        "server": (
            environ.get("SERVER_NAME", "localhost"),
            int(environ.get("SERVER_PORT") or 80),
        ),
    }


async def call_asgi(
    asgi: t.Any, scope: dict[str, t.Any], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
    """Send ``body`` in two messages (when longer than one byte) and collect
    the response."""
    parts = (
        [body[: len(body) // 2], body[len(body) // 2 :]] if len(body) > 1 else [body]
    )
    messages: list[dict[str, t.Any]] = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
        for i, p in enumerate(parts)
    ]
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    finished = asyncio.Event()

    async def receive() -> dict[str, t.Any]:
        if messages:
            return messages.pop(0)
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, t.Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    try:
        await asgi(scope, receive, send)
    finally:
        finished.set()
    return status, headers, chunks


class ASGIBridge:
    """A WSGI app answering through ``asgi`` (default ``app.asgi_app``)."""

    def __init__(self, app: Flask, loop: LoopThread, asgi: t.Any = None) -> None:
        self.app = app
        self.asgi = asgi if asgi is not None else app.asgi_app
        self.loop = loop

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH")
        # Read without using the body up: the test client sends the same
        # stream again when it follows a 307 or 308 redirect.
        start = stream.tell() if stream.seekable() else None
        body = stream.read(int(length)) if length else stream.read()
        if start is not None:
            stream.seek(start)
        scope = scope_from_environ(environ)
        status, headers, chunks = self.loop.run(call_asgi(self.asgi, scope, body))
        start_response(
            f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN')}",
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers],
        )
        return chunks


@contextlib.contextmanager
def route_test_clients() -> t.Iterator[LoopThread]:
    """Send every Flask test client request through ``app.asgi_app``."""
    loop = LoopThread()
    original = werkzeug.test.run_wsgi_app

    def run_wsgi_app(app: t.Any, environ: t.Any, buffered: bool = False) -> t.Any:
        if isinstance(app, Flask):
            app = ASGIBridge(app, loop)
        return original(app, environ, buffered=buffered)

    werkzeug.test.run_wsgi_app = run_wsgi_app  # type: ignore[assignment]
    try:
        yield loop
    finally:
        werkzeug.test.run_wsgi_app = original
        loop.stop()
