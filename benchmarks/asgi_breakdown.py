"""Where one request's time goes in ``app.asgi_app``, measured in process.

    python benchmarks/asgi_breakdown.py [--quick] [--rounds N] [--requests N]
        [--chunks N] [--no-starlette] [--json OUT] [--profile ENDPOINT]

No server and no sockets: a small driver calls the ASGI apps of
``benchmarks/asgi_apps`` with a fixed ``http`` scope (what uvicorn builds
for wrk's request), each request in a task of its own as servers run them,
on uvloop, after a lifespan startup. Its ``receive`` hands over an empty
body and its ``send`` keeps the messages: a server's own work is not part
of these figures. Every endpoint's response is checked first.

Time is CPU time (``time.process_time``: all threads of the process) per
request, over ``--chunks`` chunks of ``--requests`` requests; the median
chunk counts for a round, and each round is a fresh worker process, this
package's and Starlette's in turn. The same loop with an app that does
nothing (the driver's own cost, subtracted from every total) and with the
bare ASGI app is timed alongside, and so is one thread hop with an empty
job (this package's pool; anyio's for Starlette).

This package's time is split by wrapping, at run time from this script
(the source is not edited), the functions listed in ``MAIN``, and
accounting the time between two boundaries to the innermost part running:

================ ==========================================================
scope            ``flask.asgi._environ.environ_from_scope``, or
                 ``flask.asgi._scoped.scoped_context`` (the scope read
                 without an environ, on the lean path)
request          ``flask.wrappers.Request.__init__`` (on the lean path,
                 only if something asks for the request)
routing          ``Flask.create_url_adapter`` (bind) and
                 ``flask._urls.match_rule`` or ``remembered_match``
                 (match)
view             the view function (for a coroutine function: running it)
response         ``Flask.make_response``, ``Flask._save_session``,
                 ``flask._responses.serve`` and ``direct_parts``,
                 ``flask._plain.finish`` (a ``str`` or ``dict``
                 sent without a response object), and the
                 response head checked and encoded
                 (``flask.asgi._stream.response_headers``, ``status_code``)
send             ``flask.asgi._stream.respond`` (the ASGI messages built and
                 sent) less the head encoding; on the lean path
                 (``flask.asgi._lean``) the two messages are built and sent
                 by ``serve_lean`` itself, so they count as orchestration
hop              from ``WorkerPool.submit`` until the job's result is handed
                 over on the loop, less the job's own work
orchestration    the rest: the uninstrumented total less all of the above
================ ==========================================================

A wrapper costs about a microsecond in a tight loop, and more inside a
request (colder caches). So each instrumented pass is timed as a whole too:
what it took beyond the plain run is the wrappers' cost there, shared out
over their calls in proportion to their tight-loop cost, and each part
loses the share of it measured inside a wrapper (its own calls) or outside
(calls made within it). What remains uncertain is how that cost splits
between parts: a few tenths of a microsecond per call (a part of an empty
function can come out slightly negative). A second pass also wraps the
parts of orchestration (``DETAIL``) and gives its own split of the whole.

``--profile ENDPOINT`` instead runs this package's endpoint under cProfile
and prints the functions taking the most time. The worker processes run in
the venvs of ``tfb.py`` (``benchmarks/.envs/``, code in
``asgi_breakdown_worker.py``); this file uses only the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import typing as t

BENCH = os.path.dirname(os.path.abspath(__file__))
ENDPOINTS = {"sync": "/sync", "hello": "/hello", "json": "/json"}
LABELS = {"sync": "sync hello", "hello": "async hello", "json": "async JSON"}
CATEGORIES = (
    "scope",
    "request",
    "routing",
    "view",
    "response",
    "send",
    "hop",
    "orchestration",
)
CATEGORY_LABELS = {
    "scope": "scope translation",
    "request": "request object",
    "routing": "routing (bind + match)",
    "view": "view",
    "response": "response",
    "send": "send",
    "hop": "thread hop",
    "orchestration": "framework orchestration",
}
#: What is wrapped: (part, [(where, name), ...]); ``where`` is a module, or
#: ``module:Class`` for a method; ``VIEWS`` stands for the view functions.
VIEWS = ("<views>", "")
MAIN = (
    ("scope", [
        ("flask.asgi._environ", "environ_from_scope"),
        ("flask.asgi._scoped", "scoped_context"),
    ]),
    ("request", [("flask.wrappers:Request", "__init__")]),
    ("routing bind", [("flask.app:Flask", "create_url_adapter")]),
    ("routing match", [
        ("flask._urls", "match_rule"),
        ("flask._urls", "remembered_match"),
    ]),
    ("view", [VIEWS]),
    ("response body", [
        ("flask.app:Flask", "make_response"),
        ("flask.app:Flask", "_save_session"),
        ("flask._responses", "serve"),
        ("flask.asgi._steps", "serve"),
        ("flask.asgi._steps", "direct_parts"),
        ("flask.asgi._lean", "finish"),
        ("flask.asgi._lean", "direct_parts"),
    ]),
    ("response head", [
        ("flask.asgi._stream", "response_headers"),
        ("flask.asgi._stream", "status_code"),
        ("flask.asgi._lean", "response_headers"),
    ]),
    ("send", [("flask.asgi._stream", "respond")]),
    ("hop", [("flask.asgi._pool:WorkerPool", "submit")]),
)  # fmt: skip
#: The parts of orchestration, wrapped the same way (in a second pass).
DETAIL = (
    ("exchange object", [("flask.asgi._http:Exchange", "__init__")]),
    ("body receive", [("flask.asgi._http", "_receive_body")]),
    ("binding object", [("flask.asgi._bridge:Binding", "__init__")]),
    ("pipeline object", [("flask.asgi._steps:Pipeline", "__init__")]),
    ("context object", [("flask.ctx:AppContext", "__init__")]),
    ("context push", [("flask.ctx:AppContext", "push")]),
    ("context pop + teardown", [("flask.ctx:AppContext", "pop")]),
    ("plan checks", [
        ("flask.asgi._http", "plan_of"),
        ("flask.asgi._http", "plain_now"),
    ]),
    ("hook lookups", [("flask.asgi._steps", "_inline_steps")]),
    ("entry (ASGIApp.__call__, serve_http)", [
        ("flask.asgi:ASGIApp", "__call__"),
        ("flask.asgi._http", "serve_http"),
        ("flask.asgi._http", "_serve_scoped"),
    ]),
    ("driving (drive, go_on, _inline, _finished)", [
        ("flask.asgi._http:Exchange", "drive"),
        ("flask.asgi._http:Exchange", "go_on"),
        ("flask.asgi._http:Exchange", "_inline"),
        ("flask.asgi._http:Exchange", "_finished"),
    ]),
    ("lean path (serve_lean, open_*, run_sync)", [
        ("flask.asgi._http", "serve_lean"),
        ("flask.asgi._lean", "open_inline"),
        ("flask.asgi._lean", "open_environ"),
        ("flask.asgi._http", "_serve_sync"),
        ("flask.asgi._http", "run_sync"),
    ]),
    ("steps on the loop (start/finish_inline)", [
        ("flask.asgi._steps:Pipeline", "start_inline"),
        ("flask.asgi._steps:Pipeline", "finish_inline"),
    ]),
    ("steps in the worker (Pipeline._step)", [
        ("flask.asgi._steps:Pipeline", "_step"),
    ]),
)  # fmt: skip


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- main process: rounds of worker processes ----------------------------------------


def run_worker(framework: str, args: argparse.Namespace) -> dict[str, t.Any]:
    import tfb_runner

    env = "tfb-ours" if framework == "ours" else "tfb-others"
    argv = [
        "--worker", framework, "--requests", str(args.requests),
        "--chunks", str(args.chunks),
    ]  # fmt: skip
    return t.cast(
        "dict[str, t.Any]",
        tfb_runner.json_worker(env, "asgi_breakdown.py", argv, framework),
    )


def spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "low": min(values),
        "high": max(values),
    }


def summarize(rounds: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """Median and range over rounds of every per-request figure."""

    def collect(path: tuple[str, ...]) -> list[float]:
        values = []
        for r in rounds:
            node: t.Any = r
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, (int, float)):
                values.append(float(node))
        return values

    def walk(node: t.Any, path: tuple[str, ...]) -> t.Any:
        if isinstance(node, dict):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, (int, float)):
            return spread(collect(path))
        return node

    return t.cast("dict[str, t.Any]", walk(rounds[0], ()))


def _fmt(value: dict[str, float] | None, spec: str = ".1f") -> str:
    if value is None:
        return "-"
    m, lo, hi = value["median"], value["low"], value["high"]
    if format(lo, spec) == format(hi, spec):
        return format(m, spec)
    return f"{format(m, spec)} ({format(lo, spec)}-{format(hi, spec)})"


def report(result: dict[str, t.Any]) -> str:
    import run

    ours, theirs = result["ours"], result.get("starlette")
    eps = [e for e in ENDPOINTS if e in ours["total"]]
    out = [
        f"In process, fixed scope, {result['loop']}; CPU us per request (driver"
        f" subtracted), median (min-max) over {result['rounds']} rounds of"
        f" {result['chunks']} x {result['requests']} requests"
    ]
    rows = [["", *(LABELS[e] for e in eps)]]
    rows.append(["this package", *(_fmt(ours["total"][e]) for e in eps)])
    if theirs:
        rows.append(["Starlette", *(_fmt(theirs["total"][e]) for e in eps)])
        ratios = result["ratio_starlette"]
        rows.append(["ours / Starlette", *(_fmt(ratios.get(e), ".2f") for e in eps)])
    rows.append(["bare ASGI", *(_fmt(ours["bare"][e]) for e in eps)])
    rows.append(["driver (subtracted)", *(_fmt(ours["floor"]) for e in eps)])
    out.append("\n" + run.table(rows))
    hops = [f"this package {_fmt(ours['hop_us'], '.1f')} us"]
    if theirs:
        hops.append(f"Starlette (anyio) {_fmt(theirs['hop_us'], '.1f')} us")
    out.append("one thread hop with an empty job: " + ", ".join(hops))
    out.append(
        "\nwhere this package's time per request goes: CPU us (share of the"
        " total); median (min-max) over rounds"
    )
    rows = [["part", *(LABELS[e] for e in eps)]]
    for cat in CATEGORIES:
        rows.append([CATEGORY_LABELS[cat]] + [
            f"{_fmt(ours['parts'][e][cat])} {_share(ours, e, cat)}" for e in eps
        ])  # fmt: skip
    rows.append(["total", *(_fmt(ours["total"][e]) for e in eps)])
    rows.append(
        ["thread hops per request", *(_fmt(ours["hops"][e], ".0f") for e in eps)]
    )
    out.append(run.table(rows))
    out.append(
        "\nframework orchestration split (a second pass that also wraps these;"
        " its own figure for the whole)"
    )
    rows = [["part", *(LABELS[e] for e in eps)]]
    for label in [label for label, _ in DETAIL] + ["rest", "orchestration"]:
        rows.append([label] + [_fmt(ours["detail"][e].get(label)) for e in eps])
    out.append(run.table(rows))
    factors = ours["factor"]
    out.append(
        "a wrapper cost, in a request, this many times its cost in a tight loop"
        f" ({_fmt(ours['tight_loop_wrapper_us']['sync'], '.2f')} us):"
        " main pass "
        + ", ".join(_fmt(factors.get(f"main:{e}"), ".1f") for e in eps)
        + "; second pass "
        + ", ".join(_fmt(factors.get(f"detail:{e}"), ".1f") for e in eps)
    )
    if ours.get("missing"):
        out.append("not found (not wrapped): " + ", ".join(ours["missing"]))
    return "\n".join(out)


def _share(ours: dict[str, t.Any], endpoint: str, cat: str) -> str:
    part = ours["parts"][endpoint][cat]
    total = ours["total"][endpoint]
    if not part or not total or not total["median"]:
        return ""
    return f"[{100 * part['median'] / total['median']:.0f}%]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Where one request's CPU time goes in app.asgi_app (in process)."
    )
    parser.add_argument("--quick", action="store_true", help="2 short rounds")
    parser.add_argument("--rounds", type=int, help="worker processes (default 5)")
    parser.add_argument("--requests", type=int, help="requests per chunk")
    parser.add_argument("--chunks", type=int, help="chunks per measurement")
    parser.add_argument("--no-starlette", action="store_true")
    parser.add_argument("--json", metavar="OUT", help="also write results as JSON")
    parser.add_argument(
        "--profile", metavar="ENDPOINT", choices=list(ENDPOINTS),
        help="instead: cProfile this package serving ENDPOINT, top functions",
    )  # fmt: skip
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (2 if args.quick else 5)
    args.requests = args.requests or (500 if args.quick else 2000)
    args.chunks = args.chunks or (3 if args.quick else 5)
    if args.worker:
        import asgi_breakdown_worker as worker

        json.dump(worker.measure(args.worker, args.requests, args.chunks), sys.stdout)
        return 0
    import run
    import tfb_runner

    if args.profile:
        tfb_runner.ensure_env("tfb-ours", False)
        code = f"import asgi_breakdown_worker as w; w.profile({args.profile!r})"
        cmd = [tfb_runner.env_bin("tfb-ours", "python"), "-c", code]
        env = run.child_env() | {"PYTHONPATH": BENCH}
        return subprocess.run(cmd, cwd=BENCH, env=env).returncode
    frameworks = ["ours"] if args.no_starlette else ["ours", "starlette"]
    for env in ("tfb-ours", "tfb-others")[: len(frameworks)]:
        tfb_runner.ensure_env(env, False)
    tfb_runner.versions("tfb-ours")  # exits unless it imports this checkout
    per_fw: dict[str, list[dict[str, t.Any]]] = {fw: [] for fw in frameworks}
    ratios: list[dict[str, float]] = []
    for r in range(args.rounds):
        order = frameworks if r % 2 == 0 else frameworks[::-1]
        got = {}
        for fw in order:
            log(f"  round {r + 1}/{args.rounds}: {fw}")
            got[fw] = run_worker(fw, args)
            per_fw[fw].append(got[fw])
        if "starlette" in got:
            ratios.append({
                e: got["ours"]["total"][e] / got["starlette"]["total"][e]
                for e in got["ours"]["total"]
            })  # fmt: skip
    result: dict[str, t.Any] = {fw: summarize(rs) for fw, rs in per_fw.items()}
    if ratios:
        result["ratio_starlette"] = summarize(ratios)
    result |= {
        "loop": per_fw["ours"][0]["loop"],
        "rounds": args.rounds,
        "requests": args.requests,
        "chunks": args.chunks,
        "raw": per_fw,
    }
    print(report(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"asgi_breakdown": result}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
