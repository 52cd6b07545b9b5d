"""Serving one ``websocket`` scope: the connection and the pipeline's driver.

:func:`serve_websocket` is the life of a WebSocket connection on the ASGI
door. The scope becomes an environ and a websocket context, its route is
matched, and the pipeline (:mod:`flask._websocket_app`) is driven: sync
hooks and signal receivers in the worker pool, sync handlers in a pool of
their own (each holds a thread for the whole connection), coroutines on the
server's loop.

:class:`ASGIConnection` is the connection interface on ASGI messages. A
reader task receives the client's messages ahead of the handler, bounded
(about ``WEBSOCKET_MAX_MESSAGE_SIZE`` bytes, then it stops receiving and
the server stops reading the socket), so a client that disconnects is
noticed even while the handler is busy elsewhere: an ``async def``
handler not waiting in ``receive`` is cancelled, one waiting in
``receive`` gets the messages sent before the close, then
:class:`~flask.WebsocketDisconnect`. A message over the maximum size
closes the connection with 1009. Sends wait for the server to take the
data, so a client that does not read slows the handler down instead of
filling memory. Sync code calls the same methods through the loop.

The connection's teardown runs exactly once, whether the handler returns,
raises, the client leaves or the server cancels the connection.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import threading
import typing as t
from inspect import iscoroutinefunction

from .._async import server_loop
from .._async import task_in
from .._websocket import ABNORMAL_CLOSURE
from .._websocket import DEFAULT_MAX_MESSAGE_SIZE
from .._websocket import GOING_AWAY
from .._websocket import INTERNAL_ERROR
from .._websocket import MESSAGE_TOO_BIG
from .._websocket import NO_STATUS
from .._websocket import NORMAL_CLOSURE
from .._websocket import WebsocketConnection
from .._websocket import WebsocketContext
from .._websocket import WebsocketDisconnect
from .._websocket_app import Call
from .._websocket_app import Ending
from .._websocket_app import FRAMEWORK
from .._websocket_app import HANDLER
from .._websocket_app import steps
from .._websocket_wsgi import accept_key
from ..signals import appcontext_popped
from ..signals import appcontext_pushed
from ..signals import appcontext_tearing_down
from ..signals import websocket_tearing_down
from ._bridge import Binding
from ._environ import environ_from_scope
from ._environ import Message
from ._environ import Receive
from ._environ import Scope
from ._environ import Send
from ._pool import Gone
from ._steps import _own

if t.TYPE_CHECKING:
    from ..app import Flask
    from ..wrappers import Response
    from . import ASGIApp

#: Unread messages kept ahead of the handler, at most (and at most about
#: ``WEBSOCKET_MAX_MESSAGE_SIZE`` bytes of them).
MAX_QUEUED = 64
#: Sends in a row after which the handler lets other tasks run.
YIELD_EVERY = 16


async def serve_websocket(
    asgi: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one ``websocket`` scope with ``asgi``'s app."""
    if (await receive())["type"] != "websocket.connect":
        return  # the client left before the handshake reached the app
    app = asgi.app
    loop = asyncio.get_running_loop()
    max_size = app.config.get("WEBSOCKET_MAX_MESSAGE_SIZE", DEFAULT_MAX_MESSAGE_SIZE)
    conn = ASGIConnection(scope, receive, send, loop, max_size)
    if not _valid_key(scope):
        # Some servers upgrade whatever the key looks like.
        await conn.reject_status(400, b"The Sec-WebSocket-Key is not valid.")
        return
    environ = environ_from_scope({**scope, "method": "GET"}, None)
    environ["asgi.scope"] = scope
    context = contextvars.copy_context()
    context.run(server_loop.set, Binding(loop, app, asgi.pool))
    if _own(app, "websocket_context") and _own(app, "create_url_adapter"):
        ctx = context.run(_context_for, app, environ)
    else:
        ctx = await asgi.pool.submit(loop, context, _context_for, (app, environ))
    ws = ctx._websocket
    ws.connection = conn
    rule = ws.url_rule
    if rule is not None and not getattr(rule, "websocket_handler", False):
        await serve_plain_upgrade(asgi, conn, environ)
        return
    conn.start_reading()
    try:
        await Session(asgi, ctx, conn, context).run()
    finally:
        conn.stop_reading()


def _valid_key(scope: Scope) -> bool:
    """Whether an HTTP/1 handshake's ``Sec-WebSocket-Key`` is 16 bytes in
    base64 (HTTP/2 handshakes have none)."""
    if scope.get("http_version", "1.1") not in ("1.0", "1.1"):
        return True
    for name, value in scope["headers"]:
        if name == b"sec-websocket-key":
            return accept_key(value.decode("latin-1")) is not None
    return True


def _context_for(app: Flask, environ: dict[str, t.Any]) -> WebsocketContext:
    ctx = t.cast(WebsocketContext, app.websocket_context(environ))
    ctx.match_request()
    return ctx


async def serve_plain_upgrade(
    asgi: ASGIApp, conn: ASGIConnection, environ: dict[str, t.Any]
) -> None:
    """A WebSocket handshake to a route whose view is not a WebSocket
    handler but a plain view with ``websocket=True`` that upgrades the
    connection itself (flask-sock, simple-websocket). Such views need a
    socket, which ASGI does not give: the handshake is rejected with a 500
    and the reason is logged.

    This is where a compatibility layer plugs in: run the normal HTTP
    pipeline for ``environ`` with ``conn`` (a :class:`ASGIConnection`,
    whose ``*_sync`` methods work from the view's worker thread) in the
    environ, for the view to wrap in the object it expects."""
    path = environ.get("PATH_INFO", "")
    asgi.app.logger.error(
        f"The WebSocket route {path!r} has a plain view (a route with"
        " 'websocket=True', as flask-sock registers), which upgrades a"
        " server socket itself; ASGI servers give no socket. Register the"
        " handler with '@app.websocket' (see 'flask.websocket'), or serve"
        " the app with 'flask run' or gunicorn's threaded workers."
    )
    await conn.reject_status(500, b"Internal Server Error")


class Session:
    """One WebSocket connection's pipeline, driven on the loop."""

    def __init__(
        self,
        asgi: ASGIApp,
        ctx: WebsocketContext,
        conn: ASGIConnection,
        context: contextvars.Context,
    ) -> None:
        self.asgi = asgi
        self.app = asgi.app
        self.ctx = ctx
        self.conn = conn
        self.context = context
        self.loop = conn.loop
        #: The handler while it runs: its task (async) or job (sync).
        self.handler: asyncio.Future[t.Any] | None = None

    async def run(self) -> None:
        conn = self.conn
        pushed = False
        failure: BaseException | None = None
        try:
            await self._push()
            pushed = True
            try:
                response, failure, failed = await self._drive()
            except Exception as e:
                # Propagated (debug/testing): end the connection, then let
                # the server (or the test client) see the error.
                failure = e
                await self._end(None, True)
                raise
            await self._end(response, failed)
        except asyncio.CancelledError:
            # The server cancelled the connection (shutdown): say so to the
            # client (1001), stop the handler, then tear down as usual.
            await conn.going_away()
            await self._stop_handler()
            raise
        finally:
            if pushed:
                await self._pop(None if failure is None else failure)

    # -- the pipeline --------------------------------------------------------

    async def _drive(self) -> Ending:
        pipeline = steps(self.app, self.ctx)
        run = self.context.run
        value: t.Any = None
        error: BaseException | None = None
        while True:
            try:
                if error is None:
                    call = run(pipeline.send, value)
                else:
                    call = run(pipeline.throw, error)
            except StopIteration as stop:
                return t.cast(Ending, stop.value)
            try:
                value = await self._call(call)
                error = None
            except Exception as e:
                value, error = None, e

    async def _call(self, call: Call) -> t.Any:
        func = call.func
        if call.kind == HANDLER:
            return await self._run_handler(call)
        if iscoroutinefunction(func):
            return await task_in(
                self.loop, func(*call.args, **call.kwargs), self.context
            )
        if call.kind == FRAMEWORK and self._plain_response():
            return self.context.run(func, *call.args, **call.kwargs)
        if call.kwargs:
            func = functools.partial(func, **call.kwargs)
        return await self.asgi.pool.submit(self.loop, self.context, func, call.args)

    def _plain_response(self) -> bool:
        return _own(self.app, "make_response")

    async def _run_handler(self, call: Call) -> t.Any:
        conn = self.conn
        if conn.closed:
            return None  # the client left while the hooks ran
        func = call.func
        if iscoroutinefunction(func):
            task = task_in(self.loop, func(**call.kwargs), self.context)
            self.handler = task
            conn.on_lost = task.cancel
            try:
                await asyncio.wait((task,))
            finally:
                conn.on_lost = None
            self.handler = None
            if task.cancelled():
                raise WebsocketDisconnect(conn.close_code or ABNORMAL_CLOSURE)
            return task.result()
        job = self.asgi.websocket_pool.submit(
            self.loop,
            self.context,
            functools.partial(func, **call.kwargs),
            (),
            conn,
        )
        self.handler = job
        try:
            return await asyncio.shield(job)
        except Gone:
            return None  # dropped: the client left while it waited
        finally:
            if job.done():
                self.handler = None

    async def _stop_handler(self) -> None:
        """After the server cancelled the connection: cancel an async
        handler, or let a sync one see the closed connection, and wait for
        it to end (so the context is popped after it)."""
        handler = self.handler
        if handler is None:
            return
        if isinstance(handler, asyncio.Task):
            handler.cancel()
        try:
            await asyncio.wait((handler,))
        except asyncio.CancelledError:
            return
        if not handler.cancelled():
            handler.exception()  # seen: it ended because the server left

    async def _end(self, response: Response | None, failed: bool) -> None:
        """Reject the handshake with ``response``, or close the connection
        (1011 after an error)."""
        conn = self.conn
        if not conn.accepted:
            if conn.closed:
                return
            if response is None:
                await conn.close(NORMAL_CLOSURE, "")  # the server answers 403
            else:
                if response.is_sequence:
                    body = response.get_data()
                else:
                    body = await self.asgi.pool.submit(
                        self.loop, self.context, response.get_data
                    )
                await conn.reject(response, body)
        elif not conn.closed:
            code = INTERNAL_ERROR if failed else NORMAL_CLOSURE
            try:
                await conn.close(code, "")
            except WebsocketDisconnect:
                pass

    # -- the context -------------------------------------------------------------

    async def _push(self) -> None:
        if appcontext_pushed.receivers:
            await self.asgi.pool.submit(self.loop, self.context, self.ctx.push)
        else:
            self.context.run(self.ctx.push)

    async def _pop(self, error: BaseException | None) -> None:
        if isinstance(error, asyncio.CancelledError):
            error = None
        app = self.app
        ws = self.ctx._websocket
        if (
            app._hooks("teardown_websocket", ws.blueprint)
            or app.teardown_appcontext_funcs
            or websocket_tearing_down.receivers
            or appcontext_tearing_down.receivers
            or appcontext_popped.receivers
            or not _own(app, "do_teardown_websocket")
            or not _own(app, "do_teardown_appcontext")
        ):
            await self.asgi.pool.submit(self.loop, self.context, self.ctx.pop, (error,))
        else:
            self.context.run(self.ctx.pop, error)


def _size(data: str | bytes, budget: int) -> int:
    if isinstance(data, bytes) or len(data) * 4 <= budget:
        return len(data)
    return len(data.encode("utf-8", "surrogatepass"))


class ASGIConnection(WebsocketConnection):
    """The connection interface on ASGI ``websocket`` messages (see the
    module docstring). Its methods run on the server's loop; the ``*_sync``
    ones may be called from any other thread."""

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        loop: asyncio.AbstractEventLoop,
        max_size: int,
    ) -> None:
        self._receive = receive
        self._send = send
        self.loop = loop
        self._loop_thread = threading.get_ident()
        self.max_size = max_size
        extensions: dict[str, t.Any] = scope.get("extensions") or {}
        #: Whether the server can send an HTTP response to reject.
        self.can_respond = "websocket.http.response" in extensions
        self._inbox: collections.deque[str | bytes] = collections.deque()
        self._buffered = 0
        #: A ``receive`` waiting for a message, and the reader waiting for
        #: the handler to make room.
        self._waiter: asyncio.Future[None] | None = None
        self._room: asyncio.Future[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.close_reason = ""
        self._sends = 0
        #: Called when the client leaves (cancels an async handler).
        self.on_lost: t.Callable[[], object] | None = None

    @property
    def disconnected(self) -> bool:
        """Whether the connection is over (for the worker pool)."""
        return self.closed

    # -- reading ahead ---------------------------------------------------------

    def start_reading(self) -> None:
        self._reader = self.loop.create_task(self._read())

    def stop_reading(self) -> None:
        reader = self._reader
        if reader is not None:
            self._reader = None
            reader.cancel()

    async def _read(self) -> None:
        inbox = self._inbox
        try:
            while not self.closed:
                while self._buffered >= self.max_size or len(inbox) >= MAX_QUEUED:
                    room = self._room = self.loop.create_future()
                    await room
                    if self.closed:
                        return
                message = await self._receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    text: str | None = message.get("text")
                    data: str | bytes = (
                        (message.get("bytes") or b"") if text is None else text
                    )
                    size = _size(data, self.max_size)
                    if size > self.max_size:
                        await self._too_big()
                        return
                    inbox.append(data)
                    self._buffered += size
                    self._wake()
                elif kind == "websocket.disconnect":
                    self.close_reason = message.get("reason") or ""
                    self._lost(message.get("code", NO_STATUS))
                    return
                else:
                    await asyncio.sleep(0)  # not for the app: never spin
        except asyncio.CancelledError:
            raise
        except Exception:  # the server failed to receive: treat as gone
            self._lost(ABNORMAL_CLOSURE)

    async def _too_big(self) -> None:
        try:
            await self.close(MESSAGE_TOO_BIG, "Message too big")
        except WebsocketDisconnect:
            pass
        self._lost(MESSAGE_TOO_BIG)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _lost(self, code: int) -> None:
        """The client left (or the connection ended): wake a waiting
        ``receive``; cancel an async handler that is not in one."""
        if self.close_code is None:
            self.close_code = code
        self.closed = True
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
        if self._waiter is not None:
            self._wake()
        else:
            on_lost = self.on_lost
            if on_lost is not None:
                self.on_lost = None
                on_lost()

    async def going_away(self) -> None:
        """The server cancelled the connection (it shuts down): close with
        1001 if still open, then end it as if the client had left."""
        if self.accepted and not self.closed:
            try:
                await self.close(GOING_AWAY, "Server shutting down")
            except Exception:
                pass
        self._lost(GOING_AWAY)

    def _gone_error(self) -> WebsocketDisconnect:
        return WebsocketDisconnect(
            self.close_code or ABNORMAL_CLOSURE, self.close_reason
        )

    # -- the interface (on the loop) -------------------------------------------

    async def accept(
        self, headers: list[tuple[str, str]], subprotocol: str | None
    ) -> None:
        if self.closed:
            raise self._gone_error()
        if self.accepted:
            return
        message: Message = {
            "type": "websocket.accept",
            "subprotocol": subprotocol,
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
            ],
        }
        self.accepted = True
        self.subprotocol = subprotocol
        await self._send_message(message)

    async def receive(self) -> str | bytes:
        if not self.accepted:
            await self.accept([], None)
        inbox = self._inbox
        while not inbox:
            if self.closed:
                raise self._gone_error()
            waiter = self._waiter = self.loop.create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        data = inbox.popleft()
        self._buffered -= _size(data, self.max_size)
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
        return data

    async def send(self, data: str | bytes) -> None:
        if not self.accepted:
            await self.accept([], None)
        if self.closed:
            raise self._gone_error()
        if isinstance(data, str):
            message: Message = {"type": "websocket.send", "text": data}
        else:
            message = {"type": "websocket.send", "bytes": data}
        await self._send_message(message)
        self._sends += 1
        if self._sends >= YIELD_EVERY:
            # A server may take messages without ever suspending (hypercorn,
            # once the client is gone): let the reader see the disconnect.
            self._sends = 0
            await asyncio.sleep(0)

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        message: Message = {"type": "websocket.close", "code": code}
        if reason:
            message["reason"] = reason
        self._wake()
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
        await self._send_message(message)

    async def reject(self, response: Response, body: bytes) -> None:
        """Reject the handshake with ``response`` (before accepting): sent
        as is where the server supports it, else the server answers 403."""
        if not self.can_respond:
            await self.close(NORMAL_CLOSURE, "")
            return
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.items()
        ]
        await self._respond(response.status_code, headers, body)

    async def reject_status(self, status: int, body: bytes) -> None:
        if not self.can_respond:
            await self.close(NORMAL_CLOSURE, "")
            return
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await self._respond(status, headers, body)

    async def _respond(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        self.closed = True
        self.close_code = NORMAL_CLOSURE
        start = {
            "type": "websocket.http.response.start",
            "status": status,
            "headers": headers,
        }
        await self._send_message(start)
        await self._send_message({"type": "websocket.http.response.body", "body": body})

    async def _send_message(self, message: Message) -> None:
        try:
            await self._send(message)
        except OSError:  # ASGI servers raise an OSError once the client left
            self._lost(ABNORMAL_CLOSURE)
            raise self._gone_error() from None

    # -- the interface (from other threads) ------------------------------------

    def _wait(self, coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
        if threading.get_ident() == self._loop_thread:
            coro.close()
            raise RuntimeError(
                "A blocking WebSocket call was made on the server's event"
                " loop: in 'async def' code, await the call instead."
            )
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise WebsocketDisconnect(ABNORMAL_CLOSURE) from None
        return future.result()

    def accept_sync(
        self, headers: list[tuple[str, str]], subprotocol: str | None
    ) -> None:
        self._wait(self.accept(headers, subprotocol))

    def receive_sync(self) -> str | bytes:
        return t.cast("str | bytes", self._wait(self.receive()))

    def send_sync(self, data: str | bytes) -> None:
        self._wait(self.send(data))

    def close_sync(self, code: int, reason: str) -> None:
        self._wait(self.close(code, reason))
