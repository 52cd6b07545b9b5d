"""The WebSocket object behind :data:`flask.websocket`, its context, and the
connection interface both front doors implement.

A WebSocket handler runs in a :class:`WebsocketContext`: the 3.2 merged app
context, carrying a :class:`Websocket` where an HTTP request carries its
request. The websocket *is* the handshake request (a :class:`~flask.Request`
subclass: ``path``, ``args``, ``headers``, ``cookies``, ``url_rule`` ...), so
``request``, ``session``, ``g`` and ``url_for`` work as in a view, plus the
messaging methods. Those talk to a :class:`WebsocketConnection`, the small
interface each door implements (:mod:`flask.asgi._websocket` with ASGI
messages, :mod:`flask._websocket_wsgi` on the server's socket, the test
client through the ASGI door).

Every messaging method works from both kinds of code: called where an event
loop is running (an ``async def`` handler or hook) it returns an awaitable;
called from plain sync code (a ``def`` handler in a worker thread) it blocks
until done and returns the result.
"""

from __future__ import annotations

import sys
import typing as t
from functools import update_wrapper
from inspect import iscoroutinefunction

from .ctx import AppContext
from .globals import _cv_app_get
from .wrappers import Request

if t.TYPE_CHECKING:
    from .app import Flask
    from .sessions import SessionMixin

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: Close codes (RFC 6455, section 7.4.1).
NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
PROTOCOL_ERROR = 1002
NO_STATUS = 1005
ABNORMAL_CLOSURE = 1006
INVALID_DATA = 1007
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011

#: ``WEBSOCKET_MAX_MESSAGE_SIZE`` when the config does not set it: 1 MiB.
DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024


class WebsocketDisconnect(Exception):
    """The WebSocket connection is closed: the client went away (or closed
    it), the message it sent was too large, or the handler closed it.

    Raised by :data:`~flask.websocket`'s ``receive`` and ``send`` (an
    ``async def`` handler is instead cancelled, with
    :class:`asyncio.CancelledError`, when the client goes away while it
    awaits). Propagating it out of a handler ends the connection normally:
    it is not an error. The test client raises it too, when the app has
    closed the connection.
    """

    def __init__(self, code: int = NO_STATUS, reason: str = "") -> None:
        super().__init__(code, reason)
        #: The close code (1000 normal, 1001 going away, 1006 gone without
        #: a close frame, 1009 message too big, ...).
        self.code = code
        #: The close reason, if one was given.
        self.reason = reason

    def __str__(self) -> str:
        if self.reason:
            return f"WebSocket closed ({self.code}: {self.reason})"
        return f"WebSocket closed ({self.code})"


_running_loop: t.Callable[[], object] | None = None


def in_async() -> bool:
    """Whether an event loop is running in this thread (so a messaging call
    must return an awaitable). Never imports :mod:`asyncio`."""
    global _running_loop
    running_loop = _running_loop
    if running_loop is None:
        aio = sys.modules.get("asyncio")
        if aio is None:
            return False
        running_loop = _running_loop = aio._get_running_loop
    return running_loop() is not None


class WebsocketConnection:
    """The connection interface under :data:`flask.websocket`: what a front
    door (or a compatibility layer such as a flask-sock shim) implements.

    The async methods are used by ``async def`` handlers (and by the ASGI
    door's driver), the ``*_sync`` methods by sync handlers, which run in a
    thread with no event loop. Each door implements one family natively
    and bridges the other (the ASGI door runs on the server's loop and
    bridges sync calls to it; the WSGI door uses blocking socket calls and
    runs them in helper threads for async code).

    ``receive`` returns ``str`` for a text message and ``bytes`` for a
    binary one; ``send`` sends ``str`` as text and ``bytes`` as binary.
    Once the connection is closed (either side, or the client is gone),
    ``receive`` and ``send`` raise :class:`WebsocketDisconnect`. The first
    ``receive`` or ``send`` accepts the connection if it was not yet.
    """

    #: Whether the handshake was accepted.
    accepted: bool = False
    #: Whether the connection is closed (by either side) or rejected.
    closed: bool = False
    #: The subprotocol chosen when accepting.
    subprotocol: str | None = None
    #: The code the connection was closed with, once it is.
    close_code: int | None = None

    async def accept(
        self, headers: list[tuple[str, str]], subprotocol: str | None
    ) -> None:
        raise NotImplementedError

    async def receive(self) -> str | bytes:
        raise NotImplementedError

    async def send(self, data: str | bytes) -> None:
        raise NotImplementedError

    async def close(self, code: int, reason: str) -> None:
        raise NotImplementedError

    def accept_sync(
        self, headers: list[tuple[str, str]], subprotocol: str | None
    ) -> None:
        raise NotImplementedError

    def receive_sync(self) -> str | bytes:
        raise NotImplementedError

    def send_sync(self, data: str | bytes) -> None:
        raise NotImplementedError

    def close_sync(self, code: int, reason: str) -> None:
        raise NotImplementedError


def _header_list(headers: t.Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if hasattr(headers, "items") else headers
    rv: list[tuple[str, str]] = []
    for name, value in items:
        rv.append((str(name), str(value)))
    return rv


def _check_data(data: t.Any) -> str | bytes:
    if type(data) is str or isinstance(data, (str, bytes)):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(t.cast("bytearray", data))
    raise TypeError(
        "A WebSocket message is 'str' (sent as text) or 'bytes' (sent as"
        f" binary), not {type(data).__name__!r}. Use 'send_json' for other"
        " values."
    )


class Websocket(Request):
    """The WebSocket connection being handled: :data:`flask.websocket`.

    It is the handshake request (everything :class:`~flask.Request` offers:
    ``path``, ``args``, ``headers``, ``cookies``, ``authorization``,
    ``url_rule``, ``view_args`` ...), plus the messaging methods. Each of
    those returns an awaitable when called from ``async def`` code and
    blocks (returning the result) when called from a sync handler.
    """

    #: The connection this websocket talks through (set by the front door).
    connection: WebsocketConnection | None = None

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered (``Sec-WebSocket-Protocol``),
        in its order of preference."""
        value = self.headers.get("Sec-WebSocket-Protocol", "")
        return [p.strip() for p in value.split(",") if p.strip()]

    @property
    def accepted(self) -> bool:
        """Whether the handshake was accepted."""
        conn = self.connection
        return conn is not None and conn.accepted

    @property
    def closed(self) -> bool:
        """Whether the connection is closed (either side) or rejected."""
        conn = self.connection
        return conn is not None and conn.closed

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol chosen when accepting, if any."""
        conn = self.connection
        return None if conn is None else conn.subprotocol

    @property
    def close_code(self) -> int | None:
        """The code the connection was closed with, once it is closed."""
        conn = self.connection
        return None if conn is None else conn.close_code

    def _conn(self) -> WebsocketConnection:
        conn = self.connection
        if conn is None:
            raise RuntimeError(
                "This WebSocket has no connection: it was not created by a"
                " server or the test client ('client.websocket(...)')."
            )
        return conn

    def accept(
        self,
        headers: t.Any = None,
        subprotocol: str | None = None,
    ) -> t.Any:
        """Accept the handshake, with extra response ``headers`` (a dict,
        :class:`~werkzeug.datastructures.Headers` or pairs) and the chosen
        ``subprotocol`` (one of :attr:`requested_subprotocols`). The first
        ``receive`` or ``send`` accepts without them. Awaitable in async
        code."""
        conn = self._conn()
        if conn.accepted:
            raise RuntimeError("The WebSocket connection was already accepted.")
        if subprotocol is not None and subprotocol not in self.requested_subprotocols:
            raise ValueError(
                f"The subprotocol {subprotocol!r} was not requested by the"
                f" client (it offered {self.requested_subprotocols!r})."
            )
        pairs = _header_list(headers)
        if in_async():
            return conn.accept(pairs, subprotocol)
        return conn.accept_sync(pairs, subprotocol)

    def receive(self) -> t.Any:
        """The next message: ``str`` (text) or ``bytes`` (binary). Raises
        :class:`~flask.WebsocketDisconnect` once the connection is closed.
        Awaitable in async code."""
        conn = self.connection or self._conn()
        if in_async():
            return conn.receive()
        return conn.receive_sync()

    def send(self, data: str | bytes) -> t.Any:
        """Send ``data``: ``str`` as a text message, ``bytes`` as binary.
        Waits until the server has taken it (a client that does not read
        slows the sender down instead of filling memory). Awaitable in
        async code."""
        data = _check_data(data)
        conn = self.connection or self._conn()
        if in_async():
            return conn.send(data)
        return conn.send_sync(data)

    def receive_json(self) -> t.Any:
        """The next message parsed as JSON (with ``app.json``); a
        :class:`ValueError` if it is not JSON. Awaitable in async code."""
        conn = self._conn()
        if in_async():
            return self._receive_json_async(conn)
        return self._loads(conn.receive_sync())

    async def _receive_json_async(self, conn: WebsocketConnection) -> t.Any:
        return self._loads(await conn.receive())

    def _loads(self, data: str | bytes) -> t.Any:
        return self.json_module.loads(data)

    def send_json(self, obj: t.Any) -> t.Any:
        """Send ``obj`` as JSON in a text message (with ``app.json``).
        Awaitable in async code."""
        return self.send(self.json_module.dumps(obj))

    def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> t.Any:
        """Close the connection with ``code`` and ``reason``. Before it was
        accepted, this rejects the handshake (the server answers 403).
        Closing a closed connection does nothing. Awaitable in async
        code."""
        conn = self._conn()
        if in_async():
            return conn.close(code, reason)
        return conn.close_sync(code, reason)

    def close_request(self) -> None:
        """Close the handshake request's resources (what
        :meth:`~werkzeug.wrappers.Request.close` does for a request:
        ``close`` here closes the connection)."""
        Request.close(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url!r}>"


class WebsocketContext(AppContext):
    """The app context of one WebSocket connection: ``request`` is the
    :class:`Websocket` (the handshake), URLs match WebSocket rules, and
    teardown runs the ``teardown_websocket`` functions instead of the
    ``teardown_request`` ones."""

    def __init__(
        self,
        app: Flask,
        *,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        super().__init__(app, request=request, session=session)
        if not isinstance(request, Websocket):
            raise TypeError("A WebsocketContext needs a Websocket as 'request'.")
        self._websocket: Websocket = request
        #: A copy (:func:`copy_current_websocket_context`) shares the
        #: connection, whose teardown runs once, when it ends.
        self._is_copy: bool = False
        adapter = self.url_adapter
        if adapter is not None:
            # Also where the handshake has no Upgrade header (HTTP/2).
            adapter.websocket = True

    @property
    def websocket(self) -> Websocket:
        """The WebSocket of this context."""
        return self._websocket

    def copy(self) -> WebsocketContext:
        """A context for the same connection (see
        :meth:`flask.ctx.AppContext.copy`); popping it runs no teardown
        functions."""
        rv = t.cast(WebsocketContext, super().copy())
        rv._is_copy = True
        return rv

    def _teardown(self, exc: BaseException | None, errors: list[Exception]) -> None:
        """WebSocket teardown, close the request, app teardown: each step
        runs even if an earlier one raised; their errors are added to
        ``errors``, raised together by :meth:`pop`. A copy runs none."""
        if self._is_copy:
            return
        app = self.app
        try:
            try:
                app.do_teardown_websocket(self, exc)
            except Exception as e:
                errors.append(e)
            finally:
                try:
                    self._websocket.close_request()
                except Exception as e:
                    errors.append(e)
        finally:
            try:
                if "do_teardown_appcontext" in app._legacy_hooks:
                    app.do_teardown_appcontext(exc)  # type: ignore[arg-type]
                else:
                    app.do_teardown_appcontext(self, exc)
            except Exception as e:
                errors.append(e)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._websocket.url!r} of {self.app.name}>"


def has_websocket_context() -> bool:
    """Whether a WebSocket connection is being handled
    (:data:`~flask.websocket` works)."""
    return isinstance(_cv_app_get(None), WebsocketContext)


def copy_current_websocket_context(f: F) -> F:
    """Decorate ``f`` so it runs in a copy of the current WebSocket's
    context (``websocket``, ``session``, a fresh ``g``), e.g. in a thread or
    a task started by a handler. An ``async def`` function stays one.
    Leaving the copy runs no teardown functions: they run once, when the
    connection ends."""
    ctx = _cv_app_get(None)
    if not isinstance(ctx, WebsocketContext):
        raise RuntimeError(
            "'copy_current_websocket_context' can only be used while a"
            " WebSocket connection is being handled."
        )
    copied = ctx.copy()
    if iscoroutinefunction(f):

        async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            with copied:
                return await f(*args, **kwargs)

        return update_wrapper(async_wrapper, f)  # type: ignore[return-value]

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]
