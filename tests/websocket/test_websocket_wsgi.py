"""WebSockets on the WSGI door: werkzeug's development server (in a thread)
and gunicorn's threaded worker (a subprocess) upgrade their sockets; other
servers, and a missing wsproto, get a clear error at the handshake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
import typing as t

import pytest
from server_process import free_port
from server_process import serve
from wsclient import close_code
from wsclient import frame
from wsclient import get_json
from wsclient import KEY
from wsclient import open_ws
from wsclient import status_of

pytest.importorskip("wsproto")
pytest.importorskip("websockets")

from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

from flask import Flask  # noqa: E402
from flask import websocket  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")
VERSION = "Sec-WebSocket-Version: 13\r\n"


class Server(t.NamedTuple):
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@contextlib.contextmanager
def werkzeug_server() -> t.Iterator[Server]:
    from werkzeug.serving import make_server
    from ws_serving_app import app

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server("werkzeug", srv.server_port)
    finally:
        srv.shutdown()
        thread.join(5)
        srv.server_close()


@contextlib.contextmanager
def gunicorn_server(tmp: t.Any) -> t.Iterator[Server]:
    pytest.importorskip("gunicorn")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        "gthread",
        "--threads",
        "8",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "2",
        "ws_serving_app:app",
    ]
    log = str(tmp / f"gunicorn-{port}.log")
    with serve(cmd, port, log, cwd=HERE, pythonpath=[HERE, SRC], start_timeout=30):
        yield Server("gunicorn", port)


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[Server]:
    if request.param == "werkzeug":
        with werkzeug_server() as srv:
            yield srv
    else:
        with gunicorn_server(tmp_path_factory.mktemp("gunicorn")) as srv:
            yield srv


@pytest.fixture(autouse=True)
def _quiet_werkzeug_log() -> t.Iterator[None]:
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


@pytest.mark.parametrize("path", ["/echo-sync", "/echo"])
def test_echo_text_binary_and_empty(server: Server, path: str) -> None:
    async def main() -> list[t.Any]:
        got = []
        async with connect(server.url + path, compression="deflate") as ws:
            for data in ["hello", b"\x00\x01\xff", "", b"", "é✓", "x" * 70000]:
                await ws.send(data)
                got.append(await ws.recv())
        return got

    assert run(main()) == ["hello", b"\x00\x01\xff", "", b"", "é✓", "x" * 70000]


def test_json_subprotocol_headers_session_and_url_for(server: Server) -> None:
    import urllib.request

    with urllib.request.urlopen(
        f"http://127.0.0.1:{server.port}/login/bob", timeout=10
    ) as r:
        cookie = r.headers["Set-Cookie"].split(";")[0]

    async def main() -> list[t.Any]:
        got: list[t.Any] = []
        async with connect(server.url + "/json") as ws:
            await ws.send("[1]")
            got.append(await ws.recv())
        async with connect(server.url + "/chat", subprotocols=["chat.v2"]) as ws:
            got += [ws.subprotocol, ws.response.headers["X-Room"], await ws.recv()]
        url = server.url + "/private/feed?token=s3cret"
        async with connect(url, additional_headers={"Cookie": cookie}) as ws:
            got += [await ws.recv() for _ in range(3)]
        return got

    base = f"ws://127.0.0.1:{server.port}"
    assert run(main()) == [
        '{"got": [1]}',
        "chat.v2",
        "lobby",
        "subprotocol chat.v2",
        "hello bob",
        f"{base}/private/feed",
        f"{base}/echo",
    ]


def test_rejections_are_http_responses(server: Server) -> None:
    async def status(path: str) -> tuple[int, bytes]:
        with pytest.raises(InvalidStatus) as info:
            async with connect(server.url + path):
                pass
        return info.value.response.status_code, info.value.response.body or b""

    assert run(status("/teapot")) == (418, b"I am a teapot")
    assert run(status("/private/feed"))[0] == 401


def test_oversized_message_closes_1009(server: Server) -> None:
    async def main() -> int | None:
        async with connect(server.url + "/echo-sync", max_size=None) as ws:
            await ws.send("a" * (1024 * 1024 + 1))
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            return info.value.rcvd.code if info.value.rcvd else None

    assert run(main()) == 1009


def test_invalid_utf8_closes_1007(server: Server) -> None:
    async def main() -> int | None:
        reader, writer, head = await open_ws(server.port, "/echo-sync", VERSION)
        assert status_of(head) == 101
        writer.write(frame(1, b"\xff\xfe"))
        try:
            return await close_code(reader)
        finally:
            writer.close()

    assert run(main()) == 1007


@pytest.mark.parametrize(
    "data",
    [bytes([0x81, 0x02]) + b"hi", bytes([0xC1, 0x82]) + b"\x00" * 4 + b"hi"],
    ids=["unmasked", "reserved-bit"],
)
def test_protocol_errors_close_1002(server: Server, data: bytes) -> None:
    async def main() -> int | None:
        reader, writer, head = await open_ws(server.port, "/echo-sync", VERSION)
        assert status_of(head) == 101
        writer.write(data)
        try:
            return await close_code(reader)
        finally:
            writer.close()

    assert run(main()) == 1002


def test_malformed_handshakes(server: Server) -> None:
    async def status(extra: str, key: str = KEY) -> tuple[int, bytes]:
        reader, writer, head = await open_ws(server.port, "/echo", extra, key)
        writer.close()
        return status_of(head), head

    assert run(status(""))[0] == 426
    code, head = run(status("Sec-WebSocket-Version: 8\r\n"))
    assert code == 426 and b"Sec-WebSocket-Version: 13" in head
    assert run(status(VERSION, key="not a key"))[0] == 400


def test_error_after_accept_closes_1011(server: Server) -> None:
    async def main() -> tuple[t.Any, int | None]:
        async with connect(server.url + "/boom") as ws:
            first = await ws.recv()
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            return first, info.value.rcvd.code if info.value.rcvd else None

    assert run(main()) == ("about to fail", 1011)


def test_client_vanishing_ends_sync_handler_once(server: Server) -> None:
    name = f"{server.name}-gone"

    async def main() -> None:
        reader, writer, head = await open_ws(server.port, f"/wait-sync/{name}", VERSION)
        assert status_of(head) == 101
        await asyncio.sleep(0.2)
        writer.transport.abort()

    run(main())
    deadline = time.monotonic() + 5
    while True:
        events = get_json(server.port, "/events")["events"]
        if f"teardown {name}" in events or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [e for e in events if e.endswith(name)] == [
        f"start {name}",
        f"disconnected {name}",
        f"teardown {name}",
    ]


def test_plain_view_on_websocket_rule_keeps_the_normal_pipeline(
    server: Server,
) -> None:
    """A view on ``route(..., websocket=True)`` (flask-sock's kind) is not a
    handler: the request goes through the normal pipeline, as before."""

    async def main() -> bytes:
        reader, writer, head = await open_ws(server.port, "/plain-upgrade", VERSION)
        body = await reader.readuntil(b"plain view")
        writer.close()
        return head + body

    data = run(main())
    assert status_of(data) == 200 and data.endswith(b"plain view")


# -- servers that cannot upgrade -----------------------------------------------------

UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": KEY,
    "Sec-WebSocket-Version": "13",
}


def _app() -> Flask:
    app = Flask(__name__)

    @app.websocket("/ws")
    def ws() -> None:
        websocket.send("never")

    return app


def test_server_without_socket_gets_500_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _app()
    with caplog.at_level(logging.ERROR):
        rv = app.test_client().get("/ws", headers=UPGRADE)
    assert rv.status_code == 500
    assert any("does not give the app its socket" in r.message for r in caplog.records)
    app.testing = True
    with pytest.raises(RuntimeError, match="flask run"):
        app.test_client().get("/ws", headers=UPGRADE)


def test_missing_wsproto_is_named(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    app = _app()
    monkeypatch.setitem(sys.modules, "wsproto", None)
    a, b = socket.socketpair()
    try:
        with caplog.at_level(logging.ERROR):
            rv = app.test_client().get(
                "/ws", headers=UPGRADE, environ_base={"werkzeug.socket": a}
            )
    finally:
        a.close()
        b.close()
    assert rv.status_code == 500
    assert any("flask[websocket]" in r.message for r in caplog.records)


def test_upgrade_to_http_route_is_unchanged() -> None:
    app = _app()

    @app.route("/page")
    def page() -> str:
        return "page"

    # No WebSocket rule matches: werkzeug's 400, as without handlers.
    assert app.test_client().get("/page", headers=UPGRADE).status_code == 400
