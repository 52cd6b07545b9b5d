"""Serving one ``websocket`` scope: the pipeline's driver.

:func:`serve_websocket` is the life of a WebSocket connection on the ASGI
door. The scope becomes an environ and a websocket context, its route is
matched, and the pipeline (:mod:`flask._websocket_app`) is driven: sync
hooks and signal receivers in the worker pool, sync handlers in a pool of
their own (each holds a thread for the whole connection), coroutines on the
server's loop.

The handler talks to an :class:`~._websocket_connection.ASGIConnection`,
which reads ahead of it, bounded, so a client that disconnects is noticed
even while the handler is busy elsewhere: an ``async def`` handler not
waiting in ``receive`` is cancelled, one waiting in ``receive`` gets the
messages sent before the close, then :class:`~flask.WebsocketDisconnect`.
A message over the maximum size closes the connection with 1009.

The connection's teardown runs exactly once, whether the handler returns,
raises, the client leaves or the server cancels the connection.

A handshake to a plain view on a ``websocket=True`` route (flask-sock's,
which upgrades a socket itself) goes to :mod:`._websocket_plain` instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import typing as t
from inspect import iscoroutinefunction

from .._async import server_loop
from .._async import task_in
from .._plan import own as _own
from .._websocket import ABNORMAL_CLOSURE
from .._websocket import DEFAULT_MAX_MESSAGE_SIZE
from .._websocket import INTERNAL_ERROR
from .._websocket import NORMAL_CLOSURE
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
from ._environ import Receive
from ._environ import Scope
from ._environ import Send
from ._pool import Gone
from ._websocket_connection import ASGIConnection
from ._websocket_connection import MAX_QUEUED as MAX_QUEUED

if t.TYPE_CHECKING:
    from ..app import Flask
    from ..wrappers import Response
    from . import ASGIApp


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
        from ._websocket_plain import serve_plain_upgrade

        await serve_plain_upgrade(asgi, conn, environ, context, receive)
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
                if call.kind == HANDLER:  # not through _call: one frame less
                    value = await self._run_handler(call)  # for the connection's life
                else:
                    value = await self._call(call)
                error = None
            except Exception as e:
                value, error = None, e

    async def _call(self, call: Call) -> t.Any:
        """Run a hook or framework step (the handler has _run_handler)."""
        func = call.func
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
                await _ended(task)
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


def _ended(task: asyncio.Future[t.Any]) -> asyncio.Future[None]:
    """A future done when ``task`` is: awaiting it waits for the task
    without cancelling it if the waiter is cancelled (as
    ``asyncio.wait((task,))`` does, with less kept alive for a handler
    that runs as long as its connection)."""
    ended: asyncio.Future[None] = task.get_loop().create_future()

    def done(_: object) -> None:
        if not ended.done():
            ended.set_result(None)

    task.add_done_callback(done)
    return ended
