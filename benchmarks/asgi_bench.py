"""Serving over ASGI: this package against Starlette, Quart, FastAPI and a
bare ASGI callable, on uvicorn and on granian.

    python benchmarks/asgi_bench.py [--quick] [--rounds N] [--seconds S]
        [--connections C] [--frameworks NAMES] [--servers NAMES]
        [--only NAMES] [--client auto|wrk|python] [--json OUT]
        [--instructions | --instructions-only]

Frameworks (``benchmarks/asgi_apps/``, one small module each, all written
here): ``ours`` (``app.asgi_app`` of this checkout), ``starlette``,
``quart``, ``fastapi`` and ``bare`` (an ASGI callable with no framework: the
server's ceiling). Each serves ``/sync`` (a plain ``def`` view: Starlette,
FastAPI and Quart run it in a worker thread, as this package does; the bare
app answers it on the loop), ``/hello`` (an ``async def`` view returning
text) and ``/json`` (an ``async def`` view returning a small JSON object).

Servers, one worker process each on 127.0.0.1, with the commands of the
TechEmpower-style table (``tfb_runner.SERVERS``): ``uvicorn`` (``--loop
uvloop --http httptools``) and ``granian`` (``--interface asgi``).

For each server, every framework is started once, checked (status and body
of every endpoint; JSON compared as data; and, from the server process
itself, where its ``flask`` was imported from: it must be this checkout's
``src/flask``), warmed up, then timed in interleaved rounds: each round
loads every endpoint of every framework in turn (the order reversed every
other time), with wrk (one thread, ``--connections`` keep-alive
connections, ``--seconds`` each) when installed, else a Python client. The
ratios are taken per round, between loads seconds apart, and the report
gives their median and range over rounds.

``sleepers`` (in ``--only``): 1,000 concurrent requests to ``/sleep``, an
async view awaiting ``asyncio.sleep(1)``, on new connections; the wall
time (about 1 s when nothing holds a thread or serializes the requests).

``--instructions`` also counts every endpoint's instructions per request
through each server with callgrind (``server_instructions.py``): a cost
model that, unlike requests/s on a shared machine, repeats from run to run.

The venvs are those of ``tfb.py`` (``tfb-ours``, ``tfb-others``, pinned in
``tfb_runner.ENVS``), created under ``benchmarks/.envs/`` on first use.
Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

import run
import server_instructions
import tfb_load
import tfb_runner

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUR_FLASK = os.path.realpath(os.path.join(ROOT, "src", "flask"))


class Framework(t.NamedTuple):
    label: str
    env: str
    target: str  # module:attribute of its ASGI app


FRAMEWORKS: dict[str, Framework] = {
    "ours": Framework("this package", "tfb-ours", "asgi_apps.ours:app"),
    "starlette": Framework("Starlette", "tfb-others", "asgi_apps.starlette_app:app"),
    "quart": Framework("Quart", "tfb-others", "asgi_apps.quart_app:app"),
    "fastapi": Framework("FastAPI", "tfb-others", "asgi_apps.fastapi_app:app"),
    "bare": Framework("bare ASGI", "tfb-others", "asgi_apps.bare:app"),
}
#: name: the TechEmpower-style table's server of that name.
SERVERS = {"uvicorn": "uvicorn", "granian": "granian-asgi"}
ENDPOINTS = {"sync": "/sync", "hello": "/hello", "json": "/json"}
ENDPOINT_LABELS = {
    "sync": "sync hello",
    "hello": "async hello",
    "json": "async JSON",
}
TEXT = b"Hello, World!"
JSON_VALUE = {"message": "Hello, World!"}
#: The ratios the report gives: this package's requests/s over these.
COMPARED = ("starlette", "quart", "fastapi", "bare")


class Settings(t.NamedTuple):
    rounds: int
    seconds: float
    warm: float
    connections: int
    client: str


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- one server -----------------------------------------------------------------


def server_command(
    fw: str, server: str, port: int, origin_file: str
) -> tuple[list[str], dict[str, str]]:
    """The command serving framework ``fw`` with ``server`` on ``port``, and
    its environment (its app module writes where it imported its framework
    from to ``origin_file``)."""
    framework = FRAMEWORKS[fw]
    argv = tfb_runner.SERVERS[SERVERS[server]][1]
    cmd = [a.format(app=framework.target, port=port) for a in argv]
    cmd[0] = tfb_runner.env_bin(framework.env, cmd[0])
    env = run.child_env() | {"PYTHONPATH": BENCH, "ASGI_BENCH_ORIGIN": origin_file}
    return cmd, env


class Server:
    """One framework on one server (one worker), its own process group."""

    def __init__(self, fw: str, server: str, tmp: str) -> None:
        self.name = f"{server}/{fw}"
        self.port = run._free_port()
        self.origin_file = os.path.join(tmp, f"origin-{fw}-{server}.json")
        cmd, env = server_command(fw, server, self.port, self.origin_file)
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            cmd, cwd=BENCH, env=env, stdout=subprocess.DEVNULL, stderr=self.errors,
            start_new_session=True,
        )  # fmt: skip
        if not run._wait_for_port(self.port, self.proc, 60):  # type: ignore[arg-type]
            self.stop()
            raise RuntimeError(f"{self.name} did not start: {self.stderr()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def cpu_seconds(self) -> float | None:
        return tfb_runner.group_cpu_seconds(self.proc.pid)

    def origin(self) -> dict[str, str] | None:
        """What the server's app module reported on import (see
        ``asgi_apps.report_origin``)."""
        try:
            with open(self.origin_file) as f:
                return t.cast("dict[str, str]", json.load(f))
        except (OSError, ValueError):
            return None

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        run._stop(self.proc)  # type: ignore[arg-type]


def check_response(
    endpoint: str, status: int, headers: dict[str, str], body: bytes
) -> list[str]:
    """Problems with one response (empty: as every framework must answer)."""
    problems = []
    ctype = headers.get("content-type", "")
    if status != 200:
        problems.append(f"{endpoint}: status {status}")
    if endpoint == "json":
        try:
            same = json.loads(body) == JSON_VALUE
        except ValueError:
            same = False
        if not ctype.startswith("application/json"):
            problems.append(f"{endpoint}: content-type {ctype!r}")
    else:
        same = body == TEXT
        if not ctype.startswith("text/"):
            problems.append(f"{endpoint}: content-type {ctype!r}")
    if not same:
        problems.append(f"{endpoint}: body {body[:80]!r}")
    return problems


def check_origin(fw: str, origin: dict[str, str] | None) -> list[str]:
    """Problems with where the server's framework came from: this package's
    must be this checkout's ``src/flask``; the others must not be it."""
    if origin is None:
        return ["the app module did not report where its framework came from"]
    path = os.path.dirname(origin["file"])
    if (fw == "ours") != (os.path.realpath(path) == OUR_FLASK):
        return [f"{fw} imported {origin['framework']} from {path}"]
    return []


def check(server: Server, fw: str, endpoints: list[str]) -> list[str]:
    problems = []
    for name in endpoints:
        status, headers, body = tfb_load.fetch(server.url(ENDPOINTS[name]))
        problems += check_response(name, status, headers, body)
    return problems + check_origin(fw, server.origin())


# -- sleepers -------------------------------------------------------------------


async def _one(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    data = await reader.read()
    writer.close()
    return int(data.split(b" ", 2)[1])


async def sleepers(port: int, n: int = 1000) -> float:
    """Seconds for ``n`` concurrent requests to ``/sleep`` (each awaits
    ``asyncio.sleep(1)``) on new connections."""
    await asyncio.gather(*(_one(port, "/sleep") for _ in range(10)))
    start = time.perf_counter()
    statuses = await asyncio.gather(*(_one(port, "/sleep") for _ in range(n)))
    elapsed = time.perf_counter() - start
    if set(statuses) != {200}:
        raise tfb_load.LoadError(f"statuses {sorted(set(statuses))}")
    return elapsed


# -- the rounds -----------------------------------------------------------------


def measure(
    frameworks: list[str],
    servers: list[str],
    endpoints: list[str],
    s: Settings,
    with_sleepers: bool,
) -> dict[str, t.Any]:
    """Every sample: ``samples[server][endpoint][framework]`` is a list of
    one load result per round; and the problems seen."""
    samples: dict[str, dict[str, dict[str, list[dict[str, float]]]]] = {}
    sleep: dict[str, dict[str, float]] = {}
    problems: dict[str, list[str]] = {}
    origins: dict[str, dict[str, str] | None] = {}
    with tempfile.TemporaryDirectory(prefix="asgi-bench-") as tmp:
        for server in servers:
            running: dict[str, Server] = {}
            try:
                for fw in frameworks:
                    log(f"  starting {fw} on {server}")
                    try:
                        srv = Server(fw, server, tmp)
                    except RuntimeError as e:
                        problems.setdefault(f"{server}/{fw}", []).append(str(e))
                        continue
                    found = check(srv, fw, endpoints)
                    origins[srv.name] = srv.origin()
                    if found:
                        problems.setdefault(srv.name, []).extend(found)
                        srv.stop()
                        continue
                    running[fw] = srv
                _load_rounds(running, server, endpoints, s, samples, problems)
                if with_sleepers:
                    for fw, srv in running.items():
                        try:
                            took = asyncio.run(sleepers(srv.port))
                        except (tfb_load.LoadError, OSError) as e:
                            problems.setdefault(srv.name, []).append(f"sleepers: {e}")
                            continue
                        sleep.setdefault(server, {})[fw] = took
                        log(f"  {srv.name}: 1000 sleepers {took:.2f} s")
            finally:
                for srv in running.values():
                    srv.stop()
    return {
        "samples": samples,
        "sleepers": sleep,
        "problems": problems,
        "origins": origins,
    }


def _load_rounds(
    running: dict[str, Server],
    server: str,
    endpoints: list[str],
    s: Settings,
    samples: dict[str, t.Any],
    problems: dict[str, list[str]],
) -> None:
    fws = list(running)
    if s.warm:
        for fw in fws:
            for name in endpoints:
                url = running[fw].url(ENDPOINTS[name])
                try:
                    tfb_load.load("python", url, s.warm, 8)
                except (tfb_load.LoadError, OSError) as e:
                    problems.setdefault(running[fw].name, []).append(f"warm-up: {e}")
    turn = 0
    for r in range(s.rounds):
        for name in endpoints:
            order = fws if turn % 2 == 0 else fws[::-1]
            turn += 1
            for fw in order:
                srv = running[fw]
                log(f"  round {r + 1}/{s.rounds} {server} {name:5} {fw}")
                cpu = srv.cpu_seconds()
                try:
                    got = tfb_load.load(
                        s.client, srv.url(ENDPOINTS[name]), s.seconds, s.connections
                    )
                except (tfb_load.LoadError, OSError, subprocess.SubprocessError) as e:
                    problems.setdefault(srv.name, []).append(f"{name}: {e}")
                    continue
                cpu_after = srv.cpu_seconds()
                if cpu is not None and cpu_after is not None and got.get("requests"):
                    # Microseconds of server CPU per request.
                    got["cpu_us"] = (cpu_after - cpu) * 1e6 / got["requests"]
                got["round"] = r
                slot = samples.setdefault(server, {}).setdefault(name, {})
                slot.setdefault(fw, []).append(got)


# -- instructions per request -----------------------------------------------------


def count_instructions(
    frameworks: list[str], servers: list[str], endpoints: list[str]
) -> dict[str, t.Any]:
    """Instructions per request of every framework's endpoints through each
    server, counted with callgrind (:mod:`server_instructions`), and this
    package's cost over each other's (``ratios``: theirs / ours, so above 1
    ours executes fewer, as a req/s ratio above 1 means ours serves more)."""
    rows: dict[str, dict[str, float]] = {}
    problems: dict[str, list[str]] = {}
    paths = {name: ENDPOINTS[name] for name in endpoints}
    with tempfile.TemporaryDirectory(prefix="asgi-count-") as tmp:
        for server in servers:
            for fw in frameworks:
                origin_file = os.path.join(tmp, f"origin-{fw}-{server}.json")

                def start(
                    fw: str = fw, server: str = server, origin_file: str = origin_file
                ) -> tuple[list[str], int, dict[str, str], str]:
                    port = run._free_port()
                    cmd, env = server_command(fw, server, port, origin_file)
                    return cmd, port, env | {"PYTHONHASHSEED": "0"}, BENCH

                log(f"  counting {fw} on {server} (callgrind)")
                try:
                    got = server_instructions.per_request(start, paths)
                except server_instructions.CountError as e:
                    problems.setdefault(f"{server}/{fw}", []).append(f"count: {e}")
                    continue
                try:
                    with open(origin_file) as f:
                        origin = json.load(f)
                except (OSError, ValueError):
                    origin = None
                found = check_origin(fw, origin)
                if found:
                    problems.setdefault(f"{server}/{fw}", []).extend(found)
                    continue
                for name, n in got.items():
                    rows.setdefault(f"{server}/{name}", {})[fw] = n
    ratios = {
        key: {fw: per_fw[fw] / per_fw["ours"] for fw in COMPARED if fw in per_fw}
        for key, per_fw in rows.items()
        if per_fw.get("ours")
    }
    return {
        "requests": server_instructions.REQUESTS,
        "warm": server_instructions.WARM,
        "rows": rows,
        "ratios": ratios,
        "problems": problems,
    }


def report_instructions(
    counted: dict[str, t.Any], order: list[str], frameworks: list[str]
) -> str:
    """The instruction counts and ratios of :func:`count_instructions`."""
    out = [
        f"instructions per request through each server (callgrind; "
        f"{counted['requests']:,} requests on one keep-alive connection after "
        f"{counted['warm']} to each endpoint; thousands)"
    ]
    head = ["server", "endpoint", *(FRAMEWORKS[fw].label for fw in frameworks)]
    counts = _keyed_rows(
        order, counted["rows"], frameworks, lambda n: f"{n / 1000:,.1f}"
    )
    out.append(run.table([head, *counts]))
    compared = [fw for fw in COMPARED if fw in frameworks]
    if "ours" in frameworks and compared:
        out.append(
            "\ntheir instructions per request over this package's (above 1:"
            " ours executes fewer; a cost model, not a throughput)"
        )
        head = ["server", "endpoint", *(f"/{FRAMEWORKS[fw].label}" for fw in compared)]
        ratios = _keyed_rows(order, counted["ratios"], compared, lambda r: f"{r:.2f}")
        out.append(run.table([head, *ratios]))
    return "\n".join(out)


def _keyed_rows(
    order: list[str],
    by_key: dict[str, dict[str, float]],
    columns: list[str],
    cell: t.Callable[[float], str],
) -> list[list[str]]:
    """A table row per ``server/endpoint`` key of ``order`` found in
    ``by_key``: the server, the endpoint, then each column's value."""
    rows = []
    for key in order:
        found = by_key.get(key)
        if not found:
            continue
        server, name = key.split("/")
        rows.append([server, ENDPOINT_LABELS[name]] + [
            cell(found[c]) if c in found else "-" for c in columns
        ])  # fmt: skip
    return rows


# -- summary and report -----------------------------------------------------------


class Spread(t.NamedTuple):
    median: float
    low: float
    high: float

    def fmt(self, spec: str = ".2f") -> str:
        if self.low == self.high:
            return format(self.median, spec)
        return (
            f"{format(self.median, spec)} "
            f"({format(self.low, spec)}-{format(self.high, spec)})"
        )


def spread(values: list[float]) -> Spread | None:
    return (
        Spread(statistics.median(values), min(values), max(values)) if values else None
    )


def _by_round(runs: list[dict[str, float]], metric: str) -> dict[int, float]:
    return {int(run_["round"]): run_[metric] for run_ in runs if metric in run_}


def summarize(samples: dict[str, t.Any]) -> dict[str, t.Any]:
    """Per server, endpoint and framework: the median (and range) over rounds
    of req/s, p50, p99 and CPU per request; per server and endpoint: this
    package's req/s over each other framework's and its p99 over Starlette's,
    each taken within a round, median and range over rounds."""
    rows: dict[str, t.Any] = {}
    ratios: dict[str, t.Any] = {}
    for server, per_endpoint in samples.items():
        for name, per_fw in per_endpoint.items():
            key = f"{server}/{name}"
            for fw, runs in per_fw.items():
                rows.setdefault(key, {})[fw] = {
                    metric: spread([r[metric] for r in runs if metric in r])
                    for metric in ("rps", "p50", "p99", "cpu_us")
                }
            ours = per_fw.get("ours")
            if not ours:
                continue
            ours_rps = _by_round(ours, "rps")
            out: dict[str, Spread | None] = {}
            for other in COMPARED:
                theirs = _by_round(per_fw.get(other, []), "rps")
                out[other] = spread(
                    [ours_rps[r] / theirs[r] for r in ours_rps if theirs.get(r)]
                )
            ours_p99 = _by_round(ours, "p99")
            theirs_p99 = _by_round(per_fw.get("starlette", []), "p99")
            out["p99_starlette"] = spread(
                [ours_p99[r] / theirs_p99[r] for r in ours_p99 if theirs_p99.get(r)]
            )
            ratios[key] = out
    return {"rows": rows, "ratios": ratios}


def _cell(value: Spread | None, spec: str = ".2f") -> str:
    return "-" if value is None else value.fmt(spec)


def report(result: dict[str, t.Any]) -> str:
    out = _load_tables(result) if result["rows"] else []
    counted = result.get("instructions")
    if counted:
        text = report_instructions(counted, result["order"], result["frameworks"])
        out.append("\n" + text if out else text)
    if result.get("sleepers"):
        table = [["server", *(FRAMEWORKS[fw].label for fw in result["frameworks"])]]
        for server, per_fw in result["sleepers"].items():
            table.append(
                [server]
                + [
                    f"{per_fw[fw]:.2f}" if fw in per_fw else "-"
                    for fw in result["frameworks"]
                ]
            )
        out.append("\n1,000 concurrent sleepers (s, wall time)\n" + run.table(table))
    out += run.problem_lines(result["problems"], "these were not timed or counted")
    return "\n".join(out)


def _load_tables(result: dict[str, t.Any]) -> list[str]:
    """The timed loads' table and this package's ratios."""
    s = result["settings"]
    rows = result["rows"]
    ratios = result["ratios"]
    out = [
        f"ASGI servers, one worker each; {result['client']} with "
        f"{s['connections']} connections, {s['seconds']:g} s per load, "
        f"{s['rounds']} interleaved round(s); median over rounds (min-max)"
    ]
    table = [["server", "endpoint", "framework", "req/s", "p50 ms", "p99 ms",
              "cpu us/req"]]  # fmt: skip
    for key in result["order"]:
        server, name = key.split("/")
        for fw in result["frameworks"]:
            row = rows.get(key, {}).get(fw)
            if row is None:
                continue
            table.append([
                server, ENDPOINT_LABELS[name], FRAMEWORKS[fw].label,
                _cell(row["rps"], ",.0f"), _cell(row["p50"], ".2f"),
                _cell(row["p99"], ".2f"), _cell(row["cpu_us"], ".0f"),
            ])  # fmt: skip
    out.append("\n" + run.table(table))
    compared = [fw for fw in COMPARED if fw in result["frameworks"]]
    if "ours" in result["frameworks"] and compared:
        out.append(
            "\nratios of this package's figures to the others', taken within"
            " each round: req/s ours/theirs (above 1: ours serves more), and"
            " p99 ours/Starlette's (below 1: ours is lower)"
        )
        head = ["server", "endpoint", "ours req/s"]
        head += [f"/{FRAMEWORKS[fw].label}" for fw in compared]
        if "starlette" in compared:
            head.append("p99/Starlette")
        summary = [head]
        for key in result["order"]:
            server, name = key.split("/")
            ours = rows.get(key, {}).get("ours")
            if ours is None:
                continue
            found = ratios.get(key, {})
            line = [server, ENDPOINT_LABELS[name], _cell(ours["rps"], ",.0f")]
            line += [_cell(found.get(fw)) for fw in compared]
            if "starlette" in compared:
                line.append(_cell(found.get("p99_starlette")))
            summary.append(line)
        out.append(run.table(summary))
    return out


def _jsonable(value: t.Any) -> t.Any:
    if isinstance(value, Spread):
        return value._asdict()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# -- main -----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(
        description="This package's ASGI door against Starlette, Quart, FastAPI"
        " and a bare ASGI callable, on uvicorn and granian."
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round of 1 s loads: about 2 minutes"
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--seconds", type=float, help="seconds per load (default 3; 1 with --quick)"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--frameworks", help=f"subset of {','.join(FRAMEWORKS)} (default: all)"
    )
    parser.add_argument("--servers", help=f"subset of {','.join(SERVERS)}")
    parser.add_argument(
        "--only",
        help=f"subset of {','.join([*ENDPOINTS, 'sleepers'])} (default: all)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each endpoint's instructions per request through each"
        " server with valgrind's callgrind (about a minute per framework and"
        " server)",
    )
    parser.add_argument(
        "--instructions-only",
        action="store_true",
        help="count the instructions (as --instructions) and time nothing",
    )
    parser.add_argument("--json", metavar="OUT", help="also write results as JSON")
    parser.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    args = parser.parse_args(argv)
    s = Settings(
        rounds=args.rounds or (1 if args.quick else 3),
        seconds=args.seconds or (1 if args.quick else 3),
        warm=0.3 if args.quick else 1.0,
        connections=args.connections,
        client=tfb_load.tool(args.client),
    )
    return args, s


def main(argv: list[str] | None = None) -> int:
    args, s = parse_args(argv)
    frameworks = tfb_runner._names(args.frameworks, FRAMEWORKS, "framework")
    servers = tfb_runner._names(args.servers, SERVERS, "server")
    picked = tfb_runner._names(args.only, [*ENDPOINTS, "sleepers"], "scenario")
    endpoints = [p for p in picked if p in ENDPOINTS]
    started = time.monotonic()
    envs = sorted({FRAMEWORKS[fw].env for fw in frameworks})
    for env in envs:
        tfb_runner.ensure_env(env, args.reinstall)
    log(
        f"{len(frameworks)} frameworks x {len(servers)} servers x"
        f" {len(endpoints)} endpoints, {s.rounds} round(s), client {s.client}"
    )
    if args.instructions_only:
        raw: dict[str, t.Any] = {
            "samples": {}, "sleepers": {}, "problems": {}, "origins": {}
        }  # fmt: skip
    else:
        raw = measure(frameworks, servers, endpoints, s, "sleepers" in picked)
    counted: dict[str, t.Any] = {}
    if args.instructions or args.instructions_only:
        log("instructions per request (callgrind) ...")
        counted = count_instructions(frameworks, servers, endpoints)
        for key, found in counted.pop("problems").items():
            raw["problems"].setdefault(key, []).extend(found)
    result: dict[str, t.Any] = summarize(raw["samples"]) | {
        "client": s.client,
        "settings": s._asdict(),
        "frameworks": frameworks,
        "order": [f"{server}/{name}" for server in servers for name in endpoints],
        "versions": {env: tfb_runner.versions(env) for env in envs},
        "origins": raw["origins"],
        "problems": raw["problems"],
        "samples": raw["samples"],
        "sleepers": raw["sleepers"],
        "cpus": os.cpu_count(),
        "instructions": counted,
    }
    result["seconds"] = time.monotonic() - started
    print(report(result))
    print(f"\n(total {result['seconds']:.0f}s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"asgi_bench": _jsonable(result)}, f, indent=2)
    return 1 if raw["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
