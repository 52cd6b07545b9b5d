"""The benchmark scenario apps give their expected responses on our package.

No timing here: this keeps benchmarks/scenarios.py from silently breaking, so
the benchmark never times an error page.
"""

from __future__ import annotations

import os
import sys
import types
import typing as t

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
    for name in ("run", "scenarios", "worker"):
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
    sc = bench.scenarios.BY_NAME[name]
    app = sc.build()
    client = app.test_client(use_cookies=False)
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
    # The timed loop leaves the app usable: a second call gives the same body.
    prepared.loop(3)
    assert bench.worker._summarize(prepared)["body_sha256"] == summary["body_sha256"]


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
