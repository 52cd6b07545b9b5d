"""Many threads sending requests through one app with the test client at
the same time: each request sees only its own ``g``, request and session.

The same scripted clients as the server tests run in-process, either each
thread with its own test client or all threads sharing one (cookies are
passed by hand, so sharing a client shares no session).
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait

import pytest
import robust_app
from robust_app import create_app
from robust_client import ScriptedClient
from robust_client import test_client_sender

import flask

THREADS = 16
REQUESTS_PER_CLIENT = 40
TIMEOUT = 60.0


def _run_clients(
    make_sender: t.Callable[[], t.Any], threads: int = THREADS
) -> list[ScriptedClient]:
    # All clients start together so their requests overlap from the start.
    barrier = threading.Barrier(threads, timeout=TIMEOUT)

    def run(client: ScriptedClient) -> ScriptedClient:
        barrier.wait()
        return client.run(REQUESTS_PER_CLIENT)

    clients = [ScriptedClient(make_sender(), n) for n in range(threads)]
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        futures = [pool.submit(run, c) for c in clients]
        finished, pending = wait(futures, timeout=TIMEOUT)
        assert not pending, f"{len(pending)} clients still running after the bound"
        for future in finished:
            future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return clients


def _own_client(app: flask.Flask) -> t.Any:
    return test_client_sender(app.test_client(use_cookies=False))


def _problems(clients: list[ScriptedClient]) -> list[str]:
    return [f"{c.cid} {p}" for c in clients for p in c.problems]


def test_threads_with_own_test_clients() -> None:
    app = create_app()
    clients = _run_clients(lambda: _own_client(app))
    assert _problems(clients) == []
    assert sum(c.done for c in clients) == THREADS * (REQUESTS_PER_CLIENT + 1)
    assert not flask.has_app_context()


def test_threads_sharing_one_test_client() -> None:
    app = create_app()
    shared = test_client_sender(app.test_client(use_cookies=False))
    clients = _run_clients(lambda: shared)
    assert _problems(clients) == []
    assert sum(c.done for c in clients) == THREADS * (REQUESTS_PER_CLIENT + 1)


def test_checker_sees_cross_talk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above would catch a ``g`` shared between requests: here
    the views use one namespace for every request."""
    shared_g = flask.ctx._AppCtxGlobals()
    monkeypatch.setattr(robust_app, "g", shared_g)
    app = create_app()
    clients = _run_clients(lambda: _own_client(app), 4)
    problems = "\n".join(_problems(clients))
    # State left over by an earlier request, and another client's id.
    assert "'leftover'" in problems
    assert "'g'" in problems


def _open_fds() -> int | None:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def _live(kind: type) -> list[t.Any]:
    gc.collect()
    # type(): a dead weakref.proxy raises ReferenceError on isinstance().
    return [o for o in gc.get_objects() if issubclass(type(o), kind)]


def test_async_views_in_short_lived_threads_leave_no_event_loops() -> None:
    """A thread-per-request server: every request runs an async view in a
    new thread. No event loop (with its selector and file descriptors)
    outlives its thread."""
    app = create_app(pause=0)
    client = app.test_client(use_cookies=False)
    send = test_client_sender(client)
    headers = {"X-Client-Id": "x"}
    assert send("GET", "/async/x?id=x", headers, None).status == 200
    fds = _open_fds()
    loops = len(_live(asyncio.AbstractEventLoop))
    replies: list[int] = []

    def one() -> None:
        replies.append(send("GET", "/async/x?id=x", headers, None).status)

    for _ in range(100):
        worker = threading.Thread(target=one)
        worker.start()
        worker.join(TIMEOUT)
    assert replies == [200] * 100
    assert len(_live(asyncio.AbstractEventLoop)) <= loops
    after = _open_fds()
    # A leak would be two or more descriptors per thread; allow for a few
    # opened meanwhile by anything else in the process.
    assert fds is None or after is None or after <= fds + 5, (fds, after)


def test_fire_and_forget_tasks_do_not_pile_up() -> None:
    """Tasks an async view starts and never awaits do not accumulate
    across requests handled by the same thread."""
    app = flask.Flask(__name__)

    @app.get("/")
    async def start_task() -> str:
        asyncio.get_running_loop().create_task(asyncio.sleep(3600))
        return "started"

    client = app.test_client()
    for _ in range(200):
        assert client.get("/").data == b"started"
    pending = [task for task in _live(asyncio.Task) if not task.done()]
    assert pending == []
