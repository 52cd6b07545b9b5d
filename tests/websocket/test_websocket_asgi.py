"""The ASGI door's WebSocket connections, driven directly with ASGI
messages: bounded reading ahead, sends that wait for the server, the
server cancelling a connection, the thread pool of sync handlers, and
plain ``websocket=True`` views."""

from __future__ import annotations

import asyncio
import threading
import typing as t

import pytest

from flask import Flask
from flask import websocket
from flask import WebsocketDisconnect
from flask.asgi import ASGIApp
from flask.asgi._websocket import MAX_QUEUED


def scope(path: str = "/ws", **kw: t.Any) -> dict[str, t.Any]:
    rv = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
    }
    rv.update(kw)
    return rv


class Peer:
    """A fake server: counts what the app receives, collects what it sends."""

    def __init__(self, messages: list[dict[str, t.Any]] | None = None) -> None:
        self.inbox: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        self.inbox.put_nowait({"type": "websocket.connect"})
        for message in messages or []:
            self.inbox.put_nowait(message)
        self.received = 0
        self.sent: list[dict[str, t.Any]] = []
        self.sent_event = asyncio.Event()

    async def receive(self) -> dict[str, t.Any]:
        message = await self.inbox.get()
        self.received += 1
        return message

    async def send(self, message: t.Any) -> None:
        self.sent.append(dict(message))
        self.sent_event.set()

    def kinds(self) -> list[str]:
        return [m["type"] for m in self.sent]


def text(data: str) -> dict[str, t.Any]:
    return {"type": "websocket.receive", "text": data}


def test_reading_ahead_is_bounded_when_the_handler_does_not_read() -> None:
    app = Flask(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await asyncio.sleep(3600)

    async def main() -> int:
        peer = Peer([text("x") for _ in range(10 * MAX_QUEUED)])
        task = asyncio.ensure_future(app.asgi_app(scope(), peer.receive, peer.send))
        await asyncio.sleep(0.3)
        received = peer.received
        # A disconnect is still noticed: it waits behind the unread data, so
        # the handler only ends when the server cancels the connection.
        task.cancel()
        await asyncio.wait((task,))
        return received

    received = asyncio.run(main())
    # connect + at most MAX_QUEUED messages + the one that found no room.
    assert received <= MAX_QUEUED + 2


def test_reading_ahead_is_bounded_in_bytes() -> None:
    app = Flask(__name__)
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 1000

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await asyncio.sleep(3600)

    async def main() -> int:
        peer = Peer([text("y" * 400) for _ in range(20)])
        task = asyncio.ensure_future(app.asgi_app(scope(), peer.receive, peer.send))
        await asyncio.sleep(0.3)
        task.cancel()
        await asyncio.wait((task,))
        return peer.received

    # 1000 bytes: three messages of 400 (the third crosses the limit).
    assert asyncio.run(main()) == 1 + 3


def test_send_waits_for_the_server() -> None:
    """A server that has not taken the last message holds the sender: a
    handler sending forever to a client that never reads does not queue
    messages in memory."""
    app = Flask(__name__)
    sent: list[int] = []

    @app.websocket("/ws")
    async def ws() -> None:
        n = 0
        while True:
            await websocket.send("x" * 1000)
            n += 1
            sent.append(n)

    async def main() -> None:
        gate = asyncio.Event()
        peer = Peer()

        async def send(message: t.Any) -> None:
            peer.sent.append(message)
            if message["type"] == "websocket.send" and len(peer.sent) > 3:
                await gate.wait()  # the client stopped reading

        task = asyncio.ensure_future(app.asgi_app(scope(), peer.receive, send))
        await asyncio.sleep(0.3)
        assert len(sent) == 2  # the third send is still waiting
        peer.inbox.put_nowait({"type": "websocket.disconnect", "code": 1006})
        await asyncio.wait_for(task, 5)

    asyncio.run(main())


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_server_cancel_closes_1001_and_tears_down_once(kind: str) -> None:
    app = Flask(__name__)
    teardowns: list[t.Any] = []
    started = threading.Event()

    if kind == "async":

        @app.websocket("/ws")
        async def ws() -> None:
            await websocket.accept()
            started.set()
            await asyncio.sleep(3600)

    else:

        @app.websocket("/ws")
        def ws() -> None:
            websocket.accept()
            started.set()
            while True:
                websocket.receive()

    @app.teardown_websocket
    def teardown(exc: BaseException | None) -> None:
        teardowns.append(exc)

    async def main() -> Peer:
        peer = Peer()
        task = asyncio.ensure_future(app.asgi_app(scope(), peer.receive, peer.send))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return peer

    peer = asyncio.run(main())
    assert peer.kinds() == ["websocket.accept", "websocket.close"]
    assert peer.sent[-1]["code"] == 1001
    assert teardowns == [None]


def test_disconnect_while_hooks_run_skips_the_handler() -> None:
    app = Flask(__name__)
    calls: list[str] = []

    @app.before_websocket
    async def slow() -> None:
        await asyncio.sleep(0.2)

    @app.websocket("/ws")
    def ws() -> None:
        calls.append("handler")

    @app.teardown_websocket
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    async def main() -> Peer:
        peer = Peer([{"type": "websocket.disconnect", "code": 1001}])
        await asyncio.wait_for(app.asgi_app(scope(), peer.receive, peer.send), 5)
        return peer

    peer = asyncio.run(main())
    assert calls == ["teardown"]
    assert peer.sent == []  # nothing sent to a client that is gone


def test_sync_handlers_have_their_own_bounded_pool() -> None:
    """Sync handlers hold a thread each, from a pool apart from the one of
    sync views, so they cannot starve HTTP requests; past the bound, a new
    connection's handler waits for a thread."""
    app = Flask(__name__)
    asgi = ASGIApp(app, websocket_threads=1)
    names: list[str] = []

    @app.websocket("/ws")
    def ws() -> None:
        names.append(threading.current_thread().name)
        websocket.send(websocket.receive())

    @app.route("/")
    def index() -> str:
        return threading.current_thread().name

    async def main() -> tuple[list[str], list[str], str]:
        first, second = Peer(), Peer()
        t1 = asyncio.ensure_future(asgi(scope(), first.receive, first.send))
        await asyncio.wait_for(first.sent_event.wait(), 5)
        t2 = asyncio.ensure_future(asgi(scope(), second.receive, second.send))
        await asyncio.sleep(0.2)
        waiting = second.kinds()
        # An HTTP request is served meanwhile, by the other pool.
        import httpx

        transport = httpx.ASGITransport(app=asgi)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            thread = (await c.get("/")).text
        first.inbox.put_nowait(text("one"))
        second.inbox.put_nowait(text("two"))
        await asyncio.wait_for(asyncio.gather(t1, t2), 5)
        return waiting, second.kinds(), thread

    waiting, done, thread = asyncio.run(main())
    assert waiting == []  # its handler (which accepts) had no thread yet
    assert done == ["websocket.accept", "websocket.send", "websocket.close"]
    assert names[0].startswith("flask-websocket") and thread.startswith("flask-asgi")


def test_plain_websocket_view_that_does_not_upgrade_answers_with_its_response() -> None:
    """A route with ``websocket=True`` whose view does not upgrade the socket
    it is given (flask-sock's would): its response rejects the handshake."""
    app = Flask(__name__)

    @app.route("/sock", websocket=True)
    def sock() -> t.Any:
        return "not upgraded", 409

    async def main() -> Peer:
        peer = Peer()
        await asyncio.wait_for(app.asgi_app(scope("/sock"), peer.receive, peer.send), 5)
        return peer

    peer = asyncio.run(main())
    assert peer.kinds() == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert peer.sent[0]["status"] == 409
    assert peer.sent[1]["body"] == b"not upgraded"


def test_without_the_response_extension_a_rejection_is_a_close() -> None:
    app = Flask(__name__)

    @app.websocket("/ws")
    def ws() -> t.Any:
        return "no", 401

    async def main() -> Peer:
        peer = Peer()
        await app.asgi_app(scope(extensions={}), peer.receive, peer.send)
        return peer

    peer = asyncio.run(main())
    assert peer.kinds() == ["websocket.close"]  # the server answers 403


def test_malformed_key_is_refused_before_the_app() -> None:
    app = Flask(__name__)
    calls: list[str] = []

    @app.websocket("/ws")
    def ws() -> None:
        calls.append("handler")

    async def main() -> Peer:
        peer = Peer()
        headers = [(b"host", b"x"), (b"sec-websocket-key", b"short")]
        await app.asgi_app(scope(headers=headers), peer.receive, peer.send)
        return peer

    peer = asyncio.run(main())
    assert peer.sent[0]["status"] == 400 and calls == []


def test_client_gone_before_connect_runs_nothing() -> None:
    app = Flask(__name__)

    @app.websocket("/ws")
    def ws() -> None:
        raise AssertionError("not reached")

    async def main() -> Peer:
        peer = Peer()
        peer.inbox.get_nowait()
        peer.inbox.put_nowait({"type": "websocket.disconnect", "code": 1006})
        await app.asgi_app(scope(), peer.receive, peer.send)
        return peer

    assert asyncio.run(main()).sent == []


def test_blocking_call_on_the_loop_is_an_error() -> None:
    app = Flask(__name__)
    errors: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        conn = websocket.connection
        assert conn is not None
        try:
            conn.receive_sync()
        except RuntimeError as e:
            errors.append(str(e))
        await websocket.close()

    async def main() -> None:
        peer = Peer()
        await app.asgi_app(scope(), peer.receive, peer.send)

    asyncio.run(main())
    assert "await the call" in errors[0]


def test_receive_after_close_raises(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    codes: list[int] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.close(4000)
        try:
            await websocket.receive()
        except WebsocketDisconnect as e:
            codes.append(e.code)

    async def main() -> None:
        peer = Peer()
        await app.asgi_app(scope(), peer.receive, peer.send)

    asyncio.run(main())
    assert codes == [4000]


def test_http2_handshake_without_upgrade_headers_matches() -> None:
    """HTTP/2 WebSockets (RFC 8441) have no Upgrade header and no key: the
    route still matches as a WebSocket route."""
    app = Flask(__name__)

    @app.route("/ws")
    def page() -> str:
        return "http"

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("over h2")

    async def main() -> Peer:
        peer = Peer()
        await app.asgi_app(scope(http_version="2"), peer.receive, peer.send)
        return peer

    peer = asyncio.run(main())
    assert peer.kinds() == ["websocket.accept", "websocket.send", "websocket.close"]
    assert peer.sent[1]["text"] == "over h2"
