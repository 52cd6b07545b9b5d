"""The ASGI door under clients a production server must survive, through
real uvicorn and hypercorn processes and a raw-socket client: bodies that
stop half way, clients that vanish mid-stream, slow uploads, huge bodies,
odd framing. Each test is a defect found in a black-box review; the app is
``hardening_app.py`` (4 worker threads, 2 s body timeout)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
import typing as t

import pytest
import rawhttp
from server_process import free_port
from server_process import serve

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")
SERVERS = ["uvicorn", "hypercorn"]

pytest.importorskip("uvicorn")
pytest.importorskip("hypercorn")


def command(server: str, target: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [
            *(sys.executable, "-m", "uvicorn", target),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
        ]
    return [
        *(sys.executable, "-m", "hypercorn", target),
        *("--bind", f"127.0.0.1:{port}", "--graceful-timeout", "30"),
    ]


class Server(t.NamedTuple):
    name: str
    port: int
    events: t.Any
    log: t.Any
    proc: t.Any

    def lines(self) -> list[str]:
        return t.cast(str, self.events.read_text()).splitlines()

    def wait_events(self, *wanted: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(w in self.lines() for w in wanted):
                return True
            time.sleep(0.05)
        return False


@contextlib.contextmanager
def running(
    name: str, tmp: t.Any, target: str = "hardening_app:asgi", **env: str
) -> t.Iterator[Server]:
    port = free_port()
    events = tmp / f"events-{name}-{port}.txt"
    events.write_text("")
    log = tmp / f"{name}-{port}.log"
    old = dict(os.environ)
    os.environ.update(env, ASGI_TEST_EVENTS=str(events))
    try:
        with serve(
            command(name, target, port),
            port,
            str(log),
            cwd=HERE,
            pythonpath=[HERE, SRC],
            start_timeout=30,
        ) as proc:
            yield Server(name, port, events, log, proc)
    finally:
        os.environ.clear()
        os.environ.update(old)


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[Server]:
    with running(request.param, tmp_path_factory.mktemp("hardening")) as srv:
        yield srv


def partial_post(
    port: int, path: str, length: int, sent: bytes, **headers: str
) -> socket.socket:
    """A connection that declared ``length`` body bytes and sent ``sent``."""
    s = rawhttp.connect(port)
    fields = {"Content-Length": str(length)}
    fields.update((k.replace("_", "-"), v) for k, v in headers.items())
    s.sendall(rawhttp.head("POST", path, fields) + sent)
    return s


# -- 1. a client that leaves a stream is noticed, whatever its body ------------


@pytest.mark.parametrize("kind", ["stream", "astream"])
def test_stream_notices_disconnect_while_body_unread(server: Server, kind: str) -> None:
    """The body was only partly sent (past what is received up front), the
    client reads a little of the stream and leaves: the generator is
    closed and the teardown runs, once each."""
    rid = f"{kind}-partial-{server.name}"
    # Past what is received before the view runs: 1 MiB (spill_size) for a
    # sync view, 16 MiB (read_ahead) for an async one.
    sent = (1 if kind == "stream" else 17) << 20
    s = partial_post(server.port, f"/{kind}?rid={rid}", 40 << 20, b"x" * sent)
    rawhttp.Reader(s).read_until(b"chunk", 2 if kind == "stream" else 1)
    s.close()
    assert server.wait_events(f"closed {rid}", f"teardown {rid}")
    time.sleep(0.2)
    lines = server.lines()
    assert lines.count(f"closed {rid}") == lines.count(f"teardown {rid}") == 1


def test_abandoned_blocking_streams_free_their_threads(server: Server) -> None:
    """Four SSE-like streams (a thread each, blocked between chunks) whose
    clients vanish: with 4 worker threads, sync requests are served again
    as soon as each stream's current chunk ends."""
    socks = []
    for i in range(4):
        rid = f"sse-{i}-{server.name}"
        s = partial_post(
            server.port, f"/stream?rid={rid}&pause=0.5", 4 << 20, b"x" * (1 << 20)
        )
        rawhttp.Reader(s).read_until(b"chunk")
        socks.append(s)
    for s in socks:
        s.close()
    rids = [f"sse-{i}-{server.name}" for i in range(4)]
    assert server.wait_events(*(f"closed {r}" for r in rids), timeout=5)
    r, took = rawhttp.timed(lambda: rawhttp.request(server.port, "GET", "/hello"))
    assert (r.status, r.body) == (200, b"hello")
    assert took < 1, took


@pytest.mark.parametrize("name", SERVERS)
def test_graceful_shutdown_after_abandoned_stream(name: str, tmp_path: t.Any) -> None:
    with running(name, tmp_path) as srv:
        rid = f"shutdown-{name}"
        s = partial_post(srv.port, f"/stream?rid={rid}", 4 << 20, b"x" * (1 << 20))
        rawhttp.Reader(s).read_until(b"chunk", 2)
        s.close()
        assert srv.wait_events(f"closed {rid}", f"teardown {rid}")
        start = time.monotonic()
        os.killpg(srv.proc.pid, signal.SIGTERM)
        srv.proc.wait(timeout=20)
        assert time.monotonic() - start < 5


# -- 2. async code called through ensure_sync reads a body of many messages ----


def _json_body(n: int) -> bytes:
    return json.dumps({"items": ["x" * 100] * n}).encode()


@pytest.mark.parametrize("size", [1_500, 30_000])  # ~150 KB and ~3 MB
@pytest.mark.parametrize("path", ["/items", "/decorated"])
def test_ensure_sync_view_reads_body_of_many_messages(
    server: Server, path: str, size: int
) -> None:
    body = _json_body(size)
    with rawhttp.connect(server.port) as s:
        s.sendall(
            rawhttp.head(
                "POST",
                path,
                {
                    "Content-Length": str(len(body)),
                    "Content-Type": "application/json",
                    "X-User": "ann",
                    "Connection": "close",
                },
            )
        )
        # In pieces, so the server delivers several http.request messages.
        for i in range(0, len(body), 50_000):
            s.sendall(body[i : i + 50_000])
            time.sleep(0.002)
        r = rawhttp.Reader(s).response()
    assert r.status == 200, r
    assert json.loads(r.body) == {"items": size}


# -- 3. slow uploads cost a coroutine, not a thread; stalls end in 408 ---------


def test_slow_uploads_do_not_pin_threads(server: Server) -> None:
    stalled = [
        partial_post(
            server.port,
            "/form",
            100,
            b"a",
            Content_Type="application/x-www-form-urlencoded",
        )
        for _ in range(12)
    ]
    try:
        time.sleep(0.2)
        for path, status in (("/hello", 200), ("/missing", 404), ("/ahello", 200)):
            r, took = rawhttp.timed(
                lambda p=path: rawhttp.request(server.port, "GET", p)  # type: ignore[misc]
            )
            assert r.status == status
            assert took < 1, (path, took)
        # The body never comes: 408 once the body timeout (2 s) passed.
        for s in stalled:
            s.settimeout(6)
            r = rawhttp.Reader(s).response()
            assert r.status == 408, r
    finally:
        for s in stalled:
            s.close()


def test_stalled_large_upload_read_in_worker_gets_408(server: Server) -> None:
    """Past what is received up front, a sync view reads the body itself
    (backpressure); a client that stops sending gets 408 after the body
    timeout and the thread is freed."""
    with partial_post(server.port, "/upload", 8 << 20, b"x" * (3 << 20)) as s:
        s.settimeout(8)
        r, took = rawhttp.timed(lambda: rawhttp.Reader(s).response())
    assert r.status == 408
    assert 1.5 < took < 6


# -- 4. bodies are not read ahead without bound --------------------------------


def _push_body(sock: socket.socket, total: int, counter: list[int]) -> None:
    chunk = b"x" * (256 * 1024)
    try:
        while counter[0] < total:
            sock.sendall(chunk)
            counter[0] += len(chunk)
    except OSError:
        pass


def test_async_view_does_not_receive_huge_body_first(server: Server) -> None:
    """A 150 MiB body to an async view that ignores it: the answer comes
    after a bounded read-ahead (16 MiB by default), not after the whole
    body was received."""
    total = 150 << 20
    sent = [0]
    with rawhttp.connect(server.port, 20) as s:
        s.sendall(rawhttp.head("GET", "/async-ignore", {"Content-Length": str(total)}))
        pusher = threading.Thread(target=_push_body, args=(s, total, sent))
        pusher.start()
        r = rawhttp.Reader(s).response()
        at_answer = sent[0]
        with contextlib.suppress(OSError):  # the server may have closed it
            s.shutdown(socket.SHUT_RDWR)
        pusher.join(20)
    assert (r.status, r.body) == (200, b"ignored the body")
    assert at_answer < 64 << 20, at_answer


def test_async_view_reading_past_read_ahead_gets_413(server: Server) -> None:
    r = rawhttp.request(server.port, "POST", "/async-read", body=b"x" * (10 << 20))
    assert (r.status, r.body) == (200, str(10 << 20).encode())
    r = rawhttp.request(
        server.port, "POST", "/async-read", body=b"x" * (20 << 20), timeout=30
    )
    assert r.status == 413


def test_large_upload_streamed_with_flat_memory(server: Server) -> None:
    """A 256 MiB upload read through ``request.stream`` raises the server's
    peak RSS by less than 32 MiB (benchmarks/asgi_limits.py measures 1 GiB:
    the cost does not grow with the size)."""
    before = json.loads(rawhttp.request(server.port, "GET", "/rss").body)
    total = 256 << 20
    with rawhttp.connect(server.port, 120) as s:
        s.sendall(rawhttp.head("POST", "/upload", {"Content-Length": str(total)}))
        chunk = b"x" * (1 << 20)
        for _ in range(total >> 20):
            s.sendall(chunk)
        r = rawhttp.Reader(s).response()
    assert r.status == 200
    assert json.loads(r.body)["size"] == total
    after = json.loads(rawhttp.request(server.port, "GET", "/rss").body)
    assert after["maxrss"] - before["maxrss"] < 32 << 20, (before, after)


# -- 5. no user code blocks the loop -------------------------------------------


def test_async_context_processor_does_not_block_loop(server: Server) -> None:
    """Three pages whose async context processor awaits 1 s, and an
    unrelated async request meanwhile: it is answered at once."""
    results: list[t.Any] = []

    def page() -> None:
        results.append(rawhttp.request(server.port, "GET", "/page?s=1"))

    threads = [threading.Thread(target=page) for _ in range(3)]
    for th in threads:
        th.start()
    time.sleep(0.2)
    r, took = rawhttp.timed(lambda: rawhttp.request(server.port, "GET", "/ahello"))
    for th in threads:
        th.join(10)
    assert (r.status, r.body) == (200, b"async hello")
    assert took < 0.5, took
    assert [(p.status, p.body) for p in results] == [(200, b"slow page")] * 3


def test_coroutine_called_from_sync_code_on_loop_is_an_error(server: Server) -> None:
    r = rawhttp.request(server.port, "GET", "/nested")
    assert r.status == 500
    deadline = time.monotonic() + 5
    log = ""
    while time.monotonic() < deadline:
        log = server.log.read_text()
        if "running on the ASGI server's event loop" in log:
            break
        time.sleep(0.05)
    assert "coroutine function 'helper' was called from synchronous code" in log


# -- 6. two framings are refused --------------------------------------------


def test_content_length_and_chunked_refused(server: Server) -> None:
    with rawhttp.connect(server.port) as s:
        s.sendall(
            rawhttp.head(
                "POST",
                "/echo",
                {"Content-Length": "5", "Transfer-Encoding": "chunked"},
            )
            + b"5\r\nhello\r\n0\r\n\r\n"
        )
        r = rawhttp.Reader(s).response()
    assert r.status == 400
    assert r.body != b""


# -- also ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVERS)
def test_expect_continue_over_limit_refused_before_invited(
    name: str, tmp_path: t.Any
) -> None:
    with running(name, tmp_path, "hardening_app:limited_asgi") as srv:
        with rawhttp.connect(srv.port) as s:
            s.sendall(
                rawhttp.head(
                    "POST",
                    "/echo",
                    {"Content-Length": "5000", "Expect": "100-continue"},
                )
            )
            r = rawhttp.Reader(s).response()
        assert r.status == 413
        if name == "uvicorn":
            # uvicorn sends "100 Continue" when the app first receives;
            # hypercorn sends it by itself as soon as the request arrives.
            assert r.interim == []
        # Within the limit the client is invited and the body read.
        with rawhttp.connect(srv.port) as s:
            s.sendall(
                rawhttp.head(
                    "POST",
                    "/echo",
                    {"Content-Length": "5", "Expect": "100-continue"},
                )
            )
            reader = rawhttp.Reader(s)
            status, _ = reader.status_line()
            assert status == 100
            s.sendall(b"hello")
            r = reader.response()
        assert (r.status, r.body) == (200, b"hello")


def test_queued_work_of_departed_clients_is_not_run(server: Server) -> None:
    blockers = []
    for _ in range(4):
        s = rawhttp.connect(server.port)
        s.sendall(rawhttp.head("GET", "/block?s=1.5", {"Connection": "close"}))
        blockers.append(s)
    time.sleep(0.3)  # all four worker threads are busy now
    rids = [f"queued-{server.name}-{i}" for i in range(5)]
    for rid in rids:
        with rawhttp.connect(server.port) as s:
            s.sendall(rawhttp.head("GET", f"/record?rid={rid}"))
            time.sleep(0.05)
    for s in blockers:
        assert rawhttp.Reader(s).response().status == 200
        s.close()
    r = rawhttp.request(server.port, "GET", f"/record?rid=after-{server.name}")
    assert r.status == 200
    assert server.wait_events(f"ran after-{server.name}")
    assert not [line for line in server.lines() if "queued" in line]
