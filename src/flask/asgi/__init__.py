"""Serving a Flask app with an ASGI server (uvicorn, hypercorn, granian).

``app.asgi_app`` is an :class:`ASGIApp`. A request goes through the same
steps as under WSGI (``wsgi_app`` and ``full_dispatch_request``): push the
context, ``request_started``, ``preprocess_request``, ``dispatch_request``,
``handle_user_exception``, ``finalize_request``, ``handle_exception``, send,
pop. Only *where* they run changes:

- sync steps run in a bounded pool of worker threads, so blocking code never
  blocks the event loop;
- ``async def`` views, error handlers, and (when ``preprocess_request``,
  ``finalize_request`` and ``process_response`` are Flask's own)
  ``before_request``/``after_request`` hooks and ``after_this_request``
  callbacks run on the server's loop and hold no thread while they await;
- other async functions called through ``ensure_sync`` from a worker thread
  (teardown, signals, a decorator calling an async view) run on the
  server's loop while their thread waits.

The event loop never waits on anything: request bodies are received on the
loop (small ones before any sync code runs, so a slow client costs a
coroutine, not a thread; large ones as sync code reads them, with
backpressure and a timeout), and a client that disconnects is noticed while
its response streams.

``websocket`` scopes are served by :mod:`._websocket`: handlers registered
with ``@app.websocket`` run with :data:`flask.websocket` on ASGI messages,
and flask-sock's views get a socket to upgrade (:mod:`._websocket_plain`).

The package is split by concern: :mod:`._environ` (scope to environ),
:mod:`._body` (the request body), :mod:`._http` (one request),
:mod:`._steps` (the pipeline's sync steps), :mod:`._bridge` (coroutines
called from sync code), :mod:`._stream` (sending responses),
:mod:`._lifespan` (startup and shutdown), :mod:`._websocket` and
:mod:`._websocket_connection` (WebSocket connections),
:mod:`._websocket_plain` (plain views that upgrade a socket themselves,
flask-sock's) and :mod:`._pool` (the threads).
"""

from __future__ import annotations

import asyncio
import typing as t

from ._bridge import Binding
from ._environ import Receive
from ._environ import Scope
from ._environ import Send
from ._http import serve_http
from ._pool import WorkerPool

if t.TYPE_CHECKING:
    from ..app import Flask

__all__ = [
    "ASGIApp",
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_THREADS",
    "DEFAULT_READ_AHEAD",
    "DEFAULT_SPILL_SIZE",
    "DEFAULT_WEBSOCKET_THREADS",
]

#: Worker threads for sync code, per :class:`ASGIApp` (Starlette's default).
DEFAULT_MAX_THREADS = 40
#: Request bodies up to this size (bytes) are received before any sync code
#: runs and kept in memory; larger ones are read as the app reads them, and
#: what is received ahead of the reader past this goes to a temporary file.
DEFAULT_SPILL_SIZE = 1024 * 1024
#: Seconds to wait for the next part of a request body before answering 408.
DEFAULT_BODY_TIMEOUT = 60.0
#: Bytes of a request body received ahead of async code (which cannot wait
#: for it) when ``MAX_CONTENT_LENGTH`` is not set; past it, reading answers
#: 413. Quart's default body size limit.
DEFAULT_READ_AHEAD = 16 * 1024 * 1024
#: Threads for sync WebSocket handlers, per :class:`ASGIApp`: each holds
#: one for its whole connection (``async def`` handlers hold none).
DEFAULT_WEBSOCKET_THREADS = 100


class ASGIApp:
    """An ASGI 3 application serving a Flask ``app``.

    :param max_threads: the most worker threads running sync code at once.
    :param spill_size: bodies up to this many bytes are received before
        sync code runs; received bytes not read yet are kept in memory up
        to this size, then in a temporary file.
    :param body_timeout: seconds to wait for the next part of a request
        body; when it passes, reading the body raises a 408 error. ``None``
        waits forever.
    :param read_ahead: when ``MAX_CONTENT_LENGTH`` is not set, the most
        body bytes received ahead for async code, which cannot wait while
        it reads the body; reading past it raises a 413 error.
    :param websocket_threads: the most sync WebSocket handlers running at
        once (each holds a thread of its own pool while connected); more
        connections wait for a thread before their handler starts.

    ``app.asgi_app`` is one of these with the defaults.
    """

    def __init__(
        self,
        app: Flask,
        max_threads: int = DEFAULT_MAX_THREADS,
        spill_size: int = DEFAULT_SPILL_SIZE,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
        read_ahead: int = DEFAULT_READ_AHEAD,
        websocket_threads: int = DEFAULT_WEBSOCKET_THREADS,
    ) -> None:
        if max_threads < 1 or websocket_threads < 1:
            raise ValueError(
                "'max_threads' and 'websocket_threads' must be at least 1."
            )
        if spill_size < 0 or read_ahead < 0:
            raise ValueError("'spill_size' and 'read_ahead' must not be negative.")
        if body_timeout is not None and body_timeout <= 0:
            raise ValueError("'body_timeout' must be positive (or None).")
        self.app = app
        self.max_threads = max_threads
        self.spill_size = spill_size
        self.body_timeout = body_timeout
        self.read_ahead = read_ahead
        self.websocket_threads = websocket_threads
        self._pool: WorkerPool | None = None
        self._websocket_pool: WorkerPool | None = None
        self._lean_binding: Binding | None = None
        #: The ``while_serving`` generators started at startup.
        self.serving_generators: list[t.Any] = []

    @property
    def pool(self) -> WorkerPool:
        """The worker threads for sync code, started on demand."""
        pool = self._pool
        if pool is None or pool._closed:
            pool = self._pool = WorkerPool(self.max_threads)
        return pool

    @property
    def websocket_pool(self) -> WorkerPool:
        """The threads running sync WebSocket handlers, started on demand."""
        pool = self._websocket_pool
        if pool is None or pool._closed:
            pool = self._websocket_pool = WorkerPool(
                self.websocket_threads, name="flask-websocket"
            )
        return pool

    def _binding_for(self, loop: asyncio.AbstractEventLoop) -> Binding:
        """The binding shared by requests on the lean path (:mod:`._lean`),
        which never arm it: one per loop and pool."""
        binding = self._lean_binding
        pool = self._pool
        if pool is None or pool._closed:
            pool = self.pool
        if binding is None or binding.loop is not loop or binding.pool is not pool:
            binding = self._lean_binding = Binding(
                loop, self.app, pool, None, self.read_ahead
            )
        return binding

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await serve_http(self, scope, receive, send)
        elif kind == "lifespan":
            from ._lifespan import serve_lifespan

            await serve_lifespan(self, receive, send)
        elif kind == "websocket":
            from ._websocket import serve_websocket

            await serve_websocket(self, scope, receive, send)
        else:
            raise ValueError(f"Unsupported ASGI scope type {kind!r}.")
