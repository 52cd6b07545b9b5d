"""Memory stays flat under load: no context, request, response, ``g`` or
session object outlives its request.

Requests are direct WSGI calls into the app (as a server makes them:
``app(environ, start_response)``, iterate the body, ``close()`` it), so many
thousands run in a few seconds. Every kind of request is covered: sessions,
JSON bodies, streamed responses (read fully, abandoned after one chunk, or
closed unread as when a client disconnects), ``copy_current_request_context``
threads (joined or outliving the request), async views, ``abort``, handled
and unhandled errors, 404 and 405.
"""

from __future__ import annotations

import gc
import io
import json
import os
import sys
import threading
import time
import tracemalloc
import typing as t

import pytest
from robust_app import create_app
from robust_app import Probe
from werkzeug.test import EnvironBuilder

import flask
from flask import Flask

#: Requests in the long run, and how many of them run under tracemalloc
#: (which slows everything down several times).
LONG_RUN = int(os.environ.get("ROBUST_LONG_RUN", "50000"))
TRACED_RUN = 1_000
#: Allowed growth over the long run: far below one leaked object per
#: request, above the noise of interpreter caches.
MAX_BLOCK_GROWTH = 2_000
MAX_TRACED_GROWTH = 64 * 1024

CID = "mem-client"


class Kind(t.NamedTuple):
    name: str
    method: str
    path: str
    status: int
    #: "all": read the whole body; "one": read one chunk then close (a
    #: client that went away); "none": close without reading; "raise": the
    #: body fails after its first chunk.
    consume: str = "all"
    body: bytes | None = None
    expect: bytes | None = None
    #: Share of the long run: threads are costly to start, so they run less
    #: often than the cheap kinds.
    weight: int = 4


STREAM_BODY = f"0:{CID}:{CID}:{CID};1:{CID}:{CID}:{CID};".encode()

KINDS = [
    Kind("echo", "GET", f"/echo/{CID}", 200),
    Kind("post", "POST", f"/echo/{CID}", 200, body=b'{"a": [1, {"b": "c"}]}', weight=2),
    Kind("bad-json", "POST", f"/echo/{CID}", 200, body=b'{"a": ', weight=2),
    Kind("stream", "GET", f"/stream/{CID}?chunks=2", 200, expect=STREAM_BODY),
    Kind("stream-abandoned", "GET", f"/stream/{CID}?chunks=5", 200, "one", weight=2),
    Kind("stream-unread", "GET", f"/stream/{CID}?chunks=5", 200, "none"),
    Kind("stream-raises", "GET", f"/stream-fail/{CID}", 200, "raise", weight=1),
    Kind("thread", "GET", f"/thread/{CID}", 200, weight=1),
    Kind("detached-thread", "GET", f"/detached/{CID}", 200, weight=1),
    Kind("async", "GET", f"/async/{CID}", 200),
    Kind("abort", "GET", f"/abort/{CID}", 403),
    Kind("handled-error", "GET", f"/fail/{CID}", 500),
    Kind("unhandled-error", "GET", f"/crash/{CID}", 500),
    Kind("not-found", "GET", f"/missing/{CID}", 404),
    Kind("method-not-allowed", "DELETE", f"/echo/{CID}", 405),
    Kind("login", "POST", f"/login/{CID}", 200, weight=2),
]
#: The rotation of the long runs, every kind in proportion to its weight.
MIX = [kind for kind in KINDS for _ in range(kind.weight)]


def _tracked_types() -> tuple[type, ...]:
    types: list[type] = [
        flask.ctx.AppContext,
        flask.ctx._AppCtxGlobals,
        flask.Request,
        flask.Response,
        flask.sessions.SecureCookieSession,
    ]
    # Flask before 3.2 has a separate request context class; looked up in
    # the module dict so no deprecation warning is triggered.
    old = vars(flask.ctx).get("RequestContext")
    if isinstance(old, type) and old not in types:
        types.append(old)
    return tuple(types)


def live_objects() -> dict[str, int]:
    """How many objects of each request-scoped type are alive."""
    gc.collect()
    types = _tracked_types()
    counts = {tp.__name__: 0 for tp in types}
    for obj in gc.get_objects():
        # type(), not isinstance(): a dead weakref.proxy (a JSON provider
        # of a collected app) raises ReferenceError when asked its class.
        if issubclass(type(obj), types):
            counts[type(obj).__name__] += 1
    return counts


def assert_no_growth(before: dict[str, int], after: dict[str, int]) -> None:
    """No more request-scoped objects alive than before (other tests in the
    same process may free some of theirs meanwhile, never add)."""
    grown = {name: (before[name], after[name]) for name in after}
    grown = {name: pair for name, pair in grown.items() if pair[1] > pair[0]}
    assert not grown, f"(before, after) {grown}"


class Runner:
    """Calls the app the way a WSGI server does."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        login = app.test_client().post(f"/login/{CID}")
        cookie = login.headers["Set-Cookie"].split(";", 1)[0]
        self.environs = {}
        for kind in KINDS:
            path, _, query = kind.path.partition("?")
            headers = [("X-Client-Id", CID), ("Cookie", cookie)]
            builder = EnvironBuilder(
                path=path,
                method=kind.method,
                query_string=f"{query}&id={CID}" if query else f"id={CID}",
                headers=headers,
                data=kind.body,
                content_type="application/json" if kind.body else None,
            )
            try:
                self.environs[kind.name] = builder.get_environ()
            finally:
                builder.close()

    def call(self, kind: Kind) -> tuple[str, bytes]:
        environ = dict(self.environs[kind.name])
        environ["wsgi.input"] = io.BytesIO(kind.body or b"")
        statuses: list[str] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            statuses.append(status)
            return lambda data: None

        app_iter = self.app(environ, start_response)
        try:
            if kind.consume == "all":
                data = b"".join(app_iter)
            elif kind.consume == "raise":
                with pytest.raises(Probe):
                    b"".join(app_iter)
                data = b""
            elif kind.consume == "one":
                data = next(iter(app_iter), b"")
            else:
                data = b""
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return statuses[0], data

    def run(self, kinds: list[Kind], count: int) -> None:
        existing = set(threading.enumerate())
        for i in range(count):
            kind = kinds[i % len(kinds)]
            status, data = self.call(kind)
            if int(status[:3]) != kind.status:
                pytest.fail(f"{kind.name}: {status} {data[:300]!r}")
            if kind.expect is not None and data != kind.expect:
                pytest.fail(f"{kind.name}: {data[:300]!r}")
        assert not flask.has_app_context()
        wait_for_threads(existing)


def wait_for_threads(existing: set[threading.Thread], timeout: float = 10.0) -> None:
    """Wait until the threads started since ``existing`` was taken (by
    views, detached ones included) have ended."""
    deadline = time.monotonic() + timeout
    while True:
        others = [th for th in threading.enumerate() if th not in existing]
        if not others:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"threads still running: {others}")
        others[0].join(0.1)


@pytest.fixture
def runner() -> t.Iterator[Runner]:
    app = create_app(pause=0)
    # Exceptions become 500 responses as in production; the unhandled
    # error would otherwise be logged on every request.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    try:
        yield Runner(app)
    finally:
        app.logger.disabled = False


def test_every_kind_answers_correctly(runner: Runner) -> None:
    existing = set(threading.enumerate())
    for kind in KINDS:
        status, data = runner.call(kind)
        assert int(status[:3]) == kind.status, (kind.name, status, data)
        # The 405 and the unhandled error get the default HTML pages.
        if kind.consume == "all" and kind.status in (200, 403, 404):
            if kind.expect is None:
                reply = json.loads(data)
                assert reply["g"] == CID
                assert reply["query"] == CID
                assert reply["session"] == CID
    wait_for_threads(existing)
    detached = runner.app.extensions["robust_detached"]
    assert list(detached)[-1]["query"] == CID
    assert list(detached)[-1]["session"] == CID


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_no_request_objects_left_behind(runner: Runner, kind: Kind) -> None:
    """After each kind of request, nothing request-scoped stays alive."""
    runner.run([kind], 10)
    before = live_objects()
    runner.run([kind], 150)
    after = live_objects()
    assert_no_growth(before, after)


def test_memory_flat_over_many_requests(runner: Runner) -> None:
    """A long mixed run keeps memory flat: allocated blocks barely move and
    no request-scoped object is left, and a traced part of the run shows
    no growth attributable to the requests."""
    runner.run(MIX, 3 * len(MIX))
    before = live_objects()
    blocks_before = sys.getallocatedblocks()

    runner.run(MIX, LONG_RUN)

    after = live_objects()
    blocks_after = sys.getallocatedblocks()
    assert_no_growth(before, after)
    assert blocks_after - blocks_before < MAX_BLOCK_GROWTH, (
        blocks_before,
        blocks_after,
    )

    tracemalloc.start(5)
    try:
        gc.collect()
        first = tracemalloc.take_snapshot()
        runner.run(MIX, TRACED_RUN)
        gc.collect()
        second = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = second.filter_traces(filters).compare_to(
        first.filter_traces(filters), "traceback"
    )
    growth = sum(stat.size_diff for stat in stats)
    top = "\n".join(
        "\n".join(stat.traceback.format()) + f"  +{stat.size_diff}B"
        for stat in stats[:5]
    )
    assert growth < MAX_TRACED_GROWTH, f"grew {growth} bytes; top:\n{top}"


def test_detector_sees_a_leak() -> None:
    """The counts above would catch requests kept alive by the app."""
    app = create_app(pause=0)
    kept: list[t.Any] = []

    @app.after_request
    def keep(response: flask.Response) -> flask.Response:
        request = t.cast(t.Any, flask.request)._get_current_object()
        kept.append((request, response))
        return response

    runner = Runner(app)
    before = live_objects()
    runner.run([KINDS[0]], 50)
    after = live_objects()
    assert after["Request"] - before["Request"] == 50
    assert after["Response"] - before["Response"] == 50
