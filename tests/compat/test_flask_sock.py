"""flask-sock (on simple-websocket), unmodified, on both doors.

Under WSGI servers its views upgrade the server's socket; under ASGI
servers and the test client the door gives them one end of a socket pair
and relays the other to the ASGI connection (``flask.asgi._websocket_plain``).
The same client script runs against ``sock_app`` (flask-sock's echo and a
broadcasting chat) served by werkzeug, gunicorn's threaded worker, uvicorn,
hypercorn and granian; the ASGI relay's behaviour under faults (a vanished
client, a client that does not read, many connections) is checked on
uvicorn, and the rest in memory through the test client.
"""

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
from compat_support import pythonpath
from compat_support import require

import flask
from flask.testing import WebsocketResponseError

flask_sock = require("flask_sock")
websockets = pytest.importorskip("websockets")

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TESTS, "websocket"))
from server_process import free_port  # noqa: E402
from server_process import serve  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402
from wsclient import close_code_at_shutdown  # noqa: E402
from wsclient import frame  # noqa: E402
from wsclient import get_json  # noqa: E402
from wsclient import open_ws  # noqa: E402
from wsclient import SHUTDOWN_CODES  # noqa: E402
from wsclient import shutdown_is_tested  # noqa: E402
from wsclient import status_of  # noqa: E402
from wsclient import unread_growth  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(TESTS), "src")
ASGI_SERVERS = ["uvicorn", "hypercorn", "granian"]
SERVERS = ["werkzeug", "gunicorn", *ASGI_SERVERS]


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


# -- in memory, through the ASGI door ----------------------------------------------


def make_app(**options: t.Any) -> tuple[flask.Flask, t.Any]:
    app = flask.Flask(__name__)
    app.config["SOCK_SERVER_OPTIONS"] = options
    return app, flask_sock.Sock(app)


def test_echo_through_the_test_client() -> None:
    app, sock = make_app()

    @sock.route("/echo/<prefix>")
    def echo(ws: t.Any, prefix: str) -> None:
        flask.g.count = 0
        while True:
            data = ws.receive()
            flask.g.count += 1
            if isinstance(data, str):
                data = f"{prefix}{flask.g.count}: {data}"
            ws.send(data)

    with app.test_client().websocket("/echo/n") as ws:
        ws.send("hello")
        assert ws.receive() == "n1: hello"
        ws.send(b"\x00\xff")
        assert ws.receive() == b"\x00\xff"
        big = "é" * (600 * 1024)  # several reads of the pair, both ways
        ws.send(big)
        assert ws.receive() == f"n3: {big}"


def test_subprotocol_close_code_and_request_data() -> None:
    app, sock = make_app(subprotocols=["v2", "v1"])
    app.secret_key = "sock secret"

    @app.route("/login/<name>")
    def login(name: str) -> str:
        flask.session["user"] = name
        return "ok"

    @sock.route("/hello")
    def hello(ws: t.Any) -> None:
        ws.send(f"{flask.session.get('user')} {flask.request.args['q']}")
        ws.close(reason=4001, message="bye")

    client = app.test_client()
    client.get("/login/ann")
    with client.websocket("/hello?q=x", subprotocols=["v1", "v2"]) as ws:
        assert ws.subprotocol == "v1"  # the client's first one the server has
        assert ws.receive() == "ann x"
        with pytest.raises(flask.WebsocketDisconnect) as info:
            ws.receive()
    assert (info.value.code, info.value.reason) == (4001, "bye")


def test_a_view_that_does_not_upgrade_answers_with_its_response() -> None:
    app, sock = make_app()

    @app.before_request
    def need_token() -> t.Any:
        if flask.request.path == "/private" and flask.request.args.get("t") != "s":
            flask.abort(401)
        return None

    @app.before_request
    def fail() -> None:
        if flask.request.args.get("fail"):
            raise KeyError("before the upgrade")

    @sock.route("/private")
    def private(ws: t.Any) -> None:
        ws.send("welcome")

    @app.route("/plain", websocket=True)
    def plain() -> t.Any:
        return "a plain answer", 418, {"X-Plain": "yes"}

    client = app.test_client()
    with pytest.raises(WebsocketResponseError) as info:
        with client.websocket("/private"):
            pass
    assert info.value.response.status_code == 401
    with pytest.raises(WebsocketResponseError) as info:
        with client.websocket("/plain"):
            pass
    response = info.value.response
    assert (response.status_code, response.data) == (418, b"a plain answer")
    assert response.headers["X-Plain"] == "yes"
    with client.websocket("/private?t=s") as ws:
        assert ws.receive() == "welcome"

    app.testing = True  # propagated: the test sees it
    with pytest.raises(KeyError, match="before the upgrade"):
        with client.websocket("/private?t=s&fail=1"):
            pass


def test_client_close_code_reaches_the_view() -> None:
    app, sock = make_app()
    seen: list[t.Any] = []
    done = threading.Event()

    @sock.route("/ws")
    def view(ws: t.Any) -> None:
        try:
            ws.receive()
        except flask_sock.ConnectionClosed as e:
            seen.append((int(e.reason), e.message))
            raise
        finally:
            done.set()

    with app.test_client().websocket("/ws") as ws:
        ws.close(4100, "leaving")
    assert done.wait(5)
    assert seen == [(4100, "leaving")]


def test_error_after_upgrade_closes_1011_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, sock = make_app()

    @sock.route("/boom")
    def boom(ws: t.Any) -> None:
        ws.send("about to fail")
        raise ZeroDivisionError("boom")

    with caplog.at_level(logging.ERROR):
        with app.test_client().websocket("/boom") as ws:
            assert ws.receive() == "about to fail"
            with pytest.raises(flask.WebsocketDisconnect) as info:
                ws.receive()
    assert info.value.code == 1011
    assert "Exception on /boom [GET]" in caplog.text

    app.testing = True  # propagated: the test sees it
    with pytest.raises(ZeroDivisionError):
        with app.test_client().websocket("/boom") as ws:
            ws.receive()
            ws.receive()


def test_pings_are_answered_by_the_relay() -> None:
    """simple-websocket's ``ping_interval`` needs a real socket (it uses a
    selector) and closes the connection when a pong does not come."""
    app, sock = make_app(ping_interval=0.05)

    @sock.route("/slow")
    def slow(ws: t.Any) -> None:
        ws.receive()
        time.sleep(0.4)  # eight pings go unread by the view
        ws.send("still here")

    with app.test_client().websocket("/slow") as ws:
        ws.send("go")
        assert ws.receive() == "still here"


def test_invalid_handshake_response_is_a_500(caplog: pytest.LogCaptureFixture) -> None:
    app = flask.Flask(__name__)

    @app.route("/raw", websocket=True)
    def raw() -> str:
        sock = flask.request.environ["werkzeug.socket"]
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        return ""

    with caplog.at_level(logging.ERROR):
        with pytest.raises(WebsocketResponseError) as info:
            with app.test_client().websocket("/raw"):
                pass
    assert info.value.response.status_code == 500
    assert "status 200, not 101" in caplog.text


def test_http2_handshake_without_key_headers() -> None:
    """An HTTP/2 WebSocket (RFC 8441, hypercorn) has no Upgrade or
    Sec-WebSocket-Key headers, which simple-websocket parses: the door
    fills them in. Driven with ASGI messages, as a server would."""
    app, sock = make_app()

    @sock.route("/echo")
    def echo(ws: t.Any) -> None:
        ws.send(ws.receive())

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "2",
        "scheme": "wss",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"example.com")],  # as hypercorn gives it
        "client": ("127.0.0.1", 1234),
        "server": ("example.com", 443),
        "subprotocols": [],
        "extensions": {},
    }

    async def main() -> list[dict[str, t.Any]]:
        inbox: asyncio.Queue[dict[str, t.Any]] = asyncio.Queue()
        for message in (
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": "over h2"},
        ):
            inbox.put_nowait(message)
        sent: list[dict[str, t.Any]] = []

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)
            if message["type"] == "websocket.send":
                inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})

        await asyncio.wait_for(app.asgi_app(scope, inbox.get, send), 10)
        return sent

    sent = asyncio.run(main())
    assert [m["type"] for m in sent[:2]] == ["websocket.accept", "websocket.send"]
    assert sent[1]["text"] == "over h2"


def _simple_websocket_threads() -> int:
    return sum("simple_websocket" in th.name for th in threading.enumerate())


def _fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def test_many_connections_leave_no_threads_or_sockets() -> None:
    app, sock = make_app()

    @sock.route("/once")
    def once(ws: t.Any) -> None:
        ws.send(ws.receive())

    client = app.test_client()
    with client.websocket("/once") as ws:  # warm up the pool
        ws.send("x")
        ws.receive()
    deadline = time.monotonic() + 5
    while _simple_websocket_threads():  # its thread ends after the view
        assert time.monotonic() < deadline
        time.sleep(0.02)
    before = (0, _fds())
    for i in range(40):
        with client.websocket("/once") as ws:
            ws.send(str(i))
            assert ws.receive() == str(i)
    deadline = time.monotonic() + 5
    while (_simple_websocket_threads(), _fds()) != before:
        assert time.monotonic() < deadline, (
            before,
            _simple_websocket_threads(),
            _fds(),
        )
        time.sleep(0.02)


# -- the same client script on every server ------------------------------------------


class Server(t.NamedTuple):
    name: str
    port: int
    log: str
    proc: t.Any

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def output(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()


def _command(name: str, port: int) -> list[str]:
    py = [sys.executable, "-m"]
    if name == "werkzeug":
        return [*py, "flask", "--app", "sock_app", "run", "--port", str(port)]
    if name == "gunicorn":
        return [
            *py,
            "gunicorn",
            "-k",
            "gthread",
            "--threads",
            "16",
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "2",
            "sock_app:app",
        ]
    if name == "uvicorn":
        return [
            *py,
            "uvicorn",
            "sock_app:asgi",
            "--port",
            str(port),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "2",
        ]
    if name == "hypercorn":
        return [
            *py,
            "hypercorn",
            "sock_app:asgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "1",
        ]
    assert name == "granian"
    return [
        *py,
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "sock_app:asgi",
    ]


@contextlib.contextmanager
def run_server(name: str, tmp: t.Any) -> t.Iterator[Server]:
    pytest.importorskip(name)
    port = free_port()
    log = str(tmp / f"{name}-{port}.log")
    path = pythonpath(HERE, SRC).split(os.pathsep)
    with serve(
        _command(name, port), port, log, cwd=HERE, pythonpath=path, start_timeout=30
    ) as proc:
        yield Server(name, port, log, proc)


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[Server]:
    with run_server(request.param, tmp_path_factory.mktemp("sock")) as srv:
        yield srv


async def client_script(url: str) -> None:
    """What a user of flask-sock's echo and chat examples would check."""
    async with connect(url + "/echo") as ws:
        for data in ["hello", b"\x00\x01\xff", "", b"", "é✓", "x" * 200_000]:
            await ws.send(data)
            assert await ws.recv() == data
    chatters = [await connect(url + "/chat") for _ in range(3)]
    try:
        await asyncio.sleep(0.1)  # every view has registered its socket
        await chatters[0].send("hi all")
        assert [await c.recv() for c in chatters] == ["hi all"] * 3
        await chatters[2].close()
        await chatters[1].send("two left")
        assert [await c.recv() for c in chatters[:2]] == ["two left"] * 2
    finally:
        for c in chatters:
            await c.close()


def test_client_script(server: Server) -> None:
    run(client_script(server.url))


def test_query_close_code_and_rejection(server: Server) -> None:
    async def main() -> tuple[t.Any, ...]:
        async with connect(server.url + "/hello/ann?q=1") as ws:
            greeting = await ws.recv()
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        with pytest.raises(InvalidStatus) as rejected:
            async with connect(server.url + "/private"):
                pass
        rcvd = closed.value.rcvd
        response = rejected.value.response
        return greeting, rcvd and rcvd.code, response.status_code, response.body

    greeting, code, status, body = run(main())
    assert (greeting, code) == ("hello ann 1", 4000)
    assert (status, body) == (401, b"no token")


# -- faults, on the ASGI relay ---------------------------------------------------------


@pytest.fixture(scope="module")
def uvicorn(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[Server]:
    with run_server("uvicorn", tmp_path_factory.mktemp("sock-uvicorn")) as srv:
        yield srv


def wait_for_event(server: Server, wanted: str, timeout: float = 5) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        events: list[str] = get_json(server.port, "/events")["events"]
        if wanted in events or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["vanish", "close"])
def test_client_leaving_ends_the_view_once(uvicorn: Server, how: str) -> None:
    name = f"leave-{how}"

    async def main() -> None:
        reader, writer, head = await open_ws(
            uvicorn.port, f"/wait/{name}", "Sec-WebSocket-Version: 13\r\n"
        )
        assert status_of(head) == 101
        await asyncio.sleep(0.2)
        if how == "close":
            writer.write(frame(8, (1001).to_bytes(2, "big")))
            await writer.drain()
            await asyncio.sleep(0.1)
        writer.transport.abort()

    started = time.monotonic()
    run(main())
    events = wait_for_event(uvicorn, f"teardown {name}")
    assert time.monotonic() - started < 5
    code = 1005 if how == "vanish" else 1001  # no close frame: none to report
    assert [e for e in events if e.endswith(name) or f" {name} " in e] == [
        f"start {name}",
        f"closed {name} {code}",
        f"teardown {name}",
    ]


def test_client_that_does_not_read_holds_the_view_back(uvicorn: Server) -> None:
    name = "noread"

    first, second = run(unread_growth(uvicorn.port, name))
    # The kernel's buffers, one message in the relay, then send() blocks.
    assert second < 32 * 1024 * 1024
    assert second - first <= 2 * 65536


@pytest.mark.parametrize("name", ["uvicorn", "hypercorn"])
def test_shutdown_ends_open_connections(name: str, tmp_path: t.Any) -> None:
    """uvicorn closes them itself (1012); hypercorn cancels the app, which
    tells the view (its ``receive()`` raises) and closes with 1001."""
    if not shutdown_is_tested(name):
        pytest.skip("hypercorn 0.18 on Python 3.12+ leaves them open")
    with run_server(name, tmp_path) as server:
        code = run(close_code_at_shutdown(server.url + "/wait/shutdown", server.proc))
        deadline = time.monotonic() + 10
        while "closed shutdown 1001" not in server.output() and name == "hypercorn":
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
    assert code == SHUTDOWN_CODES[name]


def test_many_connections_leak_nothing(uvicorn: Server) -> None:
    async def one(i: int) -> None:
        async with connect(uvicorn.url + "/echo") as ws:
            await ws.send(str(i))
            assert await ws.recv() == str(i)

    async def many(n: int) -> None:
        sem = asyncio.Semaphore(20)

        async def limited(i: int) -> None:
            async with sem:
                await one(i)

        await asyncio.gather(*(limited(i) for i in range(n)))

    run(many(40))  # the pool grows to the concurrency and stays
    time.sleep(0.3)
    before = get_json(uvicorn.port, "/stats")
    run(many(300))
    deadline = time.monotonic() + 5
    while True:
        after = get_json(uvicorn.port, "/stats")
        same = all(after[k] == before[k] for k in ("threads", "tasks", "fds"))
        if same or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print(f"{before} -> {after}")
    assert (after["threads"], after["tasks"], after["fds"]) == (
        before["threads"],
        before["tasks"],
        before["fds"],
    )
    assert after["pool_threads"] <= 100  # flask.asgi.DEFAULT_WEBSOCKET_THREADS
