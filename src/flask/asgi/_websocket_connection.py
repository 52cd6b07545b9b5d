"""The WebSocket connection interface on ASGI messages.

:class:`ASGIConnection` implements :class:`~flask._websocket.WebsocketConnection`
for :mod:`._websocket`. A reader task receives the client's messages ahead
of the handler, bounded (about ``WEBSOCKET_MAX_MESSAGE_SIZE`` bytes and
:data:`MAX_QUEUED` messages, then it stops receiving and the server stops
reading the socket), so a client that leaves is noticed while the handler
is busy elsewhere. Sends wait for the server to take the data. The methods
run on the server's loop; the ``*_sync`` ones are for other threads (sync
handlers), which they block until the loop has done the work.
"""

from __future__ import annotations

import asyncio
import threading
import typing as t

from .._websocket import ABNORMAL_CLOSURE
from .._websocket import GOING_AWAY
from .._websocket import MESSAGE_TOO_BIG
from .._websocket import NO_STATUS
from .._websocket import NORMAL_CLOSURE
from .._websocket import WebsocketConnection
from .._websocket import WebsocketDisconnect
from ._environ import Message
from ._environ import Receive
from ._environ import Scope
from ._environ import Send

if t.TYPE_CHECKING:
    from ..wrappers import Response

#: Unread messages kept ahead of the handler, at most (and at most about
#: ``WEBSOCKET_MAX_MESSAGE_SIZE`` bytes of them).
MAX_QUEUED = 64
#: Sends in a row after which the handler lets other tasks run.
YIELD_EVERY = 16


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
        # Every attribute is set here, in one order, so that instances
        # share their dict's keys (thousands of idle connections add up).
        self.accepted = False
        self.closed = False
        self.subprotocol: str | None = None
        self.close_code: int | None = None
        self._receive = receive
        self._send = send
        self.loop = loop
        self._loop_thread = threading.get_ident()
        self.max_size = max_size
        extensions: dict[str, t.Any] = scope.get("extensions") or {}
        #: Whether the server can send an HTTP response to reject.
        self.can_respond = "websocket.http.response" in extensions
        # A list, not a deque: it holds at most MAX_QUEUED messages, and an
        # empty list is a tenth of an empty deque's size.
        self._inbox: list[str | bytes] = []
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

    def client_left(self, code: int, reason: str = "") -> None:
        """The client closed the connection or vanished (for a caller that
        receives the server's messages itself, as :mod:`._websocket_plain`
        does)."""
        self.close_reason = reason
        self._lost(code)

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
        data = inbox.pop(0)
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
        try:  # _send_message, inlined: one coroutine less per message
            await self._send(message)
        except OSError:
            self._lost(ABNORMAL_CLOSURE)
            raise self._gone_error() from None
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
        await self.reject_with(
            response.status_code, list(response.headers.items()), body
        )

    async def reject_with(
        self, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        """Reject the handshake with this status, headers and body (a WSGI
        response), as :meth:`reject` does."""
        if not self.can_respond:
            await self.close(NORMAL_CLOSURE, "")
            return
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await self._respond(status, raw, body)

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
