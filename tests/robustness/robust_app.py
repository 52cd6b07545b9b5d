"""The app the robustness suite loads, in-process and under real servers.

Every view reports what it saw of the request-bound state (``g``,
``request``, ``session``) so a client can tell whether another request's
state leaked into its own. The client sends one id three ways (URL segment,
query string, ``X-Client-Id`` header) and keeps it in its session; all must
agree in the reply. Views yield the CPU (a short sleep) so that concurrent
requests overlap. Servers load it with ``robust_app:create_app()``.
"""

from __future__ import annotations

import asyncio
import collections
import os
import threading
import time
import typing as t

import flask
from flask import abort
from flask import copy_current_request_context
from flask import Flask
from flask import g
from flask import jsonify
from flask import request
from flask import Response
from flask import session
from flask import stream_with_context

#: How long a view pauses so that concurrent requests interleave.
PAUSE = 0.002
THREAD_TIMEOUT = 10.0


class Probe(Exception):
    """Raised by ``/fail`` and answered by an error handler."""


def seen() -> dict[str, t.Any]:
    """What the current request sees of its own state."""
    return {
        "g": g.get("cid"),
        "query": request.args.get("id"),
        "header": request.headers.get("X-Client-Id"),
        "session": session.get("cid"),
        "seq": session.get("seq"),
    }


def create_app(pause: float = PAUSE) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "robustness secret"
    # Replies of detached threads; bounded so a long run keeps only a few.
    app.extensions["robust_detached"] = collections.deque(maxlen=16)
    lock = threading.Lock()
    inflight = {"now": 0, "peak": 0, "endless_closed": 0}

    @app.get("/stats")
    def stats() -> dict[str, t.Any]:
        """Requests in flight now (this one included) and at most so far,
        endless streams closed, and which process and flask package."""
        with lock:
            return {**inflight, "pid": os.getpid(), "flask": flask.__file__}

    @app.before_request
    def load_client() -> None:
        # ``g`` starts empty for every request: anything already there was
        # left behind by an earlier request on this thread.
        g.leftover = sorted(g)
        g.cid = request.headers.get("X-Client-Id")
        g.view_arg = (request.view_args or {}).get("cid")

    @app.before_request
    def count_in() -> None:
        # Marked in ``g`` (after ``leftover`` was taken): a context copied
        # by ``copy_current_request_context`` has its own ``g`` and runs the
        # teardown functions again when it is popped, as in Flask.
        g._inflight = True
        with lock:
            inflight["now"] += 1
            inflight["peak"] = max(inflight["peak"], inflight["now"])

    @app.teardown_request
    def count_out(exc: BaseException | None) -> None:
        if g.pop("_inflight", False):
            with lock:
                inflight["now"] -= 1

    def pause_now() -> None:
        if pause:
            time.sleep(pause)

    def report(kind: str, **extra: t.Any) -> dict[str, t.Any]:
        return {
            "kind": kind,
            "path": g.view_arg,
            "leftover": g.leftover,
            **seen(),
            **extra,
        }

    @app.post("/login/<cid>")
    def login(cid: str) -> Response:
        session.clear()
        session["cid"] = cid
        session["seq"] = 0
        return jsonify(report("login"))

    @app.route("/echo/<cid>", methods=["GET", "POST"])
    def echo(cid: str) -> Response:
        before = seen()
        pause_now()
        # The state must not change while the request was paused.
        after = seen()
        if "seq" in session:
            session["seq"] += 1
        body = request.get_json(silent=True) if request.method == "POST" else None
        return jsonify(report("echo", body=body, stable=before == after))

    @app.get("/stream/<cid>")
    def stream(cid: str) -> Response:
        count = request.args.get("chunks", 3, type=int)

        @stream_with_context
        def generate() -> t.Iterator[str]:
            for i in range(count):
                pause_now()
                info = seen()
                yield f"{i}:{info['g']}:{info['query']}:{info['session']};"

        # The decorator form is typed as returning an iterator, as in Flask.
        return Response(generate(), mimetype="text/plain")  # type: ignore[operator]

    @app.get("/stream-fail/<cid>")
    def stream_fail(cid: str) -> Response:
        @stream_with_context
        def generate() -> t.Iterator[str]:
            yield f"{seen()['query']};"
            raise Probe(cid)

        # The decorator form is typed as returning an iterator, as in Flask.
        return Response(generate(), mimetype="text/plain")  # type: ignore[operator]

    @app.get("/endless/<cid>")
    def endless(cid: str) -> Response:
        """Stream until the client goes away; the server must then close the
        response so the context is torn down."""

        @stream_with_context
        def generate() -> t.Iterator[str]:
            try:
                yield f"{os.getpid()}\n"
                while True:
                    time.sleep(0.01)
                    yield f"{seen()['query']}" * 64
            finally:
                with lock:
                    inflight["endless_closed"] += 1

        # The decorator form is typed as returning an iterator, as in Flask.
        return Response(generate(), mimetype="text/plain")  # type: ignore[operator]

    @app.get("/thread/<cid>")
    def in_thread(cid: str) -> Response:
        results: list[dict[str, t.Any]] = []

        @copy_current_request_context
        def work() -> None:
            pause_now()
            results.append(seen())

        worker = threading.Thread(target=work)
        worker.start()
        worker.join(THREAD_TIMEOUT)
        return jsonify(report("thread", thread=results[0] if results else None))

    @app.get("/detached/<cid>")
    def detached(cid: str) -> Response:
        """Start a thread with the copied context and answer without waiting:
        the thread may outlive the request."""

        @copy_current_request_context
        def work() -> None:
            pause_now()
            app.extensions["robust_detached"].append(seen())

        worker = threading.Thread(target=work)
        worker.start()
        return jsonify(report("detached"))

    @app.get("/async/<cid>")
    async def async_view(cid: str) -> Response:
        before = seen()
        if pause:
            await asyncio.sleep(pause)
        after = seen()
        return jsonify(report("async", stable=before == after))

    @app.get("/abort/<cid>")
    def aborts(cid: str) -> Response:
        pause_now()
        abort(403)

    @app.get("/fail/<cid>")
    def fail(cid: str) -> Response:
        pause_now()
        raise Probe(cid)

    @app.get("/crash/<cid>")
    def crash(cid: str) -> Response:
        """An unhandled error: a logged 500 (unless exceptions propagate)."""
        raise RuntimeError(cid)

    @app.errorhandler(403)
    @app.errorhandler(404)
    def http_error(e: t.Any) -> tuple[Response, int]:
        return jsonify(report(f"http-{e.code}")), e.code

    @app.errorhandler(Probe)
    def probe_error(e: Probe) -> tuple[Response, int]:
        return jsonify(report("probe", raised=str(e))), 500

    return app
