"""The test client's WebSocket: ``client.websocket(path)``.

The connection runs through the app's ASGI door in memory, as a server
would run it (same scope, same messages, with the
``websocket.http.response`` extension), so a test sees exactly what a
client of uvicorn or hypercorn would: the accepted subprotocol and
headers, the messages, the close code, or the HTTP response that rejected
the handshake (:class:`WebsocketResponseError`). The client's cookies are
sent, so the session works, and cookies set by the rejection or the
accept headers are stored.

``with client.websocket(...) as ws`` runs the app on an event loop in a
thread of its own, and ``ws`` has blocking methods; ``async with`` runs it
on the current loop, and ``ws`` has coroutine methods. An exception the
app lets propagate (``TESTING`` mode) is raised in the test, by the call
that was waiting when it happened, or on leaving the block.
"""

from __future__ import annotations

import asyncio
import base64
import os
import queue
import threading
import typing as t
from types import TracebackType
from urllib.parse import quote

from werkzeug.datastructures import Headers

from ._websocket import ABNORMAL_CLOSURE
from ._websocket import INTERNAL_ERROR
from ._websocket import NORMAL_CLOSURE
from ._websocket import WebsocketDisconnect

if t.TYPE_CHECKING:
    from .testing import FlaskClient
    from .wrappers import Response

Message = dict[str, t.Any]

#: Seconds a test waits for the app (the handshake, a message, the end)
#: before :class:`TimeoutError`.
DEFAULT_TIMEOUT = 10.0


class WebsocketResponseError(Exception):
    """The app rejected the WebSocket handshake with an HTTP response
    (returned by a handler or a ``before_websocket`` function, or an error
    such as ``abort(401)``); closing before accepting gives a 403."""

    def __init__(self, response: Response) -> None:
        super().__init__(response)
        #: The HTTP response the client got instead of the upgrade.
        self.response: Response = response

    def __str__(self) -> str:
        return f"The WebSocket handshake was rejected with {self.response.status}."


def _scope(
    client: FlaskClient, args: t.Any, kwargs: t.Any, subprotocols: t.Any
) -> t.Any:
    """The ``websocket`` scope a server would build for the request that
    ``args`` and ``kwargs`` describe (as for ``client.get``)."""
    from .testing import EnvironBuilder

    kwargs["environ_base"] = client._copy_environ(kwargs.get("environ_base", {}))
    builder = EnvironBuilder(client.application, *args, **kwargs)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    if client._cookies is not None:
        client._add_cookies_to_wsgi(environ)
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    headers += [
        (b"connection", b"Upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", base64.b64encode(os.urandom(16))),
    ]
    if subprotocols:
        headers.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode()))
    path = environ.get("PATH_INFO", "").encode("latin-1")
    root = environ.get("SCRIPT_NAME", "").encode("latin-1")
    if not path.startswith(b"/"):
        path = b"/" + path
    scheme = environ.get("wsgi.url_scheme", "http")
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "wss" if scheme == "https" else "ws",
        "path": (root + path).decode("utf-8", "replace"),
        "raw_path": root + quote(path, safe="/:@!$&'()*+,;=-._~").encode(),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": root.decode("utf-8", "replace"),
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 12345),
        "server": (
            environ.get("SERVER_NAME", "localhost"),
            int(environ.get("SERVER_PORT") or 80),
        ),
        "subprotocols": list(subprotocols or ()),
        "extensions": {"websocket.http.response": {}},
    }


class _Peer:
    """The test's side of one connection: what the app sent, decoded."""

    def __init__(self, client: FlaskClient, scope: t.Any, timeout: float) -> None:
        self.client: FlaskClient = client
        self.scope: t.Any = scope
        self.timeout: float = timeout
        # Held for the connection (the app keeps its adapter weakly).
        self.asgi: t.Any = client.application.asgi_app
        self.error: BaseException | None = None
        self.error_raised: bool = False
        self.finished: bool = False
        self.closed: bool = False
        #: The accept message's subprotocol and headers.
        self.subprotocol: str | None = None
        self.headers: Headers = Headers()
        self.close_code: int | None = None
        self.close_reason: str = ""

    async def run_app(
        self, inbox: asyncio.Queue[Message], put: t.Callable[[Message], None]
    ) -> None:
        async def receive() -> Message:
            return await inbox.get()

        async def send(message: t.Any) -> None:
            put(dict(message))

        try:
            await self.asgi(self.scope, receive, send)
        except Exception as e:
            self.error = e
        finally:
            put({"type": "_done"})

    def raise_error(self) -> None:
        error = self.error
        if error is not None and not self.error_raised:
            self.error_raised = True
            raise error

    def handshake(self, messages: list[Message]) -> None:
        """Handle the app's answer to the handshake: ``messages`` is the
        accept message, or everything the app sent until it finished.
        Raises if it did not accept (the app's own error first)."""
        first = messages[0]
        kind = first["type"]
        if kind == "websocket.accept":
            self.subprotocol = first.get("subprotocol")
            for name, value in first.get("headers") or ():
                self.headers.add(name.decode("latin-1"), value.decode("latin-1"))
            self._store_cookies(self.headers)
            return
        self.closed = self.finished = True
        self.raise_error()
        app = self.client.application
        if kind == "websocket.http.response.start":
            headers = Headers(
                [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in first["headers"]
                ]
            )
            body = b"".join(
                m.get("body", b"")
                for m in messages
                if m["type"] == "websocket.http.response.body"
            )
            response = app.response_class(body, first["status"], headers)
            self._store_cookies(response.headers)
            raise WebsocketResponseError(response)
        if kind == "websocket.close":
            # A close before accepting: servers answer 403.
            raise WebsocketResponseError(app.response_class("", 403))
        # The app ended without accepting or rejecting: servers answer 500.
        raise WebsocketResponseError(app.response_class("", 500))

    def _store_cookies(self, headers: Headers) -> None:
        client = self.client
        if client._cookies is None:
            return
        cookies = headers.getlist("Set-Cookie")
        if cookies:
            server = self.scope["server"]
            client._update_cookies_from_response(
                server[0], self.scope["path"] or "/", cookies
            )

    def message(self, message: Message) -> str | bytes | None:
        """The data of a message from the app; ``None`` for its close (or
        its end), after which :meth:`after_close` raises."""
        kind = message["type"]
        if kind == "websocket.send":
            text = message.get("text")
            if text is not None:
                return t.cast(str, text)
            return t.cast(bytes, message.get("bytes") or b"")
        if kind == "_done":
            self.finished = True
            if not self.closed:
                self.close_code = ABNORMAL_CLOSURE
        elif kind == "websocket.close":
            self.close_code = message.get("code", NORMAL_CLOSURE)
            self.close_reason = message.get("reason") or ""
        self.closed = True
        return None

    @property
    def error_expected(self) -> bool:
        """Whether the app closed because of an error it may be about to
        raise (1011, in testing mode), so the test waits for its end."""
        return not self.finished and self.close_code == INTERNAL_ERROR

    def after_close(self) -> t.NoReturn:
        self.raise_error()
        raise self.closed_error()

    def closed_error(self) -> WebsocketDisconnect:
        return WebsocketDisconnect(
            self.close_code or ABNORMAL_CLOSURE, self.close_reason
        )


def _data_message(data: t.Any) -> Message:
    if isinstance(data, str):
        return {"type": "websocket.receive", "text": data}
    if isinstance(data, (bytes, bytearray, memoryview)):
        return {"type": "websocket.receive", "bytes": bytes(t.cast(bytes, data))}
    raise TypeError(f"Send 'str' or 'bytes', not {type(data).__name__!r}.")


class _SessionBase:
    """What both test sessions tell about the connection (from its peer)."""

    _peer: _Peer

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the app accepted with."""
        return self._peer.subprotocol

    @property
    def headers(self) -> Headers:
        """The headers the app accepted with."""
        return self._peer.headers

    @property
    def close_code(self) -> int | None:
        """The code the app closed the connection with, once it did."""
        return self._peer.close_code


class WebsocketTestSession(_SessionBase):
    """A WebSocket connected to the app in a test, with blocking methods
    (``with client.websocket(path) as ws``)."""

    def __init__(self, peer: _Peer) -> None:
        self._peer: _Peer = peer
        self._out: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop = asyncio.new_event_loop()
        self._thread: threading.Thread = threading.Thread(
            target=self._run_loop, name="flask-test-websocket", daemon=True
        )
        self._inbox: asyncio.Queue[Message] | None = None
        self._task: t.Any = None

    def _start(self) -> None:
        self._thread.start()

        async def start() -> None:
            inbox = self._inbox = asyncio.Queue()
            inbox.put_nowait({"type": "websocket.connect"})
            self._task = asyncio.ensure_future(self._peer.run_app(inbox, self._out.put))

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(5)
        try:
            messages = [self._next()]
            if messages[0]["type"] != "websocket.accept":
                while messages[-1]["type"] != "_done":
                    messages.append(self._next())
            self._peer.handshake(messages)
        except BaseException:
            self._stop()
            raise

    def _next(self, timeout: float | None = None) -> Message:
        wait = self._peer.timeout if timeout is None else timeout
        try:
            return self._out.get(timeout=wait)
        except queue.Empty:
            raise TimeoutError(
                f"The app sent nothing on the WebSocket within {wait} seconds."
            ) from None

    def _put(self, message: Message) -> None:
        inbox = self._inbox
        assert inbox is not None
        self._loop.call_soon_threadsafe(inbox.put_nowait, message)

    def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        if self._peer.closed:
            raise self._peer.closed_error()
        self._put(_data_message(data))

    def receive(self, timeout: float | None = None) -> str | bytes:
        """The next message from the app; :class:`~flask.WebsocketDisconnect`
        once it closed the connection (its ``code`` is the close code)."""
        peer = self._peer
        if not peer.closed:
            data = peer.message(self._next(timeout))
            if data is not None:
                return data
            if peer.error_expected:
                self._wait_done()
        peer.after_close()

    def _wait_done(self) -> None:
        try:
            while self._next()["type"] != "_done":
                pass
        except TimeoutError:
            return
        self._peer.finished = True

    def send_json(self, obj: t.Any) -> None:
        """Send ``obj`` as JSON in a text message."""
        self.send(self._peer.client.application.json.dumps(obj))

    def receive_json(self, timeout: float | None = None) -> t.Any:
        """The next message, parsed as JSON."""
        return self._peer.client.application.json.loads(self.receive(timeout))

    def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection (the app sees the client leave) and wait
        for the app to finish; an error it let propagate is raised."""
        peer = self._peer
        if not peer.finished:
            if not peer.closed:
                peer.closed = True
                peer.close_code = code
            message: Message = {"type": "websocket.disconnect", "code": code}
            if reason:
                message["reason"] = reason
            self._put(message)
            try:
                while not peer.finished:
                    if self._next()["type"] == "_done":
                        peer.finished = True
            except TimeoutError:
                self._stop()
                raise TimeoutError(
                    "The app's WebSocket handler did not end within"
                    f" {peer.timeout} seconds after the client closed."
                ) from None
        self._stop()
        peer.raise_error()

    def _run_loop(self) -> None:
        loop = self._loop
        try:
            loop.run_forever()
        finally:
            loop.close()

    def _stop(self) -> None:
        loop = self._loop
        if loop.is_closed() or not loop.is_running():
            return
        task = self._task
        if task is not None and not task.done():
            # The app did not finish: cancel it, as a server would.
            async def cancel() -> bool:
                task.cancel()
                await asyncio.wait((task,), timeout=self._peer.timeout)
                if task.done():
                    return True

                # Still ending (a sync handler in its thread): let the loop
                # run until it has, in the background.
                def stop(_: asyncio.Future[t.Any]) -> None:
                    loop.stop()

                task.add_done_callback(stop)
                return False

            if not asyncio.run_coroutine_threadsafe(cancel(), loop).result():
                return
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)

    def __enter__(self) -> WebsocketTestSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.close()
        except Exception:
            if exc_type is None:
                raise


class AsyncWebsocketTestSession(_SessionBase):
    """A WebSocket connected to the app in a test, with coroutine methods
    (``async with client.websocket(path) as ws``); the app runs on the
    test's event loop."""

    def __init__(self, peer: _Peer) -> None:
        self._peer: _Peer = peer
        self._out: asyncio.Queue[Message] = asyncio.Queue()
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _start(self) -> None:
        self._inbox.put_nowait({"type": "websocket.connect"})
        self._task = asyncio.ensure_future(
            self._peer.run_app(self._inbox, self._out.put_nowait)
        )
        try:
            messages = [await self._next()]
            if messages[0]["type"] != "websocket.accept":
                while messages[-1]["type"] != "_done":
                    messages.append(await self._next())
            self._peer.handshake(messages)
        except BaseException:
            await self._stop()
            raise

    async def _next(self, timeout: float | None = None) -> Message:
        wait = self._peer.timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(self._out.get(), wait)
        except asyncio.TimeoutError:
            raise TimeoutError(
                f"The app sent nothing on the WebSocket within {wait} seconds."
            ) from None

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        if self._peer.closed:
            raise self._peer.closed_error()
        self._inbox.put_nowait(_data_message(data))

    async def receive(self, timeout: float | None = None) -> str | bytes:
        """The next message from the app; :class:`~flask.WebsocketDisconnect`
        once it closed the connection."""
        peer = self._peer
        if not peer.closed:
            data = peer.message(await self._next(timeout))
            if data is not None:
                return data
            if peer.error_expected:
                await self._wait_done()
        peer.after_close()

    async def _wait_done(self) -> None:
        try:
            while (await self._next())["type"] != "_done":
                pass
        except TimeoutError:
            return
        self._peer.finished = True

    async def send_json(self, obj: t.Any) -> None:
        """Send ``obj`` as JSON in a text message."""
        await self.send(self._peer.client.application.json.dumps(obj))

    async def receive_json(self, timeout: float | None = None) -> t.Any:
        """The next message, parsed as JSON."""
        return self._peer.client.application.json.loads(await self.receive(timeout))

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection and wait for the app to finish; an error it
        let propagate is raised."""
        peer = self._peer
        if not peer.finished:
            if not peer.closed:
                peer.closed = True
                peer.close_code = code
            message: Message = {"type": "websocket.disconnect", "code": code}
            if reason:
                message["reason"] = reason
            self._inbox.put_nowait(message)
            try:
                while not peer.finished:
                    if (await self._next())["type"] == "_done":
                        peer.finished = True
            except TimeoutError:
                await self._stop()
                raise TimeoutError(
                    "The app's WebSocket handler did not end within"
                    f" {peer.timeout} seconds after the client closed."
                ) from None
        await self._stop()
        peer.raise_error()

    async def _stop(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))

    async def __aenter__(self) -> AsyncWebsocketTestSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.close()
        except Exception:
            if exc_type is None:
                raise


class WebsocketTestConnection:
    """What ``client.websocket(path)`` returns: connect with ``with`` (a
    :class:`WebsocketTestSession`) or ``async with`` (an
    :class:`AsyncWebsocketTestSession`). Connecting raises
    :class:`WebsocketResponseError` if the app rejects the handshake."""

    def __init__(
        self,
        client: FlaskClient,
        args: tuple[t.Any, ...],
        kwargs: dict[str, t.Any],
        subprotocols: t.Sequence[str] | None,
        timeout: float,
    ) -> None:
        self._client: FlaskClient = client
        self._args: tuple[t.Any, ...] = args
        self._kwargs: dict[str, t.Any] = kwargs
        self._subprotocols: t.Sequence[str] | None = subprotocols
        self._timeout: float = timeout
        self._session: WebsocketTestSession | None = None
        self._async_session: AsyncWebsocketTestSession | None = None

    def _peer(self) -> _Peer:
        scope = _scope(self._client, self._args, dict(self._kwargs), self._subprotocols)
        return _Peer(self._client, scope, self._timeout)

    def __enter__(self) -> WebsocketTestSession:
        session = self._session = WebsocketTestSession(self._peer())
        session._start()
        return session

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        if session is not None:
            self._session = None
            session.__exit__(exc_type, exc_value, tb)

    async def __aenter__(self) -> AsyncWebsocketTestSession:
        session = self._async_session = AsyncWebsocketTestSession(self._peer())
        await session._start()
        return session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._async_session
        if session is not None:
            self._async_session = None
            await session.__aexit__(exc_type, exc_value, tb)
