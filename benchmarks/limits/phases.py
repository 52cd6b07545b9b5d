"""The scenarios of benchmarks/asgi_limits.py, run against one server.

Each load phase is measured with the server's ``/_stats`` before and after
(see ``probe.py``): the loop's lateness during the phase, the CPU the
server used, garbage collections. A scenario alternates baseline and
pressured phases on the same server (``rounds`` pairs) and reports medians
of the figures and of the per-round ratios.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import typing as t

import client


class Served(t.Protocol):
    """The server a scenario runs against (``asgi_limits.Server``)."""

    port: int
    #: Stream variants of the disconnect scenario it can serve.
    variants: tuple[str, ...]
    #: A view that reads the request body as it arrives.
    upload_path: str

    def log_errors(self) -> int: ...


BASE_MIX = [
    ("sync", client.request("GET", "/sync")),
    ("async", client.request("GET", "/async")),
]


class Settings(t.NamedTuple):
    seconds: float
    rounds: int
    connections: int
    slow: int
    slow_uploads: int
    churners: int
    leave_rate: float
    upload: int
    idle: float
    trace_ms: float
    switch_interval: float | None


async def measured(
    port: int, mix: list[tuple[str, bytes]], s: Settings, during: t.Any = None
) -> dict[str, t.Any]:
    """A load phase of ``s.seconds``, with the loop lateness of the phase
    (ASGI servers) and, with ``during``, what it returns (a coroutine
    function started with the phase's end time)."""
    first = await client.stats(port, reset=True)
    until = time.perf_counter() + s.seconds
    side = asyncio.create_task(during(until)) if during else None
    result = await client.load(port, mix, s.connections, s.seconds)
    extra = await side if side else None
    last = await client.stats(port)
    shares = cpu_shares(first, last)
    done = sum(v["n"] for v in result.values())
    if "cpu" in shares and done:
        # Server CPU per load request (all its work in the phase included).
        shares["cpu_ms_per_request"] = shares["cpu"] * s.seconds / done * 1000
    return {
        "load": result,
        "lateness": last.get("lateness"),
        "extra": extra,
        "gc": last.get("gc"),
        **shares,
    }


def cpu_shares(first: dict[str, t.Any], last: dict[str, t.Any]) -> dict[str, t.Any]:
    """The server's CPU use between two stats: the process's (all threads)
    and the loop thread's, as shares of one core."""
    if not first or not last:
        return {}
    wall = last["time"] - first["time"]
    out = {"cpu": (last["cpu"] - first["cpu"]) / wall}
    if "loop_cpu" in last:
        out["loop_cpu"] = (last["loop_cpu"] - first["loop_cpu"]) / wall
    return out


def ratios(
    rounds: list[tuple[dict[str, t.Any], dict[str, t.Any]]],
) -> dict[str, dict[str, t.Any]]:
    """Per label: the medians over rounds of baseline and pressured figures,
    and of the per-round ratios pressured / baseline."""
    out: dict[str, dict[str, t.Any]] = {}
    for label in rounds[0][0]["load"]:
        row: dict[str, t.Any] = {}
        for key in ("rps", "p99_ms"):
            base = [b["load"][label][key] for b, _ in rounds]
            under = [p["load"][label][key] for _, p in rounds]
            row[f"base_{key}"] = median(base)
            row[key] = median(under)
            row[f"{key}_ratio"] = median(
                [
                    u / b if (u is not None and b) else None
                    for b, u in zip(base, under, strict=True)
                ]
            )
        row["stuck"] = sum(p["load"][label]["stuck"] for _, p in rounds)
        row["errors"] = sum(p["load"][label]["errors"] for _, p in rounds)
        out[label] = row
    return out


def median(values: list[float | None]) -> float | None:
    real = [v for v in values if v is not None]
    return statistics.median(real) if real else None


def cpu_per_request(
    rounds: list[tuple[dict[str, t.Any], dict[str, t.Any]]],
) -> dict[str, t.Any]:
    return {
        "cpu_ms_base": median([b.get("cpu_ms_per_request") for b, _ in rounds]),
        "cpu_ms": median([p.get("cpu_ms_per_request") for _, p in rounds]),
    }


def _lateness(phases: list[dict[str, t.Any]], key: str) -> float | None:
    return median([(p.get("lateness") or {}).get(key) for p in phases])


#: Bodies of slow uploads: declared, and sent at once (past the 1 MiB that
#: this package receives before a sync view runs).
UPLOAD_DECLARED = 8 * client.MiB
UPLOAD_FIRST = client.MiB + 64 * 1024


async def slow_scenario(
    server: Served, s: Settings, uploads: bool = False
) -> dict[str, t.Any]:
    """Slow clients posting small bodies (``uploads``: large ones, to a view
    that reads them as they arrive) while the load runs."""
    port = server.port
    await client.load(port, BASE_MIX, 4, 1.0)  # warm up
    targets = [
        ("/form", "application/x-www-form-urlencoded", True),
        ("/ajson", "application/json", True),
        ("/form", "application/x-www-form-urlencoded", False),
        ("/ajson", "application/json", False),
    ]
    count, length, first = s.slow, 100_000, 1
    if uploads:
        targets = [(server.upload_path, "application/octet-stream", True)]
        count, length, first = s.slow_uploads, UPLOAD_DECLARED, UPLOAD_FIRST
    rounds = []
    answered = 0
    during_stats = None
    for _ in range(s.rounds):
        base = await measured(port, BASE_MIX, s)
        slow = client.SlowClients(port, length, first)
        await slow.open(targets, count)
        await asyncio.sleep(1)
        try:
            pressured = await measured(port, BASE_MIX, s)
            during_stats = await client.stats(port)
        finally:
            answered += slow.answered
            await slow.close()
        rounds.append((base, pressured))
    return {
        "labels": ratios(rounds),
        "lateness_base_p99": _lateness([b for b, _ in rounds], "p99_ms"),
        "lateness_p99": _lateness([p for _, p in rounds], "p99_ms"),
        **cpu_per_request(rounds),
        "answered_early": answered,
        "during": during_stats,
        "log_errors": server.log_errors(),
    }


async def settle(port: int, before: dict[str, t.Any]) -> dict[str, t.Any]:
    """The server's stats once its streams are closed and its tasks and
    files are back to ``before`` (or after 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        st = await client.stats(port)
        c = st["counters"]
        done = (
            c.get("streams started", 0) == c.get("streams closed", 0)
            and st["fds"] <= before["fds"]
            and st.get("tasks", 0) <= before.get("tasks", 0)
        )
        if done or time.monotonic() > deadline:
            return st
        await asyncio.sleep(0.25)


async def disconnect_scenario(server: Served, s: Settings) -> dict[str, t.Any]:
    port = server.port
    variants = list(server.variants)
    await client.load(port, BASE_MIX, 4, 1.0)
    # Streams once each first, so the pools have their threads.
    warm: dict[str, int] = {}
    await client.churn(port, variants, time.perf_counter() + 1, warm)
    await asyncio.sleep(1)
    before = await settle(port, await client.stats(port))
    counts: dict[str, int] = {}
    mids: list[dict[str, t.Any]] = []

    async def leave(until: float) -> None:
        async def sample() -> None:
            await asyncio.sleep(s.seconds / 2)
            mids.append(await client.stats(port))

        every = s.churners / s.leave_rate
        await asyncio.gather(
            sample(),
            *(
                client.churn(
                    port,
                    variants[i % len(variants) :] + variants[: i % len(variants)],
                    until,
                    counts,
                    every,
                )
                for i in range(s.churners)
            ),
        )

    rounds = []
    for _ in range(s.rounds):
        base = await measured(port, BASE_MIX, s)
        pressured = await measured(port, BASE_MIX, s, during=leave)
        rounds.append((base, pressured))
    after = await settle(port, before)
    return {
        "labels": ratios(rounds),
        "lateness_base_p99": _lateness([b for b, _ in rounds], "p99_ms"),
        "lateness_p99": _lateness([p for _, p in rounds], "p99_ms"),
        **cpu_per_request(rounds),
        "departures": counts,
        "before": before,
        "during": max(mids, key=lambda m: m["threads"]) if mids else None,
        "after": after,
        "log_errors": server.log_errors(),
    }


async def upload_scenario(port: int, path: str, total: int) -> dict[str, t.Any]:
    before = await client.stats(port, reset=True)
    r, seconds = await client.upload(port, path, total)
    after = await client.stats(port)
    size = json.loads(r.body).get("size") if r.status == 200 else None
    return {
        "status": r.status,
        "size": size,
        "seconds": seconds,
        "cpu_s": after["cpu"] - before["cpu"],
        "lateness": after.get("lateness"),
        "before": before,
        "after": after,
    }


def mixed(cookie: str) -> list[tuple[str, bytes]]:
    items = [{"name": f"item {i}", "price": i * 1.25} for i in range(40)]
    body = json.dumps({"items": items}).encode()
    headers = {"Cookie": cookie}
    posted = {"Cookie": cookie, "Content-Type": "application/json"}
    return [
        ("sync page", client.request("GET", "/mixed/sync-page", headers)),
        ("async page", client.request("GET", "/mixed/async-page", headers)),
        ("sync json", client.request("POST", "/mixed/sync-json", posted, body)),
        ("async json", client.request("POST", "/mixed/async-json", posted, body)),
    ]


async def stall_round(
    server: Served, mix: list[tuple[str, bytes]], s: Settings
) -> dict[str, t.Any]:
    port = server.port
    first = await client.stats(port, reset=True)
    await asyncio.sleep(s.idle)
    idle = await client.stats(port)
    loaded = await measured(port, mix, s)
    return {"idle": idle["lateness"], "idle_cpu": cpu_shares(first, idle), **loaded}
