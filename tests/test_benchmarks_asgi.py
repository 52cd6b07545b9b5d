"""The ASGI comparison (``benchmarks/asgi_bench.py``) and the in-process
breakdown (``benchmarks/asgi_breakdown.py``).

No timing is asserted: the apps this package serves (and the bare one)
answer what the runner checks before timing, the checks catch a wrong
answer or a framework imported from the wrong place, the ratios and the
report are computed from the samples as documented, and the breakdown's
instrumentation finds every function it wraps (so a change to the ASGI
door that moves one is noticed here) and puts everything back.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import re
import sys
import threading
import typing as t
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

import flask

BENCH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"
)
MODULES = (
    "asgi_bench",
    "asgi_breakdown",
    "asgi_breakdown_worker",
    "run",
    "server_instructions",
    "tfb",
    "tfb_load",
    "tfb_runner",
)


@pytest.fixture(scope="module")
def bench() -> t.Iterator[None]:
    """``benchmarks`` on the path, as the scripts and servers have it."""
    sys.path.insert(0, BENCH)
    try:
        yield
    finally:
        sys.path.remove(BENCH)
        for name in list(sys.modules):
            if name in MODULES or name.startswith("asgi_apps"):
                sys.modules.pop(name, None)


def _run(coro: t.Any) -> t.Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


@pytest.mark.parametrize("module", ["ours", "bare"])
def test_apps_answer_what_the_runner_checks(bench: None, module: str) -> None:
    import asgi_bench
    import asgi_breakdown_worker as worker

    app = importlib.import_module(f"asgi_apps.{module}").app

    async def fetch_all() -> dict[str, t.Any]:
        lifespan = worker.Lifespan(app)
        await lifespan.start()
        try:
            return {
                name: await worker.one(app, path)
                for name, path in asgi_bench.ENDPOINTS.items()
            }
        finally:
            await lifespan.stop()

    got = _run(fetch_all())
    for name, (status, headers, body) in got.items():
        assert asgi_bench.check_response(name, status, headers, body) == []
    assert got["sync"][2] == got["hello"][2] == b"Hello, World!"
    assert json.loads(got["json"][2]) == {"message": "Hello, World!"}


def test_check_response_finds_wrong_answers(bench: None) -> None:
    import asgi_bench

    text = {"content-type": "text/plain; charset=utf-8"}
    js = {"content-type": "application/json"}
    assert asgi_bench.check_response("hello", 200, text, b"Hello, World!") == []
    for body in (b'{"message":"Hello, World!"}\n', b'{"message": "Hello, World!"}'):
        assert asgi_bench.check_response("json", 200, js, body) == []
    assert asgi_bench.check_response("hello", 500, text, b"Hello, World!") == [
        "hello: status 500"
    ]
    assert asgi_bench.check_response("sync", 200, text, b"Hello") == [
        "sync: body b'Hello'"
    ]
    assert asgi_bench.check_response("json", 200, text, b"{}") == [
        "json: content-type 'text/plain; charset=utf-8'",
        "json: body b'{}'",
    ]


def test_origin_is_checked(bench: None, tmp_path: t.Any, monkeypatch: t.Any) -> None:
    """The app module reports where its framework came from; this package's
    must be this checkout's ``src/flask``, the others' must not."""
    import asgi_bench
    from asgi_apps import report_origin

    target = tmp_path / "origin.json"
    monkeypatch.setenv("ASGI_BENCH_ORIGIN", os.fspath(target))
    report_origin("flask", flask)
    origin = json.loads(target.read_text())
    assert origin["framework"] == "flask"
    assert os.path.dirname(origin["file"]) == asgi_bench.OUR_FLASK
    assert asgi_bench.check_origin("ours", origin) == []
    assert asgi_bench.check_origin("starlette", origin) == [
        f"starlette imported flask from {asgi_bench.OUR_FLASK}"
    ]
    elsewhere = {"framework": "flask", "file": "/site-packages/flask/__init__.py"}
    assert asgi_bench.check_origin("ours", elsewhere) == [
        "ours imported flask from /site-packages/flask"
    ]
    assert asgi_bench.check_origin("ours", None) == [
        "the app module did not report where its framework came from"
    ]


def _sample(rnd: int, rps: float, p99: float) -> dict[str, float]:
    return {"rps": rps, "p50": 1.0, "p99": p99, "requests": rps, "round": rnd}


def test_ratios_are_taken_within_rounds(bench: None) -> None:
    import asgi_bench

    samples = {
        "uvicorn": {
            "hello": {
                # The machine was twice as busy in round 1: both slowed down.
                "ours": [_sample(0, 900.0, 4.0), _sample(1, 450.0, 8.0)],
                "starlette": [_sample(0, 1000.0, 2.0), _sample(1, 500.0, 4.0)],
                "quart": [_sample(0, 300.0, 9.0), _sample(1, 225.0, 9.0)],
                "bare": [_sample(0, 1800.0, 1.0)],  # round 1 failed
            }
        }
    }
    result = asgi_bench.summarize(samples)
    ratios = result["ratios"]["uvicorn/hello"]
    assert ratios["starlette"] == asgi_bench.Spread(0.9, 0.9, 0.9)
    assert ratios["quart"] == asgi_bench.Spread(2.5, 2.0, 3.0)
    assert ratios["bare"] == asgi_bench.Spread(0.5, 0.5, 0.5)
    assert ratios["fastapi"] is None
    assert ratios["p99_starlette"] == asgi_bench.Spread(2.0, 2.0, 2.0)
    rps = result["rows"]["uvicorn/hello"]["ours"]["rps"]
    assert rps == asgi_bench.Spread(675.0, 450.0, 900.0)
    result |= {
        "settings": {"connections": 64, "seconds": 3, "rounds": 2},
        "client": "wrk",
        "frameworks": ["ours", "starlette", "quart", "bare"],
        "order": ["uvicorn/hello"],
        "problems": {"granian/quart": ["json: status 500"]},
        "sleepers": {"uvicorn": {"ours": 1.07}},
    }
    text = asgi_bench.report(result)
    rows = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]
    head = ["server", "endpoint", "ours req/s", "/Starlette", "/Quart"]
    head += ["/bare ASGI", "p99/Starlette"]
    assert head in rows
    line = ["uvicorn", "async hello", "675 (450-900)", "0.90", "2.50 (2.00-3.00)"]
    assert [*line, "0.50", "2.00"] in rows
    assert "granian/quart: json: status 500" in text
    assert "1.07" in text
    assert "MISS" not in text and "target" not in text
    json.dumps(asgi_bench._jsonable(result))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        body = b"Hello, World!"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: t.Any) -> None:
        pass


class _Running:
    """Stands in for ``asgi_bench.Server``: a tiny HTTP server in a thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.paths = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def cpu_seconds(self) -> None:
        return None

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def test_load_rounds_interleave_every_framework(bench: None) -> None:
    import asgi_bench

    running = {fw: _Running(f"local/{fw}") for fw in ("ours", "starlette")}
    samples: dict[str, t.Any] = {}
    problems: dict[str, list[str]] = {}
    settings = asgi_bench.Settings(
        rounds=2, seconds=0.1, warm=0, connections=2, client="python"
    )
    try:
        asgi_bench._load_rounds(
            running, "local", ["sync", "json"], settings, samples, problems
        )
    finally:
        for srv in running.values():
            srv.stop()
    assert problems == {}
    for name in ("sync", "json"):
        for fw in ("ours", "starlette"):
            runs = samples["local"][name][fw]
            assert [r["round"] for r in runs] == [0, 1]
            assert all(r["rps"] > 0 and r["p50"] <= r["p99"] for r in runs)
    for srv in running.values():
        assert set(srv.httpd.paths) == {"/sync", "/json"}  # type: ignore[attr-defined]


def test_breakdown_wraps_every_part_and_restores(bench: None) -> None:
    """A tiny in-process run of the breakdown on this package: every wrapped
    function exists, the parts add up to the total, a sync view makes one
    thread hop and an async one none, and nothing stays wrapped."""
    import asgi_breakdown as ab
    import asgi_breakdown_worker as worker

    from flask import asgi as flask_asgi
    from flask.app import Flask
    from flask.asgi import _environ
    from flask.asgi import _http
    from flask.asgi import _lean
    from flask.asgi import _pool
    from flask.ctx import AppContext
    from flask.wrappers import Request

    def wrappable() -> dict[str, t.Any]:
        return {
            "scope": _http.environ_from_scope,
            "scope def": _environ.environ_from_scope,
            "make_response": Flask.make_response,
            "request init": Request.__dict__["__init__"],
            "push": AppContext.push,
            "submit": _pool.WorkerPool.submit,
            "call": flask_asgi.ASGIApp.__call__,
            "lean": _http.serve_lean,
            "parts": _lean.finish,
        }

    from flask import _plain
    from flask import _plan

    before = wrappable()
    kept = (dict(_plan._original), _plain._own)
    ours = importlib.import_module("asgi_apps.ours")
    views = dict(ours.flask_app.view_functions)
    result = worker.measure("ours", 20, 1)
    assert result["missing"] == []
    for name in ab.ENDPOINTS:
        parts = result["parts"][name]
        assert list(parts) == list(ab.CATEGORIES)
        assert sum(parts.values()) == pytest.approx(result["total"][name])
        assert result["total"][name] > 0
        detail = result["detail"][name]
        assert {label for label, _ in ab.DETAIL} <= set(detail)
        assert sum(v for k, v in detail.items() if k != "orchestration") == (
            pytest.approx(detail["orchestration"])
        )
    assert result["hops"] == {"sync": 1.0, "hello": 0.0, "json": 0.0}
    assert result["hop_us"] > 0
    assert wrappable() == before
    assert (dict(_plan._original), _plain._own) == kept  # Flask's own again
    assert ours.flask_app.view_functions == views

    summary = ab.summarize([result, result])
    assert summary["total"]["sync"]["median"] == result["total"]["sync"]
    text = ab.report(
        {"ours": summary, "loop": result["loop"], "rounds": 2, "requests": 20,
         "chunks": 1}
    )  # fmt: skip
    for label in ab.CATEGORY_LABELS.values():
        assert label in text
    assert "Starlette" not in text.split("one thread hop")[0]
    assert "not found" not in text


FAKE_SERVER_VALGRIND = """\
#!{python}
# Stands in for valgrind and the server it runs: serves GET on the port
# that ends the command line, and on SIGINT prints a count for itself and
# one for a child process, made of a start-up cost and a cost per request
# that depends on the path. /missing answers 404; the port "exit" exits.
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

COST = {{"/a": 700, "/b": 300, "/missing": 0}}
served = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        served.append(self.path)
        status = 404 if self.path == "/missing" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


if sys.argv[-1] == "exit":
    sys.exit(3)
server = HTTPServer(("127.0.0.1", int(sys.argv[-1])), Handler)
try:
    server.serve_forever()
except KeyboardInterrupt:
    total = 1_000_000 + sum(COST[p] for p in served)
    print(f"==1== I   refs:      {{total:,}}", file=sys.stderr)
    print("==2== I   refs:      50,000", file=sys.stderr)
"""


@pytest.fixture
def fake_valgrind(bench: None, tmp_path: t.Any, monkeypatch: t.Any) -> t.Any:
    """``server_instructions`` with the stand-in valgrind above."""
    import server_instructions

    fake = tmp_path / "valgrind"
    fake.write_text(FAKE_SERVER_VALGRIND.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(server_instructions.shutil, "which", lambda name: str(fake))
    return server_instructions


def _start(tmp_path: t.Any) -> tuple[list[str], int, dict[str, str], str]:
    import run

    port = run._free_port()
    return ["server", str(port)], port, dict(os.environ), os.fspath(tmp_path)


def test_server_count_adds_every_process(fake_valgrind: t.Any, tmp_path: t.Any) -> None:
    """A count is the sum of every process's instructions, after the
    warm-up of each path and the requests to the counted one; the server is
    stopped with SIGINT so it exits (and valgrind reports) normally."""
    cmd, port, env, cwd = _start(tmp_path)
    got = fake_valgrind.count(
        cmd, port, env, cwd, paths=["/a", "/b"], target="/a", requests=5, warm=2
    )
    assert got == 1_000_000 + 2 * 700 + 2 * 300 + 5 * 700 + 50_000


def test_server_count_stops_a_server_started_with_sigint_ignored(
    fake_valgrind: t.Any, tmp_path: t.Any
) -> None:
    """A runner whose SIGINT is ignored (a background job, some test
    workers) passes that on to its children: the server still gets
    SIGINT's default action, so the SIGINT that stops it works."""
    import signal

    cmd, port, env, cwd = _start(tmp_path)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        got = fake_valgrind.count(cmd, port, env, cwd, paths=["/b"], warm=1)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert got == 1_000_000 + 300 + 50_000


def test_server_per_request_subtracts_the_warm_up_run(
    fake_valgrind: t.Any, tmp_path: t.Any
) -> None:
    got = fake_valgrind.per_request(
        lambda: _start(tmp_path), {"a": "/a", "b": "/b"}, requests=10, warm=3
    )
    assert got == {"a": 700.0, "b": 300.0}


def test_server_count_errors(
    fake_valgrind: t.Any, tmp_path: t.Any, monkeypatch: t.Any
) -> None:
    """A failed answer, a server that exits and a missing valgrind are
    errors with the reason, never a count."""
    cmd, port, env, cwd = _start(tmp_path)
    with pytest.raises(fake_valgrind.CountError, match="GET /missing: status 404"):
        fake_valgrind.count(cmd, port, env, cwd, paths=["/a", "/missing"], warm=1)
    with pytest.raises(fake_valgrind.CountError, match=r"exited \(3\) before"):
        fake_valgrind.count(["server", "exit"], port, env, cwd, paths=["/a"])
    monkeypatch.setattr(fake_valgrind.shutil, "which", lambda name: None)
    with pytest.raises(fake_valgrind.CountError, match="valgrind is not installed"):
        fake_valgrind.count(cmd, port, env, cwd, paths=["/a"])


def test_count_instructions_ratios_and_report(bench: None, monkeypatch: t.Any) -> None:
    """Per server and endpoint, each framework's count; the ratios are
    theirs over ours; a framework imported from the wrong place or a failed
    count is a problem, not a row; the report works without timed loads."""
    import asgi_bench
    import server_instructions

    costs = {"ours": 40_000.0, "starlette": 60_000.0, "bare": 20_000.0}
    origins: list[str] = []

    def per_request(start: t.Any, paths: dict[str, str]) -> dict[str, float]:
        cmd, _port, env, _cwd = start()
        assert env["PYTHONHASHSEED"] == "0"
        fw = next(fw for fw, f in asgi_bench.FRAMEWORKS.items() if f.target in cmd)
        if fw == "quart":
            raise server_instructions.CountError("the server did not listen")
        origin = {"framework": "flask", "file": asgi_bench.OUR_FLASK + "/x.py"}
        if fw != "ours":
            origin = {"framework": fw, "file": f"/site-packages/{fw}/x.py"}
        if fw == "bare":
            origin = {"framework": "flask", "file": asgi_bench.OUR_FLASK + "/x.py"}
        with open(env["ASGI_BENCH_ORIGIN"], "w") as f:
            json.dump(origin, f)
        origins.append(fw)
        return {name: costs[fw] * (2 if name == "json" else 1) for name in paths}

    monkeypatch.setattr(server_instructions, "per_request", per_request)
    frameworks = ["ours", "starlette", "quart", "bare"]
    got = asgi_bench.count_instructions(frameworks, ["uvicorn"], ["hello", "json"])
    assert got["rows"] == {
        "uvicorn/hello": {"ours": 40_000.0, "starlette": 60_000.0},
        "uvicorn/json": {"ours": 80_000.0, "starlette": 120_000.0},
    }
    assert got["ratios"]["uvicorn/hello"] == {"starlette": 1.5}
    assert got["problems"] == {
        "uvicorn/quart": ["count: the server did not listen"],
        "uvicorn/bare": [f"bare imported flask from {asgi_bench.OUR_FLASK}"],
    }
    result: dict[str, t.Any] = asgi_bench.summarize({}) | {
        "order": ["uvicorn/hello", "uvicorn/json"],
        "frameworks": ["ours", "starlette"],
        "problems": got.pop("problems"),
        "instructions": got,
        "sleepers": {},
    }
    lines = asgi_bench.report(result).splitlines()
    assert lines[0].startswith("instructions per request through each server")
    assert [line.split() for line in lines if line.startswith("uvicorn")] == [
        ["uvicorn", "async", "hello", "40.0", "60.0"],
        ["uvicorn", "async", "JSON", "80.0", "120.0"],
        ["uvicorn", "async", "hello", "1.50"],
        ["uvicorn", "async", "JSON", "1.50"],
    ]
    assert "  uvicorn/quart: count: the server did not listen" in lines


def test_instruction_flags(bench: None) -> None:
    import asgi_bench

    args, _ = asgi_bench.parse_args([])
    assert not args.instructions and not args.instructions_only
    assert asgi_bench.parse_args(["--instructions"])[0].instructions
    assert asgi_bench.parse_args(["--instructions-only"])[0].instructions_only
