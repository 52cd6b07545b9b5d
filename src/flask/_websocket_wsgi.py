"""WebSockets on the WSGI door: upgrading the server's socket.

WSGI has no WebSockets, but the development server and gunicorn (threaded
or sync workers) hand the app the connection's socket
(``environ["werkzeug.socket"]``, ``environ["gunicorn.socket"]``), as
simple-websocket relies on. A handshake to a route registered with
``@app.websocket`` is served here, in the request's thread:

1. the handshake is checked (``GET``, HTTP/1.1, ``Sec-WebSocket-Version:
   13`` else 426, a valid ``Sec-WebSocket-Key`` else 400), before any app
   code runs;
2. the pipeline (:mod:`flask._websocket_app`) runs in this thread, with a
   :class:`SocketConnection` as the websocket's connection: accepting
   writes the ``101`` response on the socket, messages are framed with
   wsproto (the ``websocket`` extra), without compression;
3. a rejection before accepting is an ordinary WSGI response; after an
   accepted connection is closed, the socket is shut down and the server
   is handed an empty ``101`` response, whose write fails as if the client
   had gone, so the server drops the connection quietly.

A server that gives no socket (waitress, mod_wsgi, an ASGI server's WSGI
adapter) cannot upgrade: the handshake gets a 500 and the app's log says
why. Without wsproto, likewise, naming the extra to install.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import socket
import threading
import typing as t

from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response as BaseResponse

from ._websocket import ABNORMAL_CLOSURE
from ._websocket import DEFAULT_MAX_MESSAGE_SIZE
from ._websocket import INTERNAL_ERROR
from ._websocket import MESSAGE_TOO_BIG
from ._websocket import NORMAL_CLOSURE
from ._websocket import WebsocketConnection
from ._websocket import WebsocketContext
from ._websocket import WebsocketDisconnect
from ._websocket_app import drive_sync
from ._websocket_app import steps
from .helpers import _propagates

if t.TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

#: Seconds to wait for the client's close frame after sending ours.
CLOSE_TIMEOUT = 2.0

MISSING_WSPROTO = (
    "Serving WebSockets under a WSGI server needs wsproto: install Flask"
    " with the 'websocket' extra (pip install 'flask[websocket]')."
)
NO_SOCKET = (
    "This WSGI server does not give the app its socket, so WebSocket"
    " handshakes cannot be upgraded. Serve the app with 'flask run',"
    " gunicorn (threaded workers: '--threads N'), or an ASGI server"
    " ('uvicorn module:app.asgi_app')."
)


def has_websocket_upgrade(environ: WSGIEnvironment) -> bool:
    """Whether the request asks to upgrade to a WebSocket."""
    value: str = environ.get("HTTP_UPGRADE", "")
    return value.lower() == "websocket"


def serve_upgrade(
    app: Flask, environ: WSGIEnvironment, start_response: StartResponse
) -> t.Iterable[bytes] | None:
    """Serve a WebSocket handshake to a ``@app.websocket`` route; ``None``
    for any other request (a plain view that upgrades itself, like
    flask-sock's, or a routing error), which the normal pipeline serves."""
    ctx = t.cast(WebsocketContext, app.websocket_context(environ))
    ws = ctx._websocket
    ctx.match_request()
    rule = ws.url_rule
    if rule is None or not getattr(rule, "websocket_handler", False):
        return None
    error = _handshake_error(environ)
    if error is not None:
        return error(environ, start_response)
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    problem = None
    if not isinstance(sock, socket.socket):
        problem = NO_SOCKET
    else:
        try:
            import wsproto  # noqa: F401  # pyright: ignore[reportUnusedImport]
        except ImportError:
            problem = MISSING_WSPROTO
    if problem is not None:
        return _cannot_serve(app, problem)(environ, start_response)
    max_size = app.config.get("WEBSOCKET_MAX_MESSAGE_SIZE", DEFAULT_MAX_MESSAGE_SIZE)
    conn = SocketConnection(t.cast(socket.socket, sock), environ, max_size)
    ws.connection = conn
    failure: BaseException | None = None
    failed = True
    response = None
    ctx.push()
    try:
        try:
            response, failure, failed = drive_sync(app, steps(app, ctx))
        except Exception as e:
            # Propagated (debug/testing): before the upgrade the server (or
            # the debugger) shows it; after, the socket is not HTTP anymore.
            failure = e
            if not conn.accepted:
                raise
            app.log_exception(ctx, (type(e), e, e.__traceback__))
        if conn.accepted:
            conn.finish(INTERNAL_ERROR if failed else NORMAL_CLOSURE)
    finally:
        ctx.pop(failure)
    if conn.accepted:
        # The socket is shut down: this write fails and the server drops
        # the connection, logging the request as a 101.
        start_response("101 Switching Protocols", [])
        return []
    if response is None:
        response = app.response_class("Forbidden", 403)
    return response(environ, start_response)


def _cannot_serve(app: Flask, problem: str) -> BaseResponse:
    """A 500 for a handshake this server cannot upgrade; the reason is
    logged (raised in debug/testing mode)."""
    if _propagates(app):
        raise RuntimeError(problem)
    app.logger.error(problem)
    return app.response_class("Internal Server Error", 500)


def _handshake_error(environ: WSGIEnvironment) -> BaseResponse | None:
    """The answer to a malformed handshake (400, or 426 for a WebSocket
    version other than 13), or ``None``."""
    if environ.get("REQUEST_METHOD") != "GET":
        return BadRequest("A WebSocket handshake must use GET.").get_response()
    if environ.get("SERVER_PROTOCOL", "HTTP/1.1") in ("HTTP/0.9", "HTTP/1.0"):
        return BadRequest("A WebSocket handshake needs HTTP/1.1.").get_response()
    tokens = environ.get("HTTP_CONNECTION", "").lower().replace(" ", "").split(",")
    if "upgrade" not in tokens:
        return BadRequest("The handshake has no 'Connection: Upgrade'.").get_response()
    if environ.get("HTTP_SEC_WEBSOCKET_VERSION", "").strip() != "13":
        response = BaseResponse("Unsupported WebSocket version.", 426)
        response.headers["Sec-WebSocket-Version"] = "13"
        return response
    if accept_key(environ.get("HTTP_SEC_WEBSOCKET_KEY", "")) is None:
        return BadRequest("The Sec-WebSocket-Key is not valid.").get_response()
    return None


def accept_key(key: str) -> str | None:
    """The ``Sec-WebSocket-Accept`` for a client's key, or ``None`` if the key
    is not 16 bytes in base64."""
    key = key.strip()
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            return None
    except (binascii.Error, ValueError):
        return None
    digest = hashlib.sha1(key.encode("ascii") + _GUID).digest()
    return base64.b64encode(digest).decode("ascii")


def _utf8_size(text: str, budget: int) -> int:
    """The UTF-8 size of ``text`` (exact where it matters for ``budget``)."""
    if len(text) * 4 <= budget:
        return len(text)  # fits whatever the characters
    return len(text.encode("utf-8", "surrogatepass"))


class SocketConnection(WebsocketConnection):
    """A WebSocket on a server's socket, framed with wsproto. Blocking; safe
    to use from several threads (one reader and one writer at a time)."""

    def __init__(
        self, sock: socket.socket, environ: WSGIEnvironment, max_size: int
    ) -> None:
        from wsproto.connection import Connection
        from wsproto.connection import ConnectionType

        self._sock = sock
        self._environ = environ
        self._max_size = max_size
        self._proto = Connection(ConnectionType.SERVER)
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._proto_lock = threading.Lock()
        self._parts: list[t.Any] = []
        self._size = 0
        #: Events parsed but not handled yet.
        self._pending: collections.deque[t.Any] = collections.deque()
        self._executor: ThreadPoolExecutor | None = None
        #: The client's close frame arrived (or the socket failed).
        self._remote_closed = False

    # -- sync (native) -------------------------------------------------------

    def accept_sync(
        self, headers: list[tuple[str, str]], subprotocol: str | None
    ) -> None:
        with self._write_lock:
            if self.closed:
                raise WebsocketDisconnect(self.close_code or ABNORMAL_CLOSURE)
            if self.accepted:
                return
            key = accept_key(self._environ.get("HTTP_SEC_WEBSOCKET_KEY", ""))
            lines = [
                "HTTP/1.1 101 Switching Protocols",
                "Upgrade: websocket",
                "Connection: Upgrade",
                f"Sec-WebSocket-Accept: {key}",
            ]
            if subprotocol is not None:
                lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
            for name, value in headers:
                if "\n" in name or "\n" in value or "\r" in name or "\r" in value:
                    raise ValueError("Header names and values may not hold newlines.")
                lines.append(f"{name}: {value}")
            data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
            self._write(data)
            self.accepted = True
            self.subprotocol = subprotocol

    def receive_sync(self) -> str | bytes:
        if not self.accepted:
            self.accept_sync([], None)
        with self._read_lock:
            while True:
                if self.closed:
                    raise WebsocketDisconnect(self.close_code or ABNORMAL_CLOSURE)
                message = self._next_message()
                if message is not None:
                    return message
                self._read_more()

    def send_sync(self, data: str | bytes) -> None:
        from wsproto.events import BytesMessage
        from wsproto.events import TextMessage

        if not self.accepted:
            self.accept_sync([], None)
        event = TextMessage(data) if isinstance(data, str) else BytesMessage(data)
        with self._write_lock:
            if self.closed:
                raise WebsocketDisconnect(self.close_code or ABNORMAL_CLOSURE)
            with self._proto_lock:
                frame = self._proto.send(event)
            self._write(frame)

    def close_sync(self, code: int, reason: str) -> None:
        if not self.accepted:
            # Rejects the handshake: the door answers 403.
            self.closed = True
            self.close_code = code
            return
        self._send_close(code, reason)

    # -- async (in helper threads) -----------------------------------------

    async def accept(
        self, headers: list[tuple[str, str]], subprotocol: str | None
    ) -> None:
        await self._in_thread(self.accept_sync, headers, subprotocol)

    async def receive(self) -> str | bytes:
        return t.cast("str | bytes", await self._in_thread(self.receive_sync))

    async def send(self, data: str | bytes) -> None:
        await self._in_thread(self.send_sync, data)

    async def close(self, code: int, reason: str) -> None:
        await self._in_thread(self.close_sync, code, reason)

    async def _in_thread(self, func: t.Callable[..., t.Any], *args: t.Any) -> t.Any:
        import asyncio

        executor = self._executor
        if executor is None:
            from concurrent.futures import ThreadPoolExecutor

            executor = self._executor = ThreadPoolExecutor(
                4, thread_name_prefix="flask-websocket"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, func, *args)

    # -- the wire --------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError:
            self._gone()
            raise WebsocketDisconnect(ABNORMAL_CLOSURE) from None

    def _gone(self) -> None:
        self.closed = self._remote_closed = True
        if self.close_code is None:
            self.close_code = ABNORMAL_CLOSURE

    def _read_more(self) -> None:
        try:
            data = self._sock.recv(65536)
        except OSError:
            data = b""
        with self._proto_lock:
            if not data:
                if not self._remote_closed:
                    self._gone()
                return
            try:
                self._proto.receive_data(data)
            except Exception:  # data after the close handshake
                self._gone()

    def _next_message(self) -> str | bytes | None:
        """The next complete message from the received data, handling
        control frames on the way; ``None`` if more data is needed."""
        from wsproto.events import CloseConnection
        from wsproto.events import Message
        from wsproto.events import Ping

        pending = self._pending
        with self._proto_lock:
            pending.extend(self._proto.events())
        while pending:
            event = pending.popleft()
            if isinstance(event, Message):
                if self.closed:
                    continue  # the rest of a message refused with 1009
                data = t.cast("str | bytes", event.data)  # pyright: ignore[reportUnknownMemberType]
                if isinstance(data, str):
                    self._size += _utf8_size(data, self._max_size - self._size)
                else:
                    self._size += len(data)
                if self._size > self._max_size:
                    self._parts = []
                    self._size = 0
                    self._send_close(MESSAGE_TOO_BIG, "Message too big")
                    raise WebsocketDisconnect(MESSAGE_TOO_BIG, "Message too big")
                self._parts.append(data)
                if event.message_finished:
                    parts = self._parts
                    self._parts = []
                    self._size = 0
                    if len(parts) == 1:
                        return t.cast("str | bytes", parts[0])
                    if isinstance(data, str):
                        return "".join(parts)
                    return b"".join(parts)
            elif isinstance(event, Ping):
                with self._write_lock:
                    if not self.closed:
                        with self._proto_lock:
                            frame = self._proto.send(event.response())
                        self._write(frame)
            elif isinstance(event, CloseConnection):
                self._on_close(event.code, event.reason or "")
        return None

    def _on_close(self, code: int, reason: str) -> None:
        from wsproto.connection import ConnectionState
        from wsproto.events import CloseConnection

        with self._write_lock:
            state = self._proto.state
            if state is ConnectionState.REMOTE_CLOSING:
                # The client closed: answer its close frame.
                with self._proto_lock:
                    frame = self._proto.send(CloseConnection(code))
                self._remote_closed = True
                self._try_write(frame)
            elif state is ConnectionState.OPEN:
                # A protocol error (1002, 1007 for bad UTF-8) found here.
                with self._proto_lock:
                    frame = self._proto.send(CloseConnection(code, reason))
                self._try_write(frame)
            else:
                self._remote_closed = True
            if not self.closed:
                self.closed = True
                self.close_code = code
        raise WebsocketDisconnect(code, reason)

    def _try_write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError:
            self._remote_closed = True

    def _send_close(self, code: int, reason: str) -> None:
        from wsproto.events import CloseConnection

        with self._write_lock:
            if self.closed:
                return
            self.closed = True
            self.close_code = code
            try:
                with self._proto_lock:
                    frame = self._proto.send(CloseConnection(code, reason))
            except Exception:
                return
            self._try_write(frame)

    def finish(self, code: int) -> None:
        """End an accepted connection: close with ``code`` unless closed,
        wait a little for the client's close frame, shut the socket down."""
        self._send_close(code, "")
        if not self._remote_closed:
            try:
                self._sock.settimeout(CLOSE_TIMEOUT)
                with self._read_lock:
                    while not self._remote_closed:
                        try:
                            if self._next_message() is None:
                                self._read_more()
                        except WebsocketDisconnect:
                            pass
            except OSError:
                pass
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        executor = self._executor
        if executor is not None:
            executor.shutdown(wait=False)
