"""python-socketio in front of the app on one port, with a real Socket.IO
client: ``socketio.ASGIApp(sio, other_asgi_app=app.asgi_app)`` under
uvicorn (``socketio_app``). Socket.IO gets ``/socket.io/`` over WebSocket
and long polling; Flask gets the rest, including its WebSocket routes (an
``@app.websocket`` handler and a flask-sock view) and its lifespan."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import sys
import typing as t
import urllib.request

import pytest
from compat_support import pythonpath
from compat_support import require

socketio = require("socketio")
require("flask_sock")
pytest.importorskip("websocket")  # websocket-client, the client's transport
pytest.importorskip("uvicorn")
websockets = pytest.importorskip("websockets")

from websockets.asyncio.client import connect  # noqa: E402

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(TESTS, "compat")
SRC = os.path.join(os.path.dirname(TESTS), "src")
from server_process import free_port  # noqa: E402
from server_process import serve  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    port = free_port()
    log = str(tmp_path_factory.mktemp("socketio") / "uvicorn.log")
    cmd = [sys.executable, "-m", "uvicorn", "socketio_app:asgi", "--port", str(port)]
    cmd += ["--no-access-log", "--timeout-graceful-shutdown", "2"]
    path = pythonpath(HERE, SRC).split(os.pathsep)
    with serve(cmd, port, log, cwd=HERE, pythonpath=path, start_timeout=30):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def _sigint_restored() -> t.Iterator[None]:
    """python-socketio's client installs a SIGINT handler of its own in the
    process: the test worker gets its own back afterwards."""
    saved = signal.getsignal(signal.SIGINT)
    yield
    if saved is not None:
        signal.signal(signal.SIGINT, saved)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_client(base_url: str, transport: str) -> None:
    client = socketio.Client(reconnection=False)
    got: queue.Queue[tuple[str, t.Any]] = queue.Queue()
    client.on("shouted", lambda data: got.put(("shouted", data)))
    client.on("notice", lambda data: got.put(("notice", data)))
    client.connect(
        base_url, auth={"token": "s3cret"}, transports=[transport], wait_timeout=10
    )
    try:
        assert client.transport() == transport
        assert client.call("echo", {"n": 1}, timeout=10) == {"echo": {"n": 1}}
        client.emit("shout", "hi")
        assert got.get(timeout=10) == ("shouted", "HI")
        # A Flask view emits to the Socket.IO clients.
        notify = urllib.request.Request(f"{base_url}/notify/news", method="POST")
        with urllib.request.urlopen(notify, timeout=10) as r:
            assert r.read() == b"sent"
        assert got.get(timeout=10) == ("notice", "news")
    finally:
        client.disconnect()


def test_socketio_refuses_a_bad_token(base_url: str) -> None:
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(base_url, auth={"token": "bad"}, wait_timeout=10)
    assert not client.connected


def test_flask_serves_the_rest_of_the_port(base_url: str) -> None:
    with urllib.request.urlopen(f"{base_url}/hello", timeout=10) as r:
        assert json.loads(r.read()) == {
            "flask": "hello",
            "started": ["flask lifespan ran"],
        }

    async def main() -> list[t.Any]:
        ws_url = base_url.replace("http", "ws", 1)
        got = []
        for path in ("/ws", "/sock"):
            async with connect(ws_url + path) as ws:
                await ws.send("hi")
                got.append(await ws.recv())
        return got

    assert asyncio.run(asyncio.wait_for(main(), 30)) == [
        "flask: hi",
        "flask-sock: hi",
    ]
