"""What a WSGI request costs when each one runs on another thread, in process.

    python benchmarks/thread_hops.py [--quick] [--rounds N] [--requests N]
        [--frameworks bare,ours,flask] [--json OUT]

Threaded servers (gunicorn's gthread worker, granian's WSGI interface, which
keeps up to one Python thread per two requests it holds) hand consecutive
requests to different threads, and on a machine with several cores those
threads run on different cores. This driver reproduces that without a
server or sockets: ``--threads`` threads pass a token round a ring, and the
thread holding it serves one request of the TechEmpower-style app
(``benchmarks/tfb_apps``: the bare WSGI app, this package, Flask 3.1.3) and
passes it on. It reports the CPU time per request (``time.process_time``,
all threads; for the last setup, the request's wall time) for:

``1 thread``
    every request on the same thread: the in-process figure;
``16 threads``
    each request on the next of 16 threads, free to run on any core;
``16 threads, 1 core``
    the same with the process pinned to one core;
``1 thread, cold caches``
    every request on the same thread, but before each one the thread
    writes a buffer several times the size of a core's own caches and
    walks a list of Python objects, as a server's own work between two
    requests does; here the time is the request's alone (the median wall
    time of the app call, the eviction not counted).

The difference between the second and third is what moving between cores
adds: the objects a request reads were last written (if only their
reference counts) by the other core, so each read fetches its cache line
from there. The more objects a framework's request touches, the more this
adds, which is why a framework's share of a bare app's throughput is lower
behind threaded servers than behind gunicorn's sync worker. The last setup
shows the same cost on one thread: behind any server the request's code and
objects are no longer in the core's caches when it starts (see
docs/benchmarks.rst).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import threading
import time
import typing as t

BENCH = os.path.dirname(os.path.abspath(__file__))
PATHS = {"plaintext": "/plaintext", "json": "/json"}
#: (label, threads, pinned to one core); threads 0: one thread, caches
#: evicted before each request
SETUPS = [
    ("1 thread", 1, False),
    ("16 threads", 16, False),
    ("16 threads, 1 core", 16, True),
    ("1 thread, cold caches", 0, False),
]
#: Bytes written before each request in the cold-cache setup: four times a
#: core's 2 MiB L2 on the machine these figures come from, and more than
#: most cores' L1 and L2 together.
EVICT_BYTES = 8 * 1024 * 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- worker (runs in the framework's venv) ------------------------------------


def _environ(path: str) -> dict[str, t.Any]:
    from werkzeug.test import EnvironBuilder

    environ: dict[str, t.Any] = EnvironBuilder(path=path).get_environ()
    return environ


def ring(app: t.Any, path: str, threads: int, requests: int) -> float:
    """CPU microseconds per request, each request served by the next of
    ``threads`` threads in turn."""
    environ = _environ(path)
    turns = [threading.Semaphore(0) for _ in range(threads)]
    served = [0]
    statuses: list[str] = []

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> None:
        statuses.append(status)

    def worker(i: int) -> None:
        mine, after = turns[i], turns[(i + 1) % threads]
        while True:
            mine.acquire()
            if served[0] >= requests:
                after.release()
                return
            body = app(dict(environ), start_response)
            b"".join(body)
            if hasattr(body, "close"):
                body.close()
            served[0] += 1
            after.release()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    started = time.process_time()
    turns[0].release()
    for thread in pool:
        thread.join()
    spent = time.process_time() - started
    if set(statuses) != {"200 OK"}:
        raise RuntimeError(f"{path}: unexpected statuses {set(statuses)}")
    return spent / requests * 1e6


class Evictor:
    """Pushes a request's code and objects out of the core's caches: writes
    one byte per 64-byte line of a large buffer, then reads an attribute of
    each of many small Python objects (the allocator's memory too)."""

    def __init__(self, size: int | None = None) -> None:
        size = size or EVICT_BYTES
        self.buffer = bytearray(size)
        self.lines = b"\x01" * (size // 64)
        self.objects = [{"n": i} for i in range(size // 256)]

    def __call__(self) -> int:
        self.buffer[::64] = self.lines
        total = 0
        for obj in self.objects:
            total += obj["n"]
        return total


def cold(app: t.Any, path: str, requests: int, evict: Evictor) -> float:
    """Median wall microseconds of one request started after ``evict()``."""
    environ = _environ(path)
    statuses: list[str] = []

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> None:
        statuses.append(status)

    clock = time.perf_counter
    times = []
    for _ in range(requests):
        evict()
        request_environ = dict(environ)
        started = clock()
        body = app(request_environ, start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        times.append(clock() - started)
    if set(statuses) != {"200 OK"}:
        raise RuntimeError(f"{path}: unexpected statuses {set(statuses)}")
    return statistics.median(times) * 1e6


def measure(target: str, requests: int, repeat: int) -> dict[str, dict[str, float]]:
    module, _, attr = target.partition(":")
    app = getattr(importlib.import_module(module), attr)
    out: dict[str, dict[str, float]] = {}
    all_cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    for label, threads, pinned in SETUPS:
        if pinned:
            if all_cores is None or len(all_cores) < 2:
                continue
            os.sched_setaffinity(0, {min(all_cores)})
        elif all_cores is not None:
            os.sched_setaffinity(0, all_cores)
        for name, path in PATHS.items():
            ring(app, path, threads or 1, requests // 10)  # warm up
            if threads == 0:
                evict = Evictor()
                count = max(50, requests // 40)
                best = min(cold(app, path, count, evict) for _ in range(repeat))
            else:
                best = min(ring(app, path, threads, requests) for _ in range(repeat))
            out.setdefault(label, {})[name] = best
    return out


# -- driver --------------------------------------------------------------------


def run_worker(framework: str, requests: int, repeat: int) -> dict[str, t.Any]:
    import tfb_runner

    spec = tfb_runner.FRAMEWORKS[framework]
    assert spec.wsgi is not None
    args = ["--worker", spec.wsgi, "--requests", str(requests), "--repeat", str(repeat)]
    return t.cast(
        "dict[str, t.Any]",
        tfb_runner.json_worker(spec.env, "thread_hops.py", args, framework),
    )


def report(result: dict[str, t.Any], labels: dict[str, str]) -> str:
    setups = [label for label, _, _ in SETUPS]
    lines = [
        "Time per request (us): CPU time, but for the cold-cache setup the"
        " request's own wall time; median over rounds; in brackets, the time"
        " beyond the bare app's in the same setup"
    ]
    head = f"{'framework':<14} {'workload':<10}" + "".join(f" {s:>22}" for s in setups)
    lines += [head, "-" * len(head)]
    bare = result.get("bare", {})
    for fw, per_setup in result.items():
        for name in PATHS:
            cells = []
            for s in setups:
                value = per_setup.get(s, {}).get(name)
                if value is None:
                    cells.append(f" {'-':>22}")
                    continue
                base = bare.get(s, {}).get(name)
                extra = (
                    "" if fw == "bare" or base is None else f" (+{value - base:.1f})"
                )
                cells.append(f" {f'{value:.1f}{extra}':>22}")
            lines.append(f"{labels[fw]:<14} {name:<10}" + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="WSGI request cost when requests hop between threads (in process)."
    )
    parser.add_argument("--quick", action="store_true", help="1 round, fewer requests")
    parser.add_argument("--rounds", type=int, help="worker processes (default 3)")
    parser.add_argument("--requests", type=int, help="requests per measurement")
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--frameworks", default="bare,ours,flask")
    parser.add_argument("--json", metavar="OUT", help="also write results as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    requests = args.requests or (4000 if args.quick else 20000)
    if args.worker:
        json.dump(measure(args.worker, requests, args.repeat), sys.stdout)
        return 0
    import tfb_runner

    wsgi = [fw for fw, spec in tfb_runner.FRAMEWORKS.items() if spec.wsgi]
    frameworks = tfb_runner._names(args.frameworks, wsgi, "framework")
    for env in sorted({tfb_runner.FRAMEWORKS[fw].env for fw in frameworks}):
        tfb_runner.ensure_env(env, False)
    tfb_runner.versions("tfb-ours")  # exits unless it imports this checkout
    rounds = args.rounds or (1 if args.quick else 3)
    runs: dict[str, list[dict[str, t.Any]]] = {fw: [] for fw in frameworks}
    for r in range(rounds):
        for fw in frameworks if r % 2 == 0 else frameworks[::-1]:
            log(f"  round {r + 1}/{rounds}: {fw}")
            runs[fw].append(run_worker(fw, requests, args.repeat))
    result = {
        fw: {
            label: {
                name: statistics.median(run[label][name] for run in got)
                for name in PATHS
                if all(label in run for run in got)
            }
            for label, _, _ in SETUPS
        }
        for fw, got in runs.items()
    }
    labels = {fw: tfb_runner.FRAMEWORKS[fw].label for fw in frameworks}
    print(report(result, labels))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"result": result, "rounds": runs}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
