"""Benchmark worker: runs inside one implementation's venv, prints JSON on stdout.

Modes:
  serve    verify each scenario's response, then time chunks on the runner's
           request (the runner alternates a real and an ours worker)
  bench    the same in one shot, for running the worker by hand
  memory   build the core scenario apps, serve 2000 requests, report ru_maxrss
  profile  cProfile the given scenarios, print the top functions by tottime
  count    build the given scenarios, serve 200 requests each, then
           ``--iterations`` more: run under callgrind twice (0 and N) by the
           runner, the difference is what N requests cost

The app is called as a plain WSGI callable with a prebuilt environ (copied per
call, fresh input stream), a no-op ``start_response``, and the body iterable
consumed and closed, so the numbers measure the framework, not a client.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import os
import resource
import sys
import time
import typing as t
from importlib.metadata import version

import scenarios
from werkzeug.test import EnvironBuilder

if t.TYPE_CHECKING:
    from flask import Flask

Environ = dict[str, t.Any]
WSGIApp = t.Callable[[Environ, t.Any], t.Iterable[bytes]]


def _no_op_start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
    return None


class Prepared:
    """A built app and a reusable environ for one scenario."""

    def __init__(self, sc: scenarios.Scenario) -> None:
        self.scenario = sc
        started = time.perf_counter()
        self.app: Flask = sc.build()
        self.build_ms = (time.perf_counter() - started) * 1000
        builder = EnvironBuilder(
            path=sc.path,
            method=sc.method,
            headers=sc.request_headers(self.app),
            data=sc.body if sc.method != "GET" else None,
            content_type=sc.content_type,
        )
        try:
            self.environ: Environ = builder.get_environ()
        finally:
            builder.close()
        self.body = sc.body

    def call_once(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """One request, returning status, headers and the whole body."""
        captured: list[t.Any] = []

        def start_response(
            status: str, headers: t.Any, exc_info: t.Any = None
        ) -> t.Any:
            captured[:] = [status, list(headers)]
            return None

        environ = self.environ.copy()
        environ["wsgi.input"] = io.BytesIO(self.body)
        iterable = self.app(environ, start_response)
        try:
            data = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return captured[0], captured[1], data

    def loop(self, n: int) -> int:
        """Run ``n`` requests; return the elapsed nanoseconds."""
        app: WSGIApp = self.app
        base = self.environ
        body = self.body
        sr = _no_op_start_response
        bytes_io = io.BytesIO
        perf = time.perf_counter_ns
        started = perf()
        for _ in range(n):
            environ = base.copy()
            environ["wsgi.input"] = bytes_io(body)
            iterable = app(environ, sr)
            for _chunk in iterable:
                pass
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return perf() - started


def _summarize(p: Prepared) -> dict[str, t.Any]:
    """The comparable summary of one response, and whether it is as expected."""
    sc = p.scenario
    status, headers, data = p.call_once()
    hmap: dict[str, list[str]] = {}
    for key, value in headers:
        hmap.setdefault(key.lower(), []).append(value)
    compared: dict[str, t.Any] = {}
    for name in ("Content-Type", "Content-Length", *sc.compare_headers):
        values = hmap.get(name.lower(), [])
        if name.lower() == "set-cookie":
            compared[name] = [_describe_cookie(p.app, v) for v in values]
        else:
            compared[name] = ", ".join(values) if values else None
    problems = []
    code = int(status.split(" ", 1)[0])
    if code != sc.status:
        problems.append(f"status {status!r}, expected {sc.status}")
    if sc.expect_body is not None and data != sc.expect_body:
        problems.append(f"body {data[:120]!r}, expected {sc.expect_body[:120]!r}")
    for name, want in sc.expect_headers.items():
        got = ", ".join(hmap.get(name.lower(), [])) or None
        if got != want:
            problems.append(f"header {name}: {got!r}, expected {want!r}")
    if sc.expect_session is not None:
        cookies = compared.get("Set-Cookie") or []
        got_session = cookies[0].get("session") if cookies else None
        if got_session != sc.expect_session:
            problems.append(f"session {got_session!r}, expected {sc.expect_session!r}")
    return {
        "status": status,
        "body_sha256": hashlib.sha256(data).hexdigest(),
        "body_len": len(data),
        "body_head": data[:100].decode("utf-8", "replace"),
        "headers": compared,
        "problems": problems,
    }


def _describe_cookie(app: Flask, header: str) -> dict[str, t.Any]:
    """A Set-Cookie header with the signed value replaced by what it carries.

    The signature holds a timestamp, so the raw values differ between runs.
    """
    first, *attrs = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    rv: dict[str, t.Any] = {"name": name, "attrs": sorted(attrs)}
    if name == app.config["SESSION_COOKIE_NAME"] and value:
        try:
            rv["session"] = scenarios.decode_session(app, value)
        except Exception as e:  # a bad signature is reported, not raised
            rv["session"] = f"<undecodable: {type(e).__name__}>"
    return rv


def _calibrate(p: Prepared, warm_s: float) -> float:
    """Warm the scenario up for about ``warm_s`` seconds; nanoseconds per call."""
    gc.collect()
    n = 1
    spent = 0
    calls = 0
    while spent < warm_s * 1e9:
        spent += p.loop(n)
        calls += n
        n *= 2
    return spent / calls


def _time_scenario(p: Prepared, target_s: float, repeat: int) -> dict[str, t.Any]:
    """Warm up and calibrate, then ``repeat`` timed loops filling ``target_s``.

    Reports the fastest loop: on a shared machine other processes only ever add
    time, so the minimum is the stable estimate.
    """
    per_call = _calibrate(p, target_s * 0.2)
    iterations = max(3, int(target_s * 1e9 / per_call / repeat))
    samples = [p.loop(iterations) / iterations / 1000 for _ in range(repeat)]
    return {"us": min(samples), "samples": samples, "iterations": iterations}


def _versions() -> dict[str, str]:
    rv = {"python": sys.version.split()[0]}
    for dist in ("flask", "werkzeug", "jinja2", "itsdangerous", "asgiref"):
        try:
            rv[dist] = version(dist)
        except Exception:
            rv[dist] = "-"
    import flask

    rv["flask_path"] = os.path.dirname(flask.__file__)
    return rv


def _selected(names: str | None) -> list[scenarios.Scenario]:
    if not names:
        return list(scenarios.SCENARIOS)
    wanted = names.split(",")
    return [scenarios.BY_NAME[name] for name in wanted if name in scenarios.BY_NAME]


def _prepare_all(
    names: str | None, time_anyway: bool
) -> tuple[dict[str, Prepared], dict[str, t.Any]]:
    """Build and verify each scenario; only verified ones are returned for timing."""
    prepared: dict[str, Prepared] = {}
    info: dict[str, t.Any] = {}
    for sc in _selected(names):
        entry: dict[str, t.Any] = {}
        try:
            p = Prepared(sc)
            entry["build_ms"] = p.build_ms
            entry["response"] = _summarize(p)
            if not entry["response"]["problems"] or time_anyway:
                prepared[sc.name] = p
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
        info[sc.name] = entry
    return prepared, info


def mode_bench(args: argparse.Namespace) -> dict[str, t.Any]:
    """One-shot: verify and time every selected scenario in this process."""
    prepared, info = _prepare_all(args.only, args.time_anyway)
    for name, p in prepared.items():
        info[name].update(_time_scenario(p, args.target, args.repeat))
    return {"versions": _versions(), "scenarios": info}


def mode_serve(args: argparse.Namespace) -> None:
    """Verify, then time on request: the runner alternates two such workers.

    Protocol, one line each way: ``calibrate NAME SECONDS`` -> ns per call,
    ``time NAME ITERATIONS`` -> elapsed ns, ``quit``. Short interleaved chunks
    let both implementations see the same machine load.
    """
    prepared, info = _prepare_all(args.only, args.time_anyway)
    _emit({"versions": _versions(), "scenarios": info, "timable": list(prepared)})
    for line in sys.stdin:
        cmd, *rest = line.split()
        if cmd == "calibrate":
            _emit(_calibrate(prepared[rest[0]], float(rest[1])))
        elif cmd == "time":
            _emit(prepared[rest[0]].loop(int(rest[1])))
        else:
            break


def _emit(value: t.Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def mode_memory(args: argparse.Namespace) -> dict[str, t.Any]:
    prepared = [Prepared(scenarios.BY_NAME[name]) for name in scenarios.CORE]
    served = 0
    while served < args.requests:
        for p in prepared:
            p.loop(1)
            served += 1
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"maxrss_kb": maxrss, "requests": served}


def mode_profile(args: argparse.Namespace) -> dict[str, t.Any]:
    import cProfile
    import pstats

    out: dict[str, t.Any] = {}
    for sc in _selected(args.only):
        p = Prepared(sc)
        p.loop(200)
        iterations = args.iterations
        profiler = cProfile.Profile()
        profiler.enable()
        p.loop(iterations)
        profiler.disable()
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.strip_dirs().sort_stats("tottime").print_stats(args.top)
        text = buf.getvalue()
        calls_per_request = stats.total_calls / iterations  # type: ignore[attr-defined]
        out[sc.name] = {
            "iterations": iterations,
            "calls_per_request": calls_per_request,
            "text": text,
        }
    return out


def mode_count(args: argparse.Namespace) -> dict[str, t.Any]:
    """Serve each selected scenario 200 times, then ``--iterations`` times:
    nothing is timed (the runner counts instructions around this)."""
    served: dict[str, int] = {}
    for sc in _selected(args.only):
        p = Prepared(sc)
        p.loop(200)
        p.loop(args.iterations)
        served[sc.name] = args.iterations
    return {"served": served}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "mode", choices=["bench", "serve", "memory", "profile", "count"]
    )
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--target", type=float, default=0.25, help="seconds each")
    parser.add_argument("--repeat", type=int, default=5, help="timed loops each")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--iterations", type=int, default=20000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--time-anyway",
        action="store_true",
        help="time a scenario even when its response is not the expected one",
    )
    args = parser.parse_args()
    if args.mode == "serve":
        mode_serve(args)
        return
    handlers = {
        "bench": mode_bench,
        "memory": mode_memory,
        "profile": mode_profile,
        "count": mode_count,
    }
    _emit(handlers[args.mode](args))


if __name__ == "__main__":
    main()
