"""Plain views that upgrade the connection themselves (flask-sock) on ASGI.

flask-sock registers ``route(..., websocket=True)`` views that build a
``simple_websocket.Server(request.environ)``: it takes the connection's
socket from ``environ["werkzeug.socket"]``, writes the ``101`` response
and its frames on it from the view's thread, and reads it in a thread of
its own. An ASGI server gives no socket, so the door makes one: one end of
a :func:`socket.socketpair` goes into the environ, the other stays on the
server's loop, which relays between it and the ASGI connection:

- the view runs through the normal pipeline (``app.wsgi_app``, as a WSGI
  server would run it) in a thread of the WebSocket pool, holding it while
  the connection lasts;
- the ``101`` the app writes becomes ``websocket.accept`` (with its
  subprotocol and extra headers); a view that returns without writing one
  rejects the handshake with its response;
- the app's frames are parsed (wsproto, as the client side) into
  ``websocket.send`` messages and its pings answered here; its close frame
  closes the connection with its code;
- the client's messages are framed and written to the app's end one at a
  time, each waiting until the socket has taken it, so what is buffered on
  the way is one message and the kernel's socket buffers;
- when the client leaves, its close frame (or, when it vanished, the end of
  the stream) reaches the app, whose ``ws.receive()`` then raises.

A real socket rather than an object that looks like one, because
simple-websocket registers it with a selector when it sends pings
(``ping_interval``), and the loop reads it like any other socket: no
thread hand-off per message. ``Sec-WebSocket-Extensions`` is dropped from
the environ (the server has negotiated compression with the client
already), and the handshake headers that simple-websocket checks are filled
in where the server left them out (HTTP/2).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import os
import socket
import typing as t

from .._websocket import ABNORMAL_CLOSURE
from .._websocket import GOING_AWAY
from .._websocket import INTERNAL_ERROR
from .._websocket import NO_STATUS
from .._websocket import NORMAL_CLOSURE
from .._websocket import WebsocketDisconnect
from ._environ import Receive

if t.TYPE_CHECKING:
    from wsproto.connection import Connection

    from ..app import Flask
    from . import ASGIApp
    from ._websocket_connection import ASGIConnection

#: Seconds to wait, once the view has returned, for the app's end of the
#: pair to close (its frames are delivered until then).
CLOSE_TIMEOUT = 2.0
#: The longest ``101`` response head the app may write.
MAX_HEAD = 64 * 1024
#: Bytes read from the app's end at a time.
READ_SIZE = 64 * 1024
#: Response headers that describe the handshake the server does itself.
_HANDSHAKE_HEADERS = frozenset(
    (
        "upgrade",
        "connection",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
    )
)

MISSING_WSPROTO = (
    "A plain view on a WebSocket route (flask-sock, simple-websocket) needs"
    " wsproto under an ASGI server: install Flask with the 'websocket' extra"
    " (pip install 'flask[websocket]')."
)

WSGIResult = tuple[int, list[tuple[str, str]], bytes]


class _AppSocket(socket.socket):
    """The app's end of the pair; notes whether the app wrote on it (its
    ``101`` response), to tell an upgrade from a rejection."""

    wrote = False

    def send(self, data: t.Any, flags: int = 0, /) -> int:
        self.wrote = True
        return super().send(data, flags)

    def sendall(self, data: t.Any, flags: int = 0, /) -> None:
        self.wrote = True
        super().sendall(data, flags)


def _pair() -> tuple[socket.socket, _AppSocket]:
    ours, theirs = socket.socketpair()
    app_end = _AppSocket(theirs.family, theirs.type, theirs.proto, theirs.detach())
    return ours, app_end


def _prepare_environ(environ: dict[str, t.Any], sock: socket.socket) -> None:
    """What simple-websocket reads from the environ: the socket, and the
    handshake headers it parses (filled in where the server left them out)."""
    environ["werkzeug.socket"] = sock
    environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    environ.setdefault("HTTP_UPGRADE", "websocket")
    environ.setdefault("HTTP_CONNECTION", "Upgrade")
    environ.setdefault("HTTP_SEC_WEBSOCKET_VERSION", "13")
    if "HTTP_SEC_WEBSOCKET_KEY" not in environ:
        environ["HTTP_SEC_WEBSOCKET_KEY"] = base64.b64encode(os.urandom(16)).decode()
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = environ.get("SERVER_NAME", "localhost")
    environ["wsgi.input"] = _EmptyInput()


class _EmptyInput:
    """``wsgi.input`` of the handshake: it has no body."""

    def read(self, size: int = -1) -> bytes:
        return b""

    def readline(self, size: int = -1) -> bytes:
        return b""


def call_wsgi(app: Flask, environ: dict[str, t.Any]) -> WSGIResult:
    """Run ``app.wsgi_app`` as a WSGI server would; its status, headers and
    body (the body matters only when the handshake is rejected)."""
    started: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        started[:] = [status, headers]
        return lambda data: None

    body = app.wsgi_app(environ, start_response)  # pyright: ignore
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return int(str(started[0]).split(" ", 1)[0]), list(started[1]), data


def _parse_head(head: bytes) -> tuple[int, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {lines[0]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"not a header line: {line!r}")
            headers.append((name.strip(), value.strip()))
    return int(parts[1]), headers


async def serve_plain_upgrade(
    asgi: ASGIApp,
    conn: ASGIConnection,
    environ: dict[str, t.Any],
    context: contextvars.Context,
    receive: Receive,
) -> None:
    """Serve a handshake to a plain ``websocket=True`` view (see the module
    docstring)."""
    try:
        import wsproto  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        asgi.app.logger.error(MISSING_WSPROTO)
        await conn.reject_status(500, b"Internal Server Error")
        return
    await PlainUpgrade(asgi, conn, environ, context, receive).run()


class PlainUpgrade:
    """One handshake to a plain view, and the relay once it upgraded."""

    def __init__(
        self,
        asgi: ASGIApp,
        conn: ASGIConnection,
        environ: dict[str, t.Any],
        context: contextvars.Context,
        receive: Receive,
    ) -> None:
        self.asgi = asgi
        self.conn = conn
        self.environ = environ
        self.context = context
        self.receive = receive
        self.loop = conn.loop
        #: Whether the app's end was told the stream is over.
        self._eof_sent = False
        #: The frames on the app's end, once it has upgraded.
        self._proto: Connection | None = None

    async def run(self) -> None:
        ours, theirs = _pair()
        _prepare_environ(self.environ, theirs)
        try:
            reader, writer = await asyncio.open_connection(sock=ours, limit=MAX_HEAD)
        except BaseException:
            ours.close()
            theirs.close()
            raise
        job: asyncio.Future[WSGIResult] = self.asgi.websocket_pool.submit(
            self.loop, self.context, call_wsgi, (self.asgi.app, self.environ)
        )
        try:
            await self._serve(reader, writer, job, theirs)
        except asyncio.CancelledError:
            # The server cancelled the connection (it shuts down): tell the
            # app, close with 1001, and let the view end before tearing down.
            self._tell_app(writer, GOING_AWAY)
            await self.conn.going_away()
            await _settle(job)
            raise
        finally:
            writer.close()
            if job.done():
                # As a WSGI server closes the connection once the view has
                # returned (simple-websocket has closed it already, after
                # the end of the stream).
                theirs.close()

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        job: asyncio.Future[WSGIResult],
        theirs: _AppSocket,
    ) -> None:
        conn = self.conn
        try:
            head = await self._head(reader, job, theirs)
            if head is None:
                await self._reject(job)
                return
            status, headers = _parse_head(head)
            if status != 101:
                raise ValueError(f"status {status}, not 101")
        except ValueError as e:
            self.asgi.app.logger.error(
                f"The plain WebSocket view answered the handshake with an"
                f" invalid response ({e}); it is rejected with a 500."
            )
            with contextlib.suppress(WebsocketDisconnect):
                await conn.reject_status(500, b"Internal Server Error")
            self._tell_app(writer, ABNORMAL_CLOSURE)
            await _settle(job)
            return
        subprotocol = None
        extra: list[tuple[str, str]] = []
        for name, value in headers:
            lower = name.lower()
            if lower == "sec-websocket-protocol":
                subprotocol = value
            elif lower not in _HANDSHAKE_HEADERS:
                extra.append((name, value))
        try:
            await conn.accept(extra, subprotocol)
        except WebsocketDisconnect:  # the client left during the handshake
            self._tell_app(writer, ABNORMAL_CLOSURE)
            await _settle(job)
            return
        await self._relay(reader, writer, job)

    async def _reject(self, job: asyncio.Future[WSGIResult]) -> None:
        """The view returned without upgrading: its response rejects the
        handshake (an error it let propagate, debug or testing, is raised
        after a 500)."""
        conn = self.conn
        try:
            status, headers, body = await job
        except Exception:
            with contextlib.suppress(WebsocketDisconnect):
                await conn.reject_status(500, b"Internal Server Error")
            raise
        with contextlib.suppress(WebsocketDisconnect):
            await conn.reject_with(status, headers, body)

    async def _head(
        self,
        reader: asyncio.StreamReader,
        job: asyncio.Future[WSGIResult],
        theirs: _AppSocket,
    ) -> bytes | None:
        """The app's ``101`` response head; ``None`` if the view returned
        without writing one (a rejection)."""
        reading = self.loop.create_task(reader.readuntil(b"\r\n\r\n"))
        try:
            await asyncio.wait((reading, job), return_when=asyncio.FIRST_COMPLETED)
            if not reading.done():
                if not theirs.wrote:
                    return None
                # Written before the view returned: already in the buffer.
                await asyncio.wait((reading,), timeout=CLOSE_TIMEOUT)
            if not reading.done():
                raise ValueError("no complete response head")
            try:
                return reading.result()
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
                raise ValueError(f"an incomplete response head ({e})") from None
        finally:
            if not reading.done():
                reading.cancel()
                with contextlib.suppress(BaseException):
                    await reading

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        job: asyncio.Future[WSGIResult],
    ) -> None:
        from wsproto.connection import Connection
        from wsproto.connection import ConnectionType

        proto = self._proto = Connection(ConnectionType.CLIENT)
        to_client = self.loop.create_task(self._to_client(reader, writer, proto))
        to_app = self.loop.create_task(self._to_app(writer, proto))
        try:
            await asyncio.wait((job,))
            # The view returned: what it wrote is in the pair's buffer. The
            # end of the stream makes simple-websocket's thread close its end
            # after it, so everything is delivered, then the stream ends.
            self._tell_app(writer, None)
            await asyncio.wait((to_client,), timeout=CLOSE_TIMEOUT)
        finally:
            for task in (to_client, to_app):
                if not task.done():
                    task.cancel()
            await asyncio.wait((to_client, to_app))
            for task in (to_client, to_app):
                if not task.cancelled() and task.exception() is not None:
                    self.asgi.app.logger.error(
                        "Relaying a plain WebSocket view failed",
                        exc_info=task.exception(),
                    )
        conn = self.conn
        error = job.exception()
        if not conn.closed:
            failed = error is not None or job.result()[0] >= 500
            with contextlib.suppress(WebsocketDisconnect):
                await conn.close(INTERNAL_ERROR if failed else NORMAL_CLOSURE, "")
        if error is not None:
            raise error  # propagated by the app (debug, testing)

    async def _to_client(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        proto: Connection,
    ) -> None:
        """The app's frames to the client, until the app's end closes."""
        from wsproto.connection import ConnectionState
        from wsproto.events import CloseConnection
        from wsproto.events import Message
        from wsproto.events import Ping

        conn = self.conn
        parts: list[t.Any] = []
        while True:
            try:
                data = await reader.read(READ_SIZE)
            except OSError:  # reset: the app closed its end with data unread
                return
            if not data:
                return
            try:
                proto.receive_data(data)
            except Exception:  # data after the closing handshake
                return
            for event in proto.events():
                if isinstance(event, Message):
                    parts.append(event.data)  # pyright: ignore[reportUnknownMemberType]
                    if not event.message_finished:
                        continue
                    message = _join(parts)
                    parts = []
                    if not conn.closed:
                        with contextlib.suppress(WebsocketDisconnect):
                            await conn.send(message)
                elif isinstance(event, Ping):
                    if proto.state is ConnectionState.OPEN:
                        self._write(writer, proto.send(event.response()))
                elif isinstance(event, CloseConnection):
                    if proto.state is ConnectionState.REMOTE_CLOSING:
                        self._write(writer, proto.send(event.response()))
                    if not conn.closed:
                        with contextlib.suppress(WebsocketDisconnect):
                            await conn.close(int(event.code), event.reason or "")

    async def _to_app(self, writer: asyncio.StreamWriter, proto: Connection) -> None:
        """The client's messages to the app, one at a time, until it leaves."""
        from wsproto.connection import ConnectionState
        from wsproto.events import BytesMessage
        from wsproto.events import TextMessage

        receive = self.receive
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                if proto.state is not ConnectionState.OPEN:
                    continue  # the app is closing: it reads no more
                text: str | None = message.get("text")
                if text is None:
                    frame = proto.send(BytesMessage(message.get("bytes") or b""))
                else:
                    frame = proto.send(TextMessage(text))
                writer.write(frame)
                try:
                    await writer.drain()
                except OSError:
                    return  # the app's end is closed
            elif kind == "websocket.disconnect":
                code = int(message.get("code") or NO_STATUS)
                reason = str(message.get("reason") or "")
                self.conn.client_left(code, reason)
                self._tell_app(writer, code, reason)
                return

    def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        """Write to the app's end unless its stream was ended."""
        if not self._eof_sent and not writer.is_closing():
            writer.write(data)

    def _tell_app(
        self, writer: asyncio.StreamWriter, code: int | None, reason: str = ""
    ) -> None:
        """End the app's stream, after a close frame with ``code`` when the
        client sent one (so ``ws.receive()`` raises with that code)."""
        if self._eof_sent or writer.is_closing():
            return
        self._eof_sent = True
        proto = self._proto
        with contextlib.suppress(Exception):
            if proto is not None and code is not None and _sendable(code):
                from wsproto.connection import ConnectionState
                from wsproto.events import CloseConnection

                if proto.state is ConnectionState.OPEN:
                    writer.write(proto.send(CloseConnection(code, reason)))
            if writer.can_write_eof():
                writer.write_eof()


def _sendable(code: int) -> bool:
    """Whether ``code`` may be sent in a close frame (RFC 6455, 7.4)."""
    return code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011) or (
        3000 <= code < 5000
    )


def _join(parts: list[t.Any]) -> str | bytes:
    if len(parts) == 1:
        return t.cast("str | bytes", parts[0])
    if isinstance(parts[0], str):
        return "".join(parts)
    return b"".join(parts)


async def _settle(job: asyncio.Future[t.Any]) -> None:
    """Wait for the view's job to end and consume its outcome."""
    try:
        await asyncio.wait((job,))
    except asyncio.CancelledError:
        return
    if not job.cancelled():
        job.exception()
