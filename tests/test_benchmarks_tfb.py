"""The TechEmpower-style table's apps (``benchmarks/tfb_apps``) and helpers.

No timing: the apps this package serves (and the bare ones) give the
responses ``tfb.expected_sequence`` says, and the runner's checking, naming
and report code works, so a run never times an error page. The other
frameworks' apps are checked by the runner itself before it times them.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import threading
import typing as t
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
from werkzeug.test import Client

BENCH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"
)
MODULES = (
    "tfb",
    "tfb_count",
    "tfb_load",
    "tfb_runner",
    "run",
    "scenarios",
    "server_instructions",
)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[t.Any]:
    """Import benchmark modules as the servers do (``benchmarks`` on the
    path, ``TFB_DB`` naming a fresh database copy per app module)."""
    sys.path.insert(0, BENCH)
    try:
        tfb = importlib.import_module("tfb")
        template = tfb.create_database()
        folder = tmp_path_factory.mktemp("tfb")

        def load(module: str) -> t.Any:
            import shutil

            path = os.fspath(folder / f"{module}.sqlite")
            shutil.copyfile(template, path)
            os.environ["TFB_DB"] = path
            try:
                mod = importlib.import_module(f"tfb_apps.{module}")
            finally:
                del os.environ["TFB_DB"]
            return mod

        yield t.cast(t.Any, type("B", (), {"tfb": tfb, "load": staticmethod(load)}))
    finally:
        sys.path.remove(BENCH)
        for name in list(sys.modules):
            if name in MODULES or name.startswith("tfb_apps"):
                sys.modules.pop(name, None)


def _check(tfb: t.Any, get: t.Callable[[str], tuple[int, str, bytes]]) -> None:
    import tfb_runner

    wanted = tfb.expected_sequence(list(tfb_runner.WORKLOADS))
    for name, path in tfb_runner.WORKLOADS.items():
        status, ctype, body = get(path)
        assert status == 200, name
        assert ctype == tfb_runner.CONTENT_TYPES.get(name, "application/json")
        if ctype == "application/json":
            assert json.loads(body) == json.loads(wanted[name]), name
        else:
            assert body == wanted[name], name


@pytest.mark.parametrize("module", ["flask_wsgi", "bare_wsgi", "bare_slowed_wsgi"])
def test_wsgi_apps_answer_the_expected_sequence(bench: t.Any, module: str) -> None:
    client = Client(bench.load(module).app)

    def get(path: str) -> tuple[int, str, bytes]:
        rv = client.get(path)
        return rv.status_code, rv.headers["Content-Type"], rv.data

    _check(bench.tfb, get)


def test_slowed_app_loops_then_answers_as_the_bare_one(bench: t.Any) -> None:
    slowed = bench.load("bare_slowed_wsgi")
    # A clock that advances 2 s per read: a million iterations "take" 2 s,
    # so 5 us is 2.5 iterations (rounded to 2), 0 us none.
    ticks = iter(range(0, 1000, 2))
    assert slowed.loop_iterations(5.0, lambda: float(next(ticks))) == 2
    ticks = iter(range(0, 1000, 2))
    assert slowed.loop_iterations(0.0, lambda: float(next(ticks))) == 0
    assert slowed.ITERATIONS > 0  # calibrated for the default 5 us

    calls: list[str] = []

    def inner(environ: dict[str, t.Any], start: t.Any) -> list[bytes]:
        calls.append(environ["PATH_INFO"])
        return [b"ok"]

    app = slowed.make_slowed_app(inner, 3)
    assert app({"PATH_INFO": "/json"}, None) == [b"ok"]
    assert calls == ["/json"]


def test_opt_in_framework_runs_only_when_named(
    bench: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tfb_runner

    assert tfb_runner.OPT_IN_FRAMEWORKS <= set(tfb_runner.FRAMEWORKS)
    timed: list[list[tuple[str, str]]] = []

    def measure(todo: list[tuple[str, str]], *args: t.Any) -> t.NoReturn:
        timed.append(todo)
        raise _Stop

    monkeypatch.setattr(tfb_runner, "ensure_env", lambda env, reinstall: None)
    monkeypatch.setattr(tfb_runner, "log", lambda *a, **k: None)
    monkeypatch.setattr(tfb_runner, "measure", measure)
    with pytest.raises(_Stop):
        tfb_runner.main(["--servers", "gunicorn-sync"])
    assert ("bare-slowed", "gunicorn-sync") not in timed[0]
    assert ("ours", "gunicorn-sync") in timed[0]
    with pytest.raises(_Stop):
        tfb_runner.main(["--frameworks", "bare-slowed", "--servers", "gunicorn-sync"])
    assert timed[1] == [("bare", "gunicorn-sync"), ("bare-slowed", "gunicorn-sync")]


class _Stop(Exception):
    """Ends a run before anything is timed."""


async def _asgi_get(app: t.Any, path: str) -> tuple[int, str, bytes]:
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
    }
    sent: list[dict[str, t.Any]] = []
    done = asyncio.Event()

    async def receive() -> dict[str, t.Any]:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    start = sent[0]
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], headers["content-type"], body


@pytest.mark.parametrize("module", ["flask_asgi", "bare_asgi"])
def test_asgi_apps_answer_the_expected_sequence(bench: t.Any, module: str) -> None:
    app = bench.load(module).app
    loop = asyncio.new_event_loop()
    try:
        _check(bench.tfb, lambda path: loop.run_until_complete(_asgi_get(app, path)))
    finally:
        loop.close()


def test_pairs_names_and_report(bench: t.Any) -> None:
    import tfb_runner

    todo = tfb_runner.pairs(["bare", "ours", "quart"], ["gunicorn-sync", "uvicorn"])
    assert todo == [
        ("bare", "gunicorn-sync"),
        ("ours", "gunicorn-sync"),
        ("bare", "uvicorn"),
        ("ours", "uvicorn"),
        ("quart", "uvicorn"),
    ]
    assert tfb_runner._names("uvicorn,gunicorn-sync", tfb_runner.SERVERS, "s") == [
        "gunicorn-sync",
        "uvicorn",
    ]
    with pytest.raises(SystemExit, match="unknown server: nope"):
        tfb_runner._names("nope", tfb_runner.SERVERS, "server")
    samples = {
        "uvicorn/bare": {"json": {"rps": [100.0, 300.0], "p50": [1.0, 1.0],
                                  "p99": [2.0, 2.0], "cpu_us": [10.0, 10.0]}},
        "uvicorn/ours": {"json": {"rps": [50.0, 150.0, 100.0], "p50": [1.0] * 3,
                                  "p99": [3.0] * 3}},
    }  # fmt: skip
    result = tfb_runner.summarize(
        {"samples": samples}, [("bare", "uvicorn"), ("ours", "uvicorn")]
    )
    ours = result["rows"]["uvicorn/ours"]["json"]
    assert (ours["rps"], ours["median_rps"], ours["share"]) == (150.0, 100.0, 0.5)
    assert result["rows"]["uvicorn/bare"]["json"]["cpu_share"] == 1.0
    result |= {
        "client": "wrk",
        "settings": {"connections": 16, "rounds": 2, "seconds": 1},
        "workloads": ["json"],
        "problems": {"uvicorn/quart": ["json: status 500"]},
    }
    text = tfb_runner.report(result)
    assert "this package" in text and "0.50" in text
    assert "uvicorn/quart: json: status 500" in text


def test_cpu_share_pairs_rounds(bench: t.Any) -> None:
    """The CPU share is the median of each round's pair of figures: a round
    one of the two missed is left out, the best rounds by requests/s do
    not decide it."""
    import tfb_runner

    samples = {
        "gunicorn-sync/bare": {"json": {
            "rps": [100.0, 300.0, 200.0], "p50": [1.0] * 3, "p99": [2.0] * 3,
            "cpu_us": [100.0, 80.0, 100.0], "round": [0, 1, 2]}},
        "gunicorn-sync/ours": {"json": {
            "rps": [90.0, 150.0], "p50": [1.0] * 2, "p99": [2.0] * 2,
            "cpu_us": [50.0, 125.0], "round": [0, 2]}},
    }  # fmt: skip
    result = tfb_runner.summarize(
        {"samples": samples}, [("bare", "gunicorn-sync"), ("ours", "gunicorn-sync")]
    )
    ours = result["rows"]["gunicorn-sync/ours"]["json"]
    # Rounds 0 and 2: 100/50 and 100/125; the median of two is their mean.
    assert ours["cpu_share"] == pytest.approx((2.0 + 0.8) / 2)
    assert "round" not in ours
    assert ours["rps"] == 150.0 and ours["share"] == 0.5
    assert tfb_runner._cpu_shares(None, samples["gunicorn-sync/ours"]["json"]) == []


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs 2 CPUs and os.sched_getaffinity",
)
def test_pin_splits_the_cpus(bench: t.Any) -> None:
    import tfb_runner

    cpus = sorted(os.sched_getaffinity(0))
    assert tfb_runner._split_cpus() == ((cpus[0],), tuple(cpus[1:]))


def _count_only(monkeypatch: pytest.MonkeyPatch, per_request: t.Any) -> list[str]:
    """Run ``tfb_runner.main`` with ``per_request`` as the count of a pair,
    nothing timed, no venv needed, nothing logged; what it prints goes to
    the list returned."""
    import server_instructions
    import tfb_runner

    def measure(*args: t.Any) -> t.NoReturn:
        raise AssertionError("nothing is timed with --instructions-only")

    printed: list[str] = []
    monkeypatch.setattr(server_instructions, "per_request", per_request)
    monkeypatch.setattr(tfb_runner, "measure", measure)
    monkeypatch.setattr(tfb_runner, "ensure_env", lambda env, reinstall: None)
    # (The venvs need not exist: nothing runs in them here.)
    monkeypatch.setattr(tfb_runner, "versions", lambda env: {})
    monkeypatch.setattr(tfb_runner, "log", lambda *a, **k: None)
    monkeypatch.setattr("builtins.print", lambda *a, **k: printed.extend(a))
    return printed


def test_instruction_counts_and_shares(
    bench: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--instructions-only`` counts every pair, each run on a fresh copy
    of the database, times nothing, and reports the bare app's count over
    each framework's on the same server; a failed count is a problem."""
    import server_instructions
    import tfb_runner

    costs = {"bare": 500_000.0, "ours": 550_000.0, "falcon": 520_000.0}
    databases: list[str] = []

    def per_request(start: t.Any, paths: dict[str, str]) -> dict[str, float]:
        runs = [start(), start()]
        assert all(env["PYTHONHASHSEED"] == "0" for _, _, env, _ in runs)
        databases.extend(env["TFB_DB"] for _, _, env, _ in runs)
        assert all(os.path.exists(db) for db in databases[-2:])
        cmd = runs[0][0]
        fw = next(name for name, f in tfb_runner.FRAMEWORKS.items() if f.wsgi in cmd)
        if fw == "falcon":
            raise server_instructions.CountError("the server did not listen")
        return {name: costs[fw] + len(path) for name, path in paths.items()}

    printed = _count_only(monkeypatch, per_request)
    status = tfb_runner.main([
        "--instructions-only", "--frameworks", "ours,falcon",
        "--servers", "gunicorn-sync", "--workloads", "plaintext,json",
    ])  # fmt: skip
    assert status == 1  # the failed count
    assert len(set(databases)) == len(databases) == 6  # bare, ours, falcon
    lines = printed[0].splitlines()
    assert lines[0].startswith("instructions per request through each server")
    rows = [line.split() for line in lines if line.startswith("gunicorn-sync")]
    share = (500_000 + len("/plaintext")) / (550_000 + len("/plaintext"))
    assert rows == [
        ["gunicorn-sync", "bare", "app", "500.0", "500.0"],
        ["gunicorn-sync", "this", "package", "550.0", f"({share:.3f})",
         "550.0", "(0.909)"],
    ]  # fmt: skip
    assert "  gunicorn-sync/falcon: count: the server did not listen" in lines


def test_instruction_counts_repeated_give_the_median_and_range(
    bench: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--count-repeats 3`` counts every pair three times, in rounds over
    the pairs, reports each median with the lowest and highest count, and
    the share from the medians; a count that failed once is a problem and
    the others still count."""
    import server_instructions
    import tfb_runner

    order: list[str] = []
    # Three counts per pair, in that order; None: the count fails.
    counts = {
        "bare": [500_000.0, 504_000.0, 502_000.0],
        "ours": [560_000.0, 530_000.0, None],
    }

    def per_request(start: t.Any, paths: dict[str, str]) -> dict[str, float]:
        cmd = start()[0]
        fw = next(name for name, f in tfb_runner.FRAMEWORKS.items() if f.wsgi in cmd)
        order.append(fw)
        n = counts[fw][order.count(fw) - 1]
        if n is None:
            raise server_instructions.CountError("the server did not listen")
        return {name: n for name in paths}

    printed = _count_only(monkeypatch, per_request)
    status = tfb_runner.main([
        "--instructions-only", "--count-repeats", "3", "--frameworks", "ours",
        "--servers", "gunicorn-sync", "--workloads", "plaintext",
    ])  # fmt: skip
    assert status == 1
    assert order == ["bare", "ours"] * 3
    lines = printed[0].splitlines()
    assert "the median of 3 counts" in lines[0]
    rows = [line.split() for line in lines if line.startswith("gunicorn-sync")]
    assert rows == [
        ["gunicorn-sync", "bare", "app", "502.0", "(500.0-504.0)"],
        ["gunicorn-sync", "this", "package", "545.0",
         f"({502_000 / 545_000:.3f};", "530.0-560.0)"],
    ]  # fmt: skip
    assert "  gunicorn-sync/ours: count 3 of 3: the server did not listen" in lines
    with pytest.raises(SystemExit):
        tfb_runner.main(["--instructions-only", "--count-repeats", "0"])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        body = b"hello"
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/ok" and self.server.close_each:  # type: ignore[attr-defined]
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: t.Any) -> None:
        pass


@pytest.mark.parametrize("close_each", [False, True])
def test_python_load_generator(bench: t.Any, close_each: bool) -> None:
    import tfb_load

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.close_each = close_each  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        got = tfb_load.load("python", url + "/ok", 0.2, 2)
        assert got["requests"] > 0 and got["rps"] > 0
        assert 0 < got["p50"] <= got["p99"]
        with pytest.raises(tfb_load.LoadError, match="status 404"):
            tfb_load.load("python", url + "/missing", 0.1, 1)
        status, headers, body = tfb_load.fetch(url + "/ok")
        assert (status, headers["content-length"], body) == (200, "5", b"hello")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
