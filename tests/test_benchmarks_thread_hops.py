"""benchmarks/thread_hops.py: each request really runs on the next thread,
and the report shows the time beyond the bare app. No timing asserted."""

from __future__ import annotations

import os
import sys
import threading
import typing as t

import pytest

BENCH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"
)


@pytest.fixture(scope="module")
def hops() -> t.Iterator[t.Any]:
    sys.path.insert(0, BENCH)
    try:
        import thread_hops
    finally:
        sys.path.remove(BENCH)
    yield thread_hops
    sys.modules.pop("thread_hops", None)


def test_requests_go_round_the_threads(hops: t.Any) -> None:
    seen: list[tuple[int, str]] = []

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.append((threading.get_ident(), environ["PATH_INFO"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    assert hops.ring(app, "/plaintext", 4, 12) >= 0
    assert len(seen) == 12 and {path for _, path in seen} == {"/plaintext"}
    idents = [ident for ident, _ in seen]
    assert len(set(idents)) == 4
    assert all(a != b for a, b in zip(idents, idents[1:], strict=False))
    assert idents[:4] == idents[4:8] == idents[8:]


def test_an_error_status_fails_the_measurement(hops: t.Any) -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("404 NOT FOUND", [])
        return [b""]

    with pytest.raises(RuntimeError, match="404"):
        hops.ring(app, "/json", 2, 4)


def test_report_gives_time_beyond_bare(hops: t.Any) -> None:
    setups = [label for label, _, _ in hops.SETUPS]
    result = {
        "bare": {s: {"plaintext": 2.0, "json": 3.0} for s in setups},
        "ours": {s: {"plaintext": 5.5, "json": 7.0} for s in setups},
    }
    text = hops.report(result, {"bare": "bare app", "ours": "this package"})
    ours = [line for line in text.splitlines() if line.startswith("this package")]
    assert len(ours) == 2
    assert ours[0].split()[3:5] == ["5.5", "(+3.5)"]
    assert "(+4.0)" in ours[1]


def test_cold_setup_evicts_before_each_request_and_times_only_it(
    hops: t.Any,
) -> None:
    events: list[str] = []

    def evict() -> None:
        events.append("evict")

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        events.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    assert hops.cold(app, "/json", 3, evict) >= 0
    assert events == ["evict", "/json"] * 3

    def failing(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("500 INTERNAL SERVER ERROR", [])
        return [b""]

    with pytest.raises(RuntimeError, match="500"):
        hops.cold(failing, "/json", 2, evict)


def test_evictor_touches_every_line_and_object(hops: t.Any) -> None:
    evict = hops.Evictor(64 * 100)
    assert evict() == sum(range(25))  # 6,400 bytes: 25 objects of 256 bytes
    assert evict.buffer[::64] == b"\x01" * 100
    assert evict.buffer.count(1) == 100


def test_measure_runs_every_setup(hops: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    module = type(sys)("hops_fake_app")

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    module.app = app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hops_fake_app", module)
    monkeypatch.setattr(hops, "EVICT_BYTES", 64 * 64)
    out = hops.measure("hops_fake_app:app", 40, 1)
    expected = {label for label, _, pinned in hops.SETUPS if not pinned}
    assert expected <= set(out)
    assert all(set(out[label]) == set(hops.PATHS) for label in out)
