"""The benchmark scenario apps give their expected responses on our package.

No timing here: this keeps benchmarks/scenarios.py from silently breaking, so
the benchmark never times an error page.
"""

from __future__ import annotations

import os
import re
import sys
import types
import typing as t
from pathlib import Path

import pytest

BENCH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"
)
# Building 1,000 or 10,000 routes is slow; routes_10 covers the same builder.
SLOW = {"routes_1000", "routes_10000"}


@pytest.fixture(scope="module")
def bench() -> t.Iterator[types.SimpleNamespace]:
    """The benchmark modules, imported the way the worker imports them."""
    sys.path.insert(0, BENCH)
    try:
        import run
        import scenarios
        import worker
    finally:
        sys.path.remove(BENCH)
    yield types.SimpleNamespace(scenarios=scenarios, worker=worker, run=run)
    for name in ("run", "scenarios", "tfb", "worker"):
        sys.modules.pop(name, None)


def _names() -> list[str]:
    sys.path.insert(0, BENCH)
    try:
        import scenarios
    finally:
        sys.path.remove(BENCH)
    return [s.name for s in scenarios.SCENARIOS if s.name not in SLOW]


@pytest.mark.parametrize("name", _names())
def test_scenario_via_test_client(bench: t.Any, name: str) -> None:
    from werkzeug.test import Client

    sc = bench.scenarios.BY_NAME[name]
    app = sc.build()
    # jinja_plain is a bare WSGI callable (the template floor), not an app.
    client = (
        app.test_client(use_cookies=False)
        if hasattr(app, "test_client")
        else Client(app)
    )
    rv = client.open(
        sc.path,
        method=sc.method,
        data=sc.body or None,
        content_type=sc.content_type,
        headers=sc.request_headers(app),
    )
    assert rv.status_code == sc.status
    assert rv.data == sc.expect_body
    for header, value in sc.expect_headers.items():
        assert rv.headers.get(header) == value, header
    if sc.expect_session is not None:
        cookie = rv.headers["Set-Cookie"]
        name_value, *attrs = [part.strip() for part in cookie.split(";")]
        cookie_name, _, value = name_value.partition("=")
        assert cookie_name == app.config["SESSION_COOKIE_NAME"]
        assert sorted(attrs) == ["HttpOnly", "Path=/"]
        assert bench.scenarios.decode_session(app, value) == sc.expect_session


@pytest.mark.parametrize("name", _names())
def test_scenario_via_worker_environ(bench: t.Any, name: str) -> None:
    """The worker's raw WSGI call (prebuilt environ) passes its own check."""
    prepared = bench.worker.Prepared(bench.scenarios.BY_NAME[name])
    summary = bench.worker._summarize(prepared)
    assert summary["problems"] == []
    # The timed loop leaves the app usable: a second call gives the same body
    # (TechEmpower scenarios: random rows, so the same status and headers).
    prepared.loop(3)
    again = bench.worker._summarize(prepared)
    if name in {"tfb_db", "tfb_queries", "tfb_updates"}:
        assert (again["status"], again["headers"]["Content-Type"]) == (
            summary["status"],
            summary["headers"]["Content-Type"],
        )
    else:
        assert again["body_sha256"] == summary["body_sha256"]


def test_runner_lists_match_scenarios(bench: t.Any) -> None:
    """run.py keeps its own copy of the names (it imports no flask)."""
    sc = bench.scenarios
    assert bench.run.CORE == sc.CORE
    assert bench.run.SCALING == sc.ROUTE_SCALING
    assert bench.run.PAYLOAD == sc.PAYLOAD_SERIES
    assert set(bench.run.PAYLOAD_KB) == set(sc.PAYLOAD_SERIES)


def test_route_scaling_builder_counts_routes(bench: t.Any) -> None:
    app = bench.scenarios.build_route_scale(25)()
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    assert len(endpoints) == 25


def test_payload_sizes(bench: t.Any) -> None:
    for kb in (2, 20, 200):
        size = len(bench.scenarios.json_payload(kb))
        assert kb * 1024 - 100 <= size <= kb * 1024 + 100


def test_linearity_and_geomean_helpers(bench: t.Any) -> None:
    run = bench.run
    payload = {
        "a": {"kb": 2, "real": 10.0, "ours": 10.0},
        "b": {"kb": 20, "real": 28.0, "ours": 28.0},
        "c": {"kb": 200, "real": 208.0, "ours": 2000.0},
    }
    verdict = run._linearity(payload)
    assert verdict["real"]["linear"] is True
    assert verdict["real"]["marginal_us_per_kb"] == [1.0, 1.0]
    assert verdict["ours"]["linear"] is False
    assert run.geomean([0.5, 2.0]) == pytest.approx(1.0)
    assert run.geomean([]) is None


def _row(real: float, ours: float) -> dict[str, t.Any]:
    return {"real": real, "ours": ours, "ratio": ours / real, "ok": True,
            "problems": []}  # fmt: skip


def test_report_ends_in_a_readable_summary(bench: t.Any) -> None:
    """The report closes with the ratios that sum a run up, in words, not
    with pass/fail verdicts against targets (those are in the docs)."""
    run = bench.run
    core = {"hello": _row(20.0, 5.0), "json": _row(20.0, 8.0),
            "template": _row(40.0, 30.0)}  # fmt: skip
    tfb = {"tfb_json": _row(30.0, 15.0)}
    result = {
        "core": core,
        "geomean_of": list(core),
        "geomean": run.geomean([r["ratio"] for r in core.values()]),
        "tfb": tfb,
        "tfb_geomean": 0.5,
        "scaling": {},
        "scaling_growth": {"real": None, "ours": None},
        "payload": {},
        "payload_linear": {},
        "floor": {},
        "cold_start": {"real_ms": 100.0, "ours_ms": 80.0, "bare_ms": 20.0,
                       "ratio": 0.8, "net_ratio": 0.75},  # fmt: skip
        "memory": {"real_kb": 30000, "ours_kb": 28500, "ratio": 0.95},
        "e2e": {"tool": "wrk", "connections": 8, "rows": {
            "gthread/json": {"ratio": 0.5}, "gthread/db": {"ratio": 0.8}}},
    }  # fmt: skip
    # (the e2e table itself is not under test: print only the summary part)
    text = "\n".join(run.summary(result))
    assert text.splitlines() == [
        "in-process, 3 scenarios: geomean 0.42 (2.4x faster)",
        "  best hello 0.25, worst template 0.75",
        "TechEmpower-style, in-process: geomean 0.50 (2.0x faster)",
        "cold start, JSON-only app (CPU time): 0.80",
        "peak memory: 0.95",
        "behind gunicorn: 1.2 to 2.0 times Flask's requests per second",
    ]
    result["e2e"] = {}
    report, all_ok = run.report(result)
    assert all_ok
    tail = report.splitlines()[-6:]
    assert tail[0].startswith("summary: time (or memory) of this package")
    assert tail[1:] == [f"  {line}" for line in run.summary(result)]
    assert not re.search(r"\b(PASS|MISS)\b|<=", report)


def test_cold_runs_option(bench: t.Any) -> None:
    """--cold-runs sets the processes per cold start, with or without
    --quick, and must be positive."""
    run = bench.run
    assert run.parse_args(["--only", "cold_start"])[1].cold_runs == 10
    assert run.parse_args(["--quick"])[1].cold_runs == 4
    _, settings = run.parse_args(["--quick", "--cold-runs", "40"])
    assert settings.cold_runs == 40 and settings.rounds == 3
    with pytest.raises(SystemExit):
        run.parse_args(["--cold-runs", "0"])


def test_instruction_options(bench: t.Any) -> None:
    run = bench.run
    args, settings = run.parse_args(["--only", "cold_start"])
    assert settings.cold_instructions is False and args.instructions is False
    assert run.parse_args(["--cold-instructions"])[1].cold_instructions is True
    assert run.parse_args(["--instructions"])[0].instructions is True


FAKE_VALGRIND = """\
#!{python}
import os, sys
# Prints a count made of the command's last word and the hash seed.
base = {{"real": 1000, "ours": 700, "bare": 100}}[sys.argv[-1]]
seed = int(os.environ["PYTHONHASHSEED"])
print(f"==1== I   refs:      {{base + 10 * seed:,}}", file=sys.stderr)
"""


def test_cold_instructions_counts_with_callgrind(
    bench: t.Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command runs under callgrind once per hash seed; the median
    count is kept and the ratios are made from it."""
    run = bench.run
    fake = tmp_path / "valgrind"
    fake.write_text(FAKE_VALGRIND.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(run.shutil, "which", lambda name: str(fake))
    commands = {key: ["python", key] for key in ("real", "ours", "bare")}
    got = run.cold_instructions(commands, str(tmp_path), dict(os.environ))
    assert got["instructions"] == {"real": 1010, "ours": 710, "bare": 110}
    assert got["instruction_ratio"] == pytest.approx(710 / 1010)
    assert got["net_instruction_ratio"] == pytest.approx(600 / 900)
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    assert run.cold_instructions(commands, str(tmp_path), dict(os.environ)) == {
        "instructions_skipped": "real: valgrind is not installed"
    }


def test_worker_count_mode_serves_the_requests(bench: t.Any) -> None:
    """``worker.py count`` serves the warm-up and the asked-for requests,
    and each goes through the app's view."""
    import argparse
    import dataclasses

    seen: list[str] = []
    hello = bench.scenarios.BY_NAME["hello"]
    app = hello.build()
    app.before_request(lambda: seen.append("request") and None)
    bench.scenarios.BY_NAME["hello_counted"] = dataclasses.replace(
        hello, name="hello_counted", build=lambda: app
    )
    try:
        args = argparse.Namespace(only="hello_counted", iterations=7)
        assert bench.worker.mode_count(args) == {"served": {"hello_counted": 7}}
    finally:
        del bench.scenarios.BY_NAME["hello_counted"]
    assert len(seen) == 200 + 7


FAKE_REQUEST_VALGRIND = """\
#!{python}
import sys
# A fixed start-up cost plus a per-request one that depends on the
# implementation (its interpreter's name) and the scenario.
args = sys.argv
per_request = {{"real-python": 1000, "ours-python": 300}}[args[3]]
per_request += 10 * len(args[args.index("--only") + 1])
n = int(args[args.index("--iterations") + 1])
print(f"==1== I   refs:      {{5_000_000 + per_request * n:,}}", file=sys.stderr)
"""


def test_request_instructions_counts_per_request(
    bench: t.Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each scenario runs under callgrind serving none and then
    COUNTED_REQUESTS requests, for each implementation; the difference per
    request, the ratio and a geomean over the core scenarios are kept and
    reported."""
    run = bench.run
    fake = tmp_path / "valgrind"
    fake.write_text(FAKE_REQUEST_VALGRIND.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(run.shutil, "which", lambda name: str(fake))
    monkeypatch.setattr(run, "env_python", lambda impl: f"{impl}-python")
    got = run.request_instructions(["hello", "tfb_json"])
    assert got["requests"] == run.COUNTED_REQUESTS
    assert got["rows"]["hello"] == {"real": 1050, "ours": 350, "ratio": 350 / 1050}
    assert got["rows"]["tfb_json"]["ours"] == 380
    assert got["geomean"] == pytest.approx(350 / 1050)  # tfb_json is not core
    result: dict[str, t.Any] = {
        "core": {}, "tfb": {}, "scaling": {}, "payload": {}, "floor": {},
        "scaling_growth": {"real": None, "ours": None}, "payload_linear": {},
        "instructions": got,
    }  # fmt: skip
    rows = run.report(result)[0].splitlines()
    assert next(r for r in rows if r.startswith("hello")).split() == [
        "hello", "1.1", "0.3", "thousand", "0.333"
    ]  # fmt: skip
    assert "geomean ratio over the core scenarios: 0.333" in rows
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    skipped = run.request_instructions(["hello"])
    assert skipped == {"skipped": "hello, real: valgrind is not installed"}
    result["instructions"] = skipped
    assert run.report(result)[0].strip() == (
        "instructions per request: skipped: hello, real: valgrind is not installed"
    )


def test_report_shows_cold_start_spread(bench: t.Any) -> None:
    """The cold start rows are followed by the quartiles of the paired
    ratios when the result has them (results saved before have not)."""
    run = bench.run
    cold = {"real_ms": 200.0, "ours_ms": 140.0, "bare_ms": 15.0, "ratio": 0.70,
            "net_ratio": 0.68}  # fmt: skip
    result: dict[str, t.Any] = {
        "core": {}, "tfb": {}, "scaling": {}, "payload": {}, "floor": {},
        "scaling_growth": {"real": None, "ours": None}, "payload_linear": {},
        "cold_start": dict(cold),
    }  # fmt: skip
    report, _ = run.report(result)
    assert "quartiles" not in report
    result["cold_start"].update(ratio_quartiles=[0.64, 0.76], runs=40)
    report, _ = run.report(result)
    rows = report.splitlines()
    at = next(i for i, r in enumerate(rows) if "quartiles" in r)
    assert rows[at - 1].split() == ["cold", "start", "200.0", "140.0", "ms", "cpu",
                                    "0.70", "ok"]  # fmt: skip
    assert re.fullmatch(
        r"\s+paired ratios of 40 runs, quartiles\s+0\.64-0\.76", rows[at]
    )
    assert "callgrind" not in report
    result["cold_start"].update(
        instructions={"real": 638.2e6, "ours": 448.8e6, "bare": 38.3e6},
        instruction_ratio=448.8 / 638.2,
    )
    rows = run.report(result)[0].splitlines()
    counted = next(r for r in rows if "callgrind" in r)
    assert counted.split() == ["instructions", "(callgrind)", "638.2", "448.8",
                               "million", "0.703"]  # fmt: skip


def test_runner_lists_tfb(bench: t.Any) -> None:
    assert bench.run.TFB == bench.scenarios.TFB
    assert set(bench.run.FLOOR) <= set(bench.scenarios.BY_NAME)
    assert set(bench.run.E2E_ENDPOINTS) == set(bench.scenarios.TFB_PATHS)
    for name, path in bench.run.E2E_ENDPOINTS.items():
        assert bench.scenarios.TFB_PATHS[name] == path


def _call(app: t.Any, path: str) -> tuple[str, dict[str, str], bytes]:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path)
    environ = builder.get_environ()
    builder.close()
    got: list[t.Any] = []
    body = b"".join(app(environ, lambda status, headers: got.extend([status, headers])))
    return got[0], dict(got[1]), body


@pytest.mark.parametrize(
    "name", ["plaintext", "json", "db", "queries", "fortunes", "updates"]
)
def test_bare_app_matches_flask_app(bench: t.Any, name: str) -> None:
    """The framework-free app gives the Flask app's body and content type, so
    the end-to-end comparison times the same work."""
    path = bench.scenarios.TFB_PATHS[name]
    bare = bench.scenarios.tfb.make_bare_app()
    status, headers, body = _call(bare, path)
    assert status == "200 OK"
    assert body == bench.scenarios.tfb.expected(name)
    flask_rv = bench.scenarios.build_tfb().test_client().get(path)
    assert flask_rv.data == body
    assert flask_rv.headers["Content-Type"] == headers["Content-Type"]
    assert int(headers["Content-Length"]) == len(body)


def test_tfb_database_behaviour(bench: t.Any) -> None:
    tfb = bench.scenarios.tfb
    db = tfb.Database()
    rows = db.fortunes()
    assert len(rows) == len(tfb.FORTUNES) + 1
    assert [m for _, m in rows] == sorted(m for _, m in rows)
    assert (0, tfb.EXTRA_FORTUNE) in rows
    updated = db.update_worlds(5)
    for world in updated:  # the new numbers are stored
        assert db.world(world["id"]) == world
    assert [tfb.query_count(v) for v in (None, "", "x", "0", "7", "501")] == [
        1, 1, 1, 1, 7, 500
    ]  # fmt: skip
    # Fortunes are escaped in the rendered page.
    page = tfb.expected("fortunes").decode()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Fish &amp; chips" in page and "データベース" in page


def test_python_load_generator(bench: t.Any) -> None:
    """The fallback load generator drives a real server on 127.0.0.1."""
    import threading
    from wsgiref.simple_server import make_server
    from wsgiref.simple_server import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: t.Any) -> None:
            pass

    server = make_server(
        "127.0.0.1", 0, bench.scenarios.tfb.make_bare_app(), handler_class=Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        got = bench.run._pyload(f"http://127.0.0.1:{port}/json", 0.3)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert got["rps"] > 0
    assert 0 < got["p50"] <= got["p99"]


def test_wrk_output_parsing(bench: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = (
        "Running 1s test @ http://127.0.0.1:1/json\n"
        "  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n"
        "     90%    2.00ms\n     99%    1.50s\n"
        "  1000 requests in 1.00s, 1.00MB read\n"
        "Requests/sec:   1234.56\nTransfer/sec:      1.00MB\n"
    )
    monkeypatch.setattr(
        bench.run.subprocess,
        "run",
        lambda *a, **k: types.SimpleNamespace(stdout=sample),
    )
    got = bench.run._wrk("http://127.0.0.1:1/json", 1)
    assert got == {"rps": 1234.56, "p50": pytest.approx(0.812), "p99": 1500.0}


def test_cold_start_scripts_run(bench: t.Any, tmp_path: t.Any) -> None:
    """Each cold start script succeeds on our package (its asserts pass),
    run as the benchmark runs it: a fresh interpreter in a directory with
    the template file."""
    import subprocess

    run = bench.run
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(run.COLD_START_TEMPLATE)
    assert set(run.COLD_STARTS) <= set(run.EXTRAS)
    for key, (source, _label, _summary) in run.COLD_STARTS.items():
        script = tmp_path / f"{key}_app.py"
        script.write_text(source)
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, (key, done.stderr[-2000:])
