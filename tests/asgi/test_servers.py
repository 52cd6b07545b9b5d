"""Real servers: uvicorn (one worker) and hypercorn, started on 127.0.0.1
with a free port and stopped at the end of each test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
import typing as t

import pytest
from rawclient import get
from rawclient import KeepAlive
from rawclient import many
from server_process import free_port
from server_process import serve

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")

pytest.importorskip("uvicorn")


@contextlib.contextmanager
def uvicorn(
    target: str, tmp_path: t.Any, *extra: str, env: dict[str, str] | None = None
) -> t.Iterator[int]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--backlog",
        "4096",
        "--timeout-keep-alive",
        "30",
        *extra,
    ]
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        with serve(
            cmd,
            port,
            str(tmp_path / f"server-{port}.log"),
            cwd=HERE,
            pythonpath=[HERE, SRC],
            start_timeout=30,
        ):
            yield port
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_lifespan_and_views_share_the_server_loop(tmp_path: t.Any) -> None:
    with uvicorn("serving_app:asgi", tmp_path) as port:
        status, body, _ = asyncio.run(get(port, "/loop"))
    assert (status, body) == (200, b"same loop")


def test_1000_sleepers_close_to_bare_asgi(tmp_path: t.Any) -> None:
    """1,000 concurrent requests to a view awaiting ``asyncio.sleep(1)`` with
    the default thread pool take at most 1.5x what a bare ASGI app that only
    sleeps takes, both measured here with the same raw-socket client."""
    n = 1000
    with uvicorn("serving_app:bare", tmp_path) as port:
        asyncio.run(many(port, "/", 20))  # warm up
        bare, statuses = asyncio.run(many(port, "/", n))
    assert statuses == [200] * n
    with uvicorn("serving_app:asgi", tmp_path) as port:
        asyncio.run(many(port, "/sleep?s=0", 20))
        ours, statuses = asyncio.run(many(port, "/sleep", n))
    assert statuses == [200] * n
    print(f"1000 sleepers: bare {bare:.2f}s, flask asgi {ours:.2f}s")
    assert ours <= 1.5 * bare, (bare, ours)


def test_blocking_sync_view_does_not_delay_async_requests(tmp_path: t.Any) -> None:
    async def scenario(port: int) -> tuple[float, list[float]]:
        blocker = asyncio.ensure_future(get(port, "/block?s=2"))
        await asyncio.sleep(0.2)
        fast = await asyncio.gather(*(get(port, "/sleep?s=0.05") for _ in range(20)))
        status, body, blocked = await blocker
        assert (status, body) == (200, b"blocked")
        assert all(r[0] == 200 for r in fast)
        return blocked, [r[2] for r in fast]

    with uvicorn("serving_app:asgi", tmp_path) as port:
        blocked, latencies = asyncio.run(scenario(port))
    assert blocked >= 2
    assert max(latencies) < 1.0, latencies


def _mixed_client(port: int, worker: int, rounds: int) -> list[str]:
    """One client thread: its own cookie jar, a mix of sync/async views,
    GET/POST, checking each answer belongs to its own request."""
    import http.client

    problems = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie = ""
    rng = random.Random(worker)
    for i in range(rounds):
        n = worker * 1000 + i
        kind = rng.choice(["mixed", "mixed-sync"])
        method = rng.choice(["GET", "POST"])
        body = f"body-{n}" if method == "POST" else ""
        headers = {"Cookie": cookie} if cookie else {}
        conn.request(method, f"/{kind}/{n}?n={n}", body=body or None, headers=headers)
        resp = conn.getresponse()
        data = json.loads(resp.read())
        set_cookie = resp.getheader("Set-Cookie")
        if set_cookie:
            cookie = set_cookie.split(";", 1)[0]
        expected = {
            "g": n,
            "arg": n,
            "path": f"/{kind}/{n}",
            "session": n,
            "body": body,
        }
        if data != expected:
            problems.append(f"{worker}/{i}: {data} != {expected}")
    conn.close()
    return problems


def test_32_threads_no_cross_talk(tmp_path: t.Any) -> None:
    with uvicorn("serving_app:asgi", tmp_path) as port:
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            futures = [pool.submit(_mixed_client, port, w, 25) for w in range(32)]
            problems = [p for f in futures for p in f.result()]
    assert problems == []


def test_memory_flat(tmp_path: t.Any) -> None:
    """30,000 requests (hello, async with session, 404) on 16 keep-alive
    connections: RSS after the second half is within 5 MB of after the
    first half, so nothing grows per request."""
    total = 30_000
    conns = 16

    async def batch(port: int, count: int) -> None:
        clients = [KeepAlive(port) for _ in range(conns)]
        paths = ["/hello", "/mixed/3?n=3", "/missing"]

        async def run(c: KeepAlive, k: int) -> None:
            for i in range(count // conns):
                status, _ = await c.request(paths[(i + k) % 3])
                assert status in (200, 404)

        await asyncio.gather(*(run(c, k) for k, c in enumerate(clients)))
        for c in clients:
            c.close()

    async def rss(port: int) -> int:
        return int((await get(port, "/rss"))[1])

    with uvicorn("serving_app:asgi", tmp_path) as port:
        asyncio.run(batch(port, total // 2))
        first = asyncio.run(rss(port))
        asyncio.run(batch(port, total // 2))
        second = asyncio.run(rss(port))
    assert second - first < 5 * 1024 * 1024, (first, second)


def test_client_disconnect_during_stream_tears_down_once(tmp_path: t.Any) -> None:
    events = tmp_path / "events.txt"
    events.write_text("")
    with uvicorn(
        "serving_app:asgi", tmp_path, env={"ASGI_TEST_EVENTS": str(events)}
    ) as port:
        for rid in ("a", "b", "c"):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(f"GET /stream?rid={rid} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                received = b""
                while received.count(b"chunk") < 3:
                    received += s.recv(4096)
            # The client is gone; the server notices and closes the stream.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                lines = events.read_text().splitlines()
                if f"teardown {rid}" in lines and f"closed {rid}" in lines:
                    break
                time.sleep(0.05)
        time.sleep(0.3)
        lines = events.read_text().splitlines()
    for rid in ("a", "b", "c"):
        assert lines.count(f"closed {rid}") == 1, lines
        assert lines.count(f"teardown {rid}") == 1, lines


def test_hypercorn_http2(tmp_path: t.Any) -> None:
    pytest.importorskip("hypercorn")
    h2 = pytest.importorskip("h2.connection")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "hypercorn",
        "serving_app:asgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    with serve(
        cmd,
        port,
        str(tmp_path / "hypercorn.log"),
        cwd=HERE,
        pythonpath=[HERE, SRC],
        start_timeout=30,
    ):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            # HTTP/2 with prior knowledge (h2c).
            conn = h2.H2Connection()
            conn.initiate_connection()
            conn.send_headers(
                1,
                [
                    (":method", "GET"),
                    (":path", "/mixed/7?n=7"),
                    (":scheme", "http"),
                    (":authority", "localhost"),
                    ("cookie", "a=1"),
                    ("cookie", "b=2"),
                ],
                end_stream=True,
            )
            s.sendall(conn.data_to_send())
            status = None
            body = b""
            done = False
            while not done:
                data = s.recv(65536)
                if not data:
                    break
                for event in conn.receive_data(data):
                    name = type(event).__name__
                    if name == "ResponseReceived":
                        status = dict(event.headers)[b":status"]
                    elif name == "DataReceived":
                        body += event.data
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif name == "StreamEnded":
                        done = True
                s.sendall(conn.data_to_send())
    assert status == b"200"
    assert json.loads(body)["path"] == "/mixed/7"


def test_uvicorn_reports_failed_startup(tmp_path: t.Any) -> None:
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([HERE, SRC, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "serving_app:broken_asgi",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "ConnectionError: database unreachable" in proc.stderr
    assert "Application startup failed" in proc.stderr
