"""Concurrent clients against the app under real multi-threaded servers.

Gunicorn (gthread workers) and waitress are started as subprocesses on a
free port of 127.0.0.1. Many clients, each a thread with its own id and
session, send a fixed number of requests of every kind (plain, JSON body,
streamed, ``copy_current_request_context`` thread, async view, abort,
handled error, 404). Every reply must be correct and show only the
client's own ``g``, request and session, with no failed request.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import sys
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait

import pytest
from robust_client import free_port
from robust_client import gunicorn_cmd
from robust_client import http_sender
from robust_client import REQUEST_TIMEOUT
from robust_client import ScriptedClient
from robust_client import serve
from robust_client import waitress_cmd

import flask

CLIENTS = 32
REQUESTS_PER_CLIENT = 48
#: A bound on the whole load phase; a healthy run takes a few seconds.
LOAD_TIMEOUT = 90.0
DISCONNECT_TIMEOUT = 10.0

needs_gunicorn = pytest.mark.skipif(
    importlib.util.find_spec("gunicorn") is None or sys.platform == "win32",
    reason="gunicorn is not installed (pip install -r requirements/deploy.txt)",
)
needs_waitress = pytest.mark.skipif(
    importlib.util.find_spec("waitress") is None,
    reason="waitress is not installed (pip install -r requirements/deploy.txt)",
)


def _load(port: int) -> list[ScriptedClient]:
    """Run all clients at once; return them when every one has finished."""
    send = http_sender(port)
    clients = [ScriptedClient(send, n) for n in range(CLIENTS)]
    pool = ThreadPoolExecutor(max_workers=CLIENTS)
    try:
        futures = [pool.submit(c.run, REQUESTS_PER_CLIENT) for c in clients]
        finished, pending = wait(futures, timeout=LOAD_TIMEOUT)
        assert not pending, f"{len(pending)} clients still running after the bound"
        for future in finished:
            future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return clients


def _assert_clean(clients: list[ScriptedClient], log_path: str) -> None:
    problems = [f"{c.cid} {p}" for c in clients for p in c.problems]
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    assert not problems, "\n".join(problems[:20]) + f"\n--- server log:\n{log}"
    assert sum(c.done for c in clients) == CLIENTS * (REQUESTS_PER_CLIENT + 1)
    # Handled errors are answered by error handlers: nothing is logged.
    assert "Traceback" not in log, log


def _stats(port: int) -> dict[str, t.Any]:
    reply = http_sender(port)("GET", "/stats", {}, None)
    assert reply.status == 200
    return t.cast(dict[str, t.Any], json.loads(reply.body))


def _check_client_disconnect(port: int) -> None:
    """A client that goes away in the middle of an endless streamed
    response: the server closes the response, which ends the stream and
    tears the request down (nothing stays in flight)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", "/endless/gone?id=gone")
        resp = conn.getresponse()
        assert resp.status == 200
        pid = int(resp.read(64).split(b"\n", 1)[0])
        resp.close()
    finally:
        conn.close()
    deadline = time.monotonic() + DISCONNECT_TIMEOUT
    while True:
        stats = _stats(port)
        # Several workers: only the one that served the stream can tell.
        if stats["pid"] == pid:
            # "now" counts this /stats request itself.
            if stats["now"] == 1 and stats["endless_closed"] == 1:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"stream not closed after the client left: {stats}")
        time.sleep(0.05)


def _peak(port: int) -> int:
    """The server's peak of concurrent requests; also checks that it runs
    the flask package under test."""
    data = _stats(port)
    assert data["flask"] == flask.__file__
    return int(data["peak"])


@needs_gunicorn
def test_gunicorn_gthread_no_cross_talk(tmp_path: t.Any) -> None:
    port = free_port()
    cmd = gunicorn_cmd(port, workers=2, threads=8)
    with serve(cmd, port, str(tmp_path / "gunicorn.log")) as log_path:
        start = time.monotonic()
        clients = _load(port)
        elapsed = time.monotonic() - start
        peak = _peak(port)
        _check_client_disconnect(port)
    _assert_clean(clients, log_path)
    # The requests really overlapped inside a worker.
    assert peak >= 2, peak
    assert elapsed < LOAD_TIMEOUT


@needs_waitress
def test_waitress_no_cross_talk(tmp_path: t.Any) -> None:
    port = free_port()
    with serve(waitress_cmd(port, threads=8), port, str(tmp_path / "w.log")) as log:
        clients = _load(port)
        peak = _peak(port)
        _check_client_disconnect(port)
    _assert_clean(clients, log)
    assert peak >= 2, peak
