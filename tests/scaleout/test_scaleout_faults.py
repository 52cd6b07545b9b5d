"""Scenario 7: faults under load. Redis goes away for a few seconds and
comes back; gunicorn reloads its workers gracefully (SIGHUP).

The module has its own Redis, which saves its data on shutdown and loads it
on start (as a production server with snapshots would), and its own hosts:
gunicorn gthread (two workers, no ``--preload``, so a reload imports the
app anew) and one uvicorn process.
"""

from __future__ import annotations

import time
import typing as t
from pathlib import Path

import pytest
import scaleout_harness as harness

#: A request that does not finish within this is a hung worker.
HANG = 5.0
#: How long a request may wait for the workers a reload starts.
RELOAD_WAIT = 30.0


class Site(t.NamedTuple):
    redis: harness.RedisServer
    gunicorn: harness.AppServer
    uvicorn: harness.AppServer
    balancer: harness.Balancer


@pytest.fixture(scope="module")
def site(redis_binary: str, workdir: Path) -> t.Iterator[Site]:
    redis = harness.RedisServer(redis_binary, workdir, persist=True)
    redis.start()
    try:
        gunicorn, uvicorn = (
            s
            for s in harness.redis_hosts(redis.url, workdir, uvicorns=1)
            if s.kind != "sync"
        )
        with harness.running([gunicorn, uvicorn]) as servers:
            yield Site(redis, gunicorn, uvicorn, harness.Balancer(servers))
    finally:
        redis.stop()


def _by_status(outcomes: list[harness.Outcome]) -> dict[int | None, int]:
    counts: dict[int | None, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts


def test_redis_outage_fails_cleanly_and_recovers(site: Site) -> None:
    lb = site.balancer
    user = harness.Browser(lb)
    assert user.post("/session/cart", form={"value": "3 apples"}).status == 200
    anonymous = harness.Browser(lb)
    jobs = {
        # no Redis involved: must keep answering 200
        "plain": lambda: anonymous.get("/plain", timeout=HANG),
        # Flask-Caching falls back to computing the value when Redis fails
        "cached": lambda: anonymous.get("/cached/outage", timeout=HANG),
        # need Redis: 200, or 503 from the error handler while it is down
        "session": lambda: user.get("/session", timeout=HANG),
        "counter": lambda: anonymous.post("/counter", timeout=HANG),
        "limited": lambda: anonymous.get("/limited?bucket=x", timeout=HANG),
    }
    try:
        with harness.Load(jobs, max_seconds=30) as load:
            time.sleep(0.5)
            stopping = time.monotonic()
            site.redis.stop()  # returns once the server has exited
            down = time.monotonic()
            time.sleep(2.0)
            restarting = time.monotonic()
            site.redis.start()  # returns once the server answers PING
            up = time.monotonic()
            time.sleep(1.0)
        print("outcomes:", {n: _by_status(load.of(n)) for n in jobs})
        _check_outage(load, Window(stopping, down, restarting, up))
    except BaseException:
        print(harness.logs([site.gunicorn, site.uvicorn]))
        raise

    # Recovered without a restart: every process serves Redis again, and the
    # data saved before the outage is still there.
    for _ in range(6):
        resp = user.get("/session")
        assert resp.status == 200, (resp.served_by, resp.body)
        assert resp.json()["data"]["cart"] == "3 apples"
    assert anonymous.get("/readyz").status == 200


class Window(t.NamedTuple):
    """When Redis was stopped and started (``time.monotonic()``)."""

    stopping: float
    down: float
    restarting: float
    up: float


def _check_outage(load: harness.Load, w: Window) -> None:
    everything = load.outcomes
    assert everything, "no request was sent"
    hung = [o for o in everything if o.status is None or o.elapsed >= HANG]
    assert not hung, hung[:5]

    for name in ("plain", "cached"):
        assert _by_status(load.of(name)) == {200: len(load.of(name))}, name

    for name in ("session", "counter", "limited"):
        outcomes = load.of(name)
        # finished before the stop began
        before = [o for o in outcomes if o.started + o.elapsed < w.stopping]
        # started after the server exited, finished before it was restarted
        during = [
            o
            for o in outcomes
            if o.started > w.down and o.started + o.elapsed < w.restarting
        ]
        # a moment after it answered again (time to reconnect)
        after = [o for o in outcomes if o.started > w.up + 0.5]
        assert before and during and after, name
        assert _by_status(before).keys() <= {200, 429}, (name, _by_status(before))
        assert _by_status(during) == {503: len(during)}, (name, _by_status(during))
        assert {o.retry_after for o in during} == {"1"}
        assert _by_status(after).keys() <= {200, 429}, (name, _by_status(after))
        # both the WSGI and the ASGI host failed cleanly and recovered
        for group in (during, after):
            assert {o.served_by.split("/")[0] for o in group} == {
                "gthread",
                "uvicorn1",
            }


def test_graceful_reload_loses_no_request(site: Site) -> None:
    """SIGHUP under load: gunicorn starts new workers (which import the app
    anew) and lets the old ones finish what they hold. Every request gets
    its normal answer.

    Gunicorn tells the old workers to stop as soon as it has started the new
    ones, so requests arriving meanwhile wait in the listening socket's
    queue until a new worker has imported the app: seconds on a loaded
    machine. Delayed, not lost: the client waits up to ``RELOAD_WAIT``.
    """
    port = site.gunicorn.port
    user = harness.Browser(site.balancer)
    assert user.post("/session/who", form={"value": "me"}, port=port).status == 200
    jobs = {
        "plain": lambda: user.get("/plain", port=port, timeout=RELOAD_WAIT),
        "session": lambda: user.get("/session", port=port, timeout=RELOAD_WAIT),
    }
    load = harness.Load(jobs, threads=3, max_seconds=60, request_timeout=RELOAD_WAIT)
    with load:
        time.sleep(0.5)
        before = {o.served_by for o in load.outcomes}
        site.gunicorn.reload()
        # Until only new workers answer, then a while longer.
        deadline = time.monotonic() + RELOAD_WAIT
        while time.monotonic() < deadline:
            time.sleep(0.1)
            recent = load.of("plain", since=time.monotonic() - 0.3)
            if recent and not {o.served_by for o in recent} & before:
                break
        tail = time.monotonic()
        time.sleep(0.5)
    try:
        assert before
        after = {o.served_by for o in load.of("plain", since=tail)}
        assert after and not after & before, (before, after)
        slowest = max(o.elapsed for o in load.outcomes)
        print(f"{len(load.outcomes)} requests, slowest {slowest:.2f}s")
        print("workers before and after:", before, after)
        failed = [o for o in load.outcomes if o.status != 200]
        assert not failed, failed[:5]
        for o in load.of("session"):
            assert o.status == 200
        assert user.get("/session", port=port).json()["data"]["who"] == "me"
    except BaseException:
        print(site.gunicorn.log_tail())
        raise
