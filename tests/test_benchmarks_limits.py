"""The app, probe and report of benchmarks/asgi_limits.py work on our package.

No servers and no timing here: this keeps the benchmark from measuring
error pages or failing after minutes of setup. The benchmark itself is
run by hand (docs/benchmarks.rst).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import types
import typing as t

import pytest

LIMITS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "limits"
)
MODULES = ("flask_app", "probe", "client", "phases", "report")


@pytest.fixture(scope="module")
def bench() -> t.Iterator[types.SimpleNamespace]:
    sys.path.insert(0, LIMITS)
    try:
        import client
        import flask_app
        import phases
        import probe
        import report
    finally:
        sys.path.remove(LIMITS)
    yield types.SimpleNamespace(
        app=flask_app.app,
        asgi=flask_app.asgi,
        wsgi=flask_app.wsgi,
        probe=probe,
        client=client,
        phases=phases,
        report=report,
    )
    # Serving started counting garbage collections in this process.
    if probe._on_gc in gc.callbacks:
        gc.callbacks.remove(probe._on_gc)
    for name in MODULES:
        sys.modules.pop(name, None)


def test_load_and_slow_client_endpoints(bench: t.Any) -> None:
    c = bench.app.test_client()
    assert c.get("/sync").text == "sync"
    assert c.get("/async").text == "async"
    assert c.post("/form", data={"a": "1", "b": "2"}).text == "2 fields"
    assert c.post("/ajson", json={"a": 1, "b": 2}).json == {"keys": 2}


def test_uploads_read_the_whole_stream(bench: t.Any) -> None:
    c = bench.app.test_client()
    body = b"x" * (600 * 1024 + 7)
    for path in ("/upload", "/aupload"):
        assert c.post(path, data=body).json == {"size": len(body)}


@pytest.mark.parametrize("path", ["/stream", "/astream"])
def test_streams_are_counted_when_left(bench: t.Any, path: str) -> None:
    before = dict(bench.probe.stats(None)["counters"])
    response = bench.app.test_client().get(path, buffered=False)
    chunks = iter(response.response)
    assert b"chunk" in next(chunks)
    response.close()
    after = bench.probe.stats(None)["counters"]
    for name in ("stream views", "streams started", "streams closed"):
        assert after[name] == before.get(name, 0) + 1, name


def test_mixed_load_endpoints(bench: t.Any) -> None:
    c = bench.app.test_client()
    assert c.get("/login").text == "logged in"
    page = c.get("/mixed/sync-page")
    assert page.status_code == 200
    assert "Hello ann, visit 1." in page.text
    assert "item &lt;19&gt;: 28.5" in page.text
    assert "visit 2." in c.get("/mixed/async-page").text
    items = {"items": [{"price": 1.5}, {"price": 2.0}]}
    for path in ("/mixed/sync-json", "/mixed/async-json"):
        assert c.post(path, json=items).json == {"n": 2, "total": 3.5}


def test_probe_answers_stats_over_wsgi_and_asgi(bench: t.Any) -> None:
    from werkzeug.test import Client

    r = Client(bench.wsgi).get("/_stats")
    data = json.loads(r.data)
    assert data["pid"] == os.getpid()
    assert data["threads"] >= 1 and data["fds"] >= 3 and data["maxrss"] > 0
    assert "tasks" not in data  # no loop under WSGI
    assert Client(bench.wsgi).get("/sync").text == "sync"

    async def call(path: str, query: bytes = b"") -> list[dict[str, t.Any]]:
        sent: list[dict[str, t.Any]] = []

        async def receive() -> dict[str, t.Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "path": path, "query_string": query}
        await bench.asgi(scope, receive, send)
        return sent

    async def main() -> dict[str, t.Any]:
        await call("/_stats", b"reset=1")
        await asyncio.sleep(0.05)  # the probe's timer runs every 2 ms
        sent = await call("/_stats")
        return t.cast("dict[str, t.Any]", json.loads(sent[1]["body"]))

    old = bench.probe.PROBE
    bench.probe.PROBE = bench.probe.LoopProbe()
    try:
        data = asyncio.run(main())
    finally:
        bench.probe.PROBE = old
    assert data["tasks"] >= 1
    assert data["lateness"]["n"] > 5
    assert data["lateness"]["p50_ms"] >= 0


def test_ratios_and_report(bench: t.Any) -> None:
    def phase(rps: float, p99: float, stuck: int = 0) -> dict[str, t.Any]:
        row = {"n": 1, "rps": rps, "p50_ms": 1.0, "p99_ms": p99, "errors": 0}
        return {"load": {"sync": row | {"stuck": stuck}}, "lateness": {"p99_ms": 2}}

    rounds = [(phase(100, 10), phase(90, 20)), (phase(200, 10), phase(220, 30, 1))]
    row = bench.phases.ratios(rounds)["sync"]
    assert row["rps_ratio"] == pytest.approx((0.9 + 1.1) / 2)
    assert row["p99_ms_ratio"] == pytest.approx(2.5)
    assert row["stuck"] == 1
    scenario = {
        "labels": {"sync": row},
        "lateness_base_p99": 1.0,
        "lateness_p99": 2.0,
        "cpu_ms_base": 0.2,
        "cpu_ms": 0.25,
    }
    settings = {
        "connections": 16,
        "seconds": 2,
        "rounds": 2,
        "slow": 200,
        "slow_uploads": 50,
        "churners": 8,
        "leave_rate": 40,
        "upload": 1 << 20,
    }
    text = bench.report.render({"settings": settings, "slow": {"ours": scenario}})
    assert "150 -> 155  1.00" in text
    assert "10.0 -> 25.0 (1 stuck)" in text


def test_request_bytes(bench: t.Any) -> None:
    raw = bench.client.request("POST", "/x", {"A": "b"}, b"hi")
    assert (
        raw
        == b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nA: b\r\nContent-Length: 2\r\n\r\nhi"
    )
