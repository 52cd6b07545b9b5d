"""The TechEmpower-style table: frameworks x servers x workloads, over HTTP.

    python benchmarks/tfb.py [--quick] [--rounds N] [--seconds S]
        [--frameworks NAMES] [--servers NAMES] [--workloads NAMES]
        [--connections C] [--client auto|wrk|python] [--json OUT] [--plot DIR]
        [--instructions | --instructions-only] [--count-repeats N] [--pin]

Every framework serves the six endpoints (``tfb_apps/``) on every server it
supports, one worker process on 127.0.0.1, loaded by the same client (wrk
when installed). Rounds are interleaved: each round starts every
(framework, server) pair once, in turn (the order reversed every other
round), so all see the same machine load; the table shows medians over
rounds. Before timing, each freshly started server gets one request per
endpoint and must answer what ``tfb.expected_sequence`` says (JSON compared
as data, everything else byte for byte). Each framework's throughput is also
given as a share of the bare app's (no framework, same work) on the same
server. Only the standard library is used here; the frameworks and servers
live in two venvs under ``benchmarks/.envs/`` (``tfb-ours``: this package;
``tfb-others``: everything else, pinned below). ``--instructions`` also
counts each pair's instructions per request with callgrind
(``tfb_count.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

import run
import tfb
import tfb_load

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)

SERVER_PINS = [
    "gunicorn==27.0.1",
    "uvicorn==0.55.0",
    "uvloop==0.23.0",
    "httptools==0.9.0",
    "granian==2.8.9",
]
ENVS: dict[str, list[str]] = {
    "tfb-ours": ["-e", f"{ROOT}[async]", *SERVER_PINS],
    "tfb-others": [
        "flask==3.1.3",
        "werkzeug==3.1.9",
        "jinja2==3.1.6",
        "quart==0.22.0",
        "starlette==1.10.0",
        "fastapi==0.165.0",
        "falcon==4.4.0",
        "bottle==0.13.5",
        *SERVER_PINS,
    ],
}


class Framework(t.NamedTuple):
    label: str
    env: str
    wsgi: str | None  # module:attribute of its WSGI app
    asgi: str | None  # module:attribute of its ASGI app


FRAMEWORKS: dict[str, Framework] = {
    "bare": Framework("bare app", "tfb-others", "tfb_apps.bare_wsgi:app",
                      "tfb_apps.bare_asgi:app"),
    "ours": Framework("this package", "tfb-ours", "tfb_apps.flask_wsgi:app",
                      "tfb_apps.flask_asgi:app"),
    "flask": Framework("Flask 3.1.3", "tfb-others", "tfb_apps.flask_wsgi:app", None),
    # The bare app plus ~5 us of pure Python per request: run only when named.
    "bare-slowed": Framework("bare app + 5 us", "tfb-others",
                             "tfb_apps.bare_slowed_wsgi:app", None),
    "quart": Framework("Quart", "tfb-others", None, "tfb_apps.quart_app:app"),
    "starlette": Framework("Starlette", "tfb-others", None,
                           "tfb_apps.starlette_app:app"),
    "fastapi": Framework("FastAPI", "tfb-others", None, "tfb_apps.fastapi_app:app"),
    "falcon": Framework("Falcon", "tfb-others", "tfb_apps.falcon_wsgi:app",
                        "tfb_apps.falcon_asgi:app"),
    "bottle": Framework("Bottle", "tfb-others", "tfb_apps.bottle_app:app", None),
}  # fmt: skip

# name: (interface, command after the venv's bin directory, with {app} {port})
SERVERS: dict[str, tuple[str, list[str]]] = {
    "gunicorn-sync": ("wsgi", [
        "gunicorn", "--workers=1", "--worker-class=sync", "--bind=127.0.0.1:{port}",
        "--log-level=warning", "--backlog=2048", "{app}"]),
    "gunicorn-gthread": ("wsgi", [
        "gunicorn", "--workers=1", "--worker-class=gthread", "--threads=4",
        "--bind=127.0.0.1:{port}", "--log-level=warning", "--backlog=2048", "{app}"]),
    "granian-wsgi": ("wsgi", [
        "granian", "--interface=wsgi", "--workers=1", "--host=127.0.0.1",
        "--port={port}", "--log-level=warning", "--backlog=2048", "{app}"]),
    # Granian's WSGI interface with one Python thread (its default is one per
    # two requests it may hold, up to 1024): run only when named.
    "granian-wsgi-1t": ("wsgi", [
        "granian", "--interface=wsgi", "--workers=1", "--blocking-threads=1",
        "--host=127.0.0.1", "--port={port}", "--log-level=warning",
        "--backlog=2048", "{app}"]),
    "uvicorn": ("asgi", [
        "uvicorn", "--workers=1", "--loop=uvloop", "--http=httptools",
        "--host=127.0.0.1", "--port={port}", "--no-access-log",
        "--log-level=warning", "--backlog=2048", "{app}"]),
    "granian-asgi": ("asgi", [
        "granian", "--interface=asgi", "--workers=1", "--host=127.0.0.1",
        "--port={port}", "--log-level=warning", "--backlog=2048", "{app}"]),
}  # fmt: skip

#: Servers run only when named in ``--servers``.
OPT_IN_SERVERS = {"granian-wsgi-1t"}
#: Frameworks run only when named in ``--frameworks``.
OPT_IN_FRAMEWORKS = {"bare-slowed"}

WORKLOADS: dict[str, str] = {
    "plaintext": "/plaintext",
    "json": "/json",
    "db": "/db",
    "queries": f"/queries?queries={tfb.QUERIES}",
    "fortunes": "/fortunes",
    "updates": f"/updates?queries={tfb.QUERIES}",
}
CONTENT_TYPES = {
    "plaintext": "text/plain; charset=utf-8",
    "fortunes": "text/html; charset=utf-8",
}


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class Settings(t.NamedTuple):
    rounds: int
    seconds: float
    warm: float
    connections: int
    client: str
    #: With ``--pin``: the CPUs the servers run on (the client gets the others).
    server_cpus: tuple[int, ...] = ()


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- environments ---------------------------------------------------------------


def env_bin(env: str, name: str) -> str:
    return os.path.join(BENCH, ".envs", env, "bin", name)


def ensure_env(env: str, reinstall: bool) -> None:
    """Create the venv ``env`` unless one with the same requirements exists."""
    path = os.path.join(BENCH, ".envs", env)
    marker = os.path.join(path, ".bench-requirements.json")
    spec = json.dumps(ENVS[env])
    if not reinstall and os.path.exists(marker):
        with open(marker) as f:
            if f.read() == spec:
                return
    log(f"creating {path} ...")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    subprocess.run(
        [env_bin(env, "python"), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", *ENVS[env]],
        check=True, timeout=900,
    )  # fmt: skip
    with open(marker, "w") as f:
        f.write(spec)


def json_worker(env: str, script: str, args: list[str], what: str) -> t.Any:
    """Run ``benchmarks/<script> args`` with ``env``'s Python, from the
    benchmarks directory, and return the JSON it prints (``what`` names it
    in the error if it fails)."""
    cmd = [env_bin(env, "python"), os.path.join(BENCH, script), *args]
    out = subprocess.run(
        cmd, cwd=BENCH, env=run.child_env() | {"PYTHONPATH": BENCH},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(f"{what} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def versions(env: str) -> dict[str, str]:
    """What the venv has installed, and where its ``flask`` comes from."""
    code = (
        "import json, importlib.metadata as m, os, flask\n"
        "names = ['flask', 'werkzeug', 'jinja2', 'quart', 'starlette', 'fastapi',"
        " 'falcon', 'bottle', 'gunicorn', 'uvicorn', 'uvloop', 'httptools',"
        " 'granian']\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "out['flask_path'] = os.path.dirname(flask.__file__)\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run(
        [env_bin(env, "python"), "-c", code], capture_output=True, text=True,
        check=True, cwd=BENCH, env=run.child_env(),
    ).stdout  # fmt: skip
    info: dict[str, str] = json.loads(out)
    ours = os.path.realpath(os.path.join(ROOT, "src", "flask"))
    is_ours = os.path.realpath(info["flask_path"]) == ours
    if (env == "tfb-ours") != is_ours:
        sys.exit(f"{env} imports flask from {info['flask_path']}")
    return info


# -- one server -----------------------------------------------------------------


def group_cpu_seconds(pgid: int) -> float | None:
    """User + system CPU time so far of every process in the process group
    ``pgid``, or ``None`` without /proc."""
    total = 0
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state ppid pgrp ... utime(12) stime(13).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / _CLK_TCK


def server_command(
    fw: str, server: str, port: int, db: str
) -> tuple[list[str], dict[str, str]]:
    """The command serving framework ``fw`` with ``server`` on ``port`` and
    the database file ``db``, and its environment."""
    framework = FRAMEWORKS[fw]
    interface, argv = SERVERS[server]
    target = framework.wsgi if interface == "wsgi" else framework.asgi
    assert target is not None
    cmd = [a.format(app=target, port=port) for a in argv]
    cmd[0] = env_bin(framework.env, cmd[0])
    env = run.child_env() | {"PYTHONPATH": BENCH, "TFB_DB": db}
    return cmd, env


class Server:
    """One framework on one server, one worker, on a fresh copy of the
    database; stopped with its whole process group."""

    def __init__(
        self,
        fw: str,
        server: str,
        db_template: str,
        tmp: str,
        cpus: t.Collection[int] = (),
    ) -> None:
        self.db = os.path.join(tmp, f"{fw}-{server}.sqlite")
        shutil.copyfile(db_template, self.db)
        self.port = run._free_port()
        cmd, env = server_command(fw, server, self.port, self.db)
        self.errors = tempfile.TemporaryFile()
        pin = None
        if cpus:
            # Every process of the server (workers inherit it) on ``cpus``.
            def pin() -> None:
                os.sched_setaffinity(0, cpus)

        self.proc = subprocess.Popen(
            cmd, cwd=BENCH, env=env, stdout=subprocess.DEVNULL, stderr=self.errors,
            start_new_session=True, preexec_fn=pin,
        )  # fmt: skip
        if not run._wait_for_port(self.port, self.proc, 60):  # type: ignore[arg-type]
            self.stop()
            raise RuntimeError(f"{fw} on {server} did not start: {self.stderr()}")

    def url(self, workload: str) -> str:
        return f"http://127.0.0.1:{self.port}{WORKLOADS[workload]}"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time so far of every process of the server (its
        process group: a master and its workers), or ``None`` without /proc."""
        return group_cpu_seconds(self.proc.pid)

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        run._stop(self.proc)  # type: ignore[arg-type]
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(self.db + suffix)
            except FileNotFoundError:
                pass


def check(server: Server, workloads: list[str]) -> list[str]:
    """Problems with the first response to each endpoint (empty: all as
    expected). Requests go in ``WORKLOADS`` order, which the expected
    bodies assume (they share one seeded random source)."""
    problems = []
    wanted = tfb.expected_sequence(list(WORKLOADS))
    for name in WORKLOADS:
        status, headers, body = tfb_load.fetch(server.url(name))
        if name not in workloads:
            continue
        ctype = headers.get("content-type", "").lower().replace(" ", "")
        want_ctype = CONTENT_TYPES.get(name, "application/json").replace(" ", "")
        if status != 200:
            problems.append(f"{name}: status {status}")
        if ctype != want_ctype:
            problems.append(f"{name}: content-type {ctype!r}, expected {want_ctype!r}")
        if want_ctype == "application/json":
            try:
                same = json.loads(body) == json.loads(wanted[name])
            except ValueError:
                same = False
        else:
            same = body == wanted[name]
        if not same:
            problems.append(
                f"{name}: body {body[:80]!r}, expected {wanted[name][:80]!r}"
            )
    return problems


# -- the rounds -----------------------------------------------------------------


def pairs(frameworks: list[str], servers: list[str]) -> list[tuple[str, str]]:
    """Every (framework, server) the framework supports, servers outermost."""
    out = []
    for server in servers:
        interface = SERVERS[server][0]
        for fw in frameworks:
            if getattr(FRAMEWORKS[fw], interface) is not None:
                out.append((fw, server))
    return out


def measure(
    todo: list[tuple[str, str]], workloads: list[str], s: Settings
) -> dict[str, t.Any]:
    """Interleaved rounds; every sample, and the problems seen."""
    samples: dict[str, dict[str, dict[str, list[float]]]] = {}
    problems: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="tfb-run-") as tmp:
        template = tfb.create_database()
        for r in range(s.rounds):
            order = todo if r % 2 == 0 else todo[::-1]
            for n, (fw, server) in enumerate(order, 1):
                key = f"{server}/{fw}"
                log(f"  round {r + 1}/{s.rounds} [{n}/{len(order)}] {fw} on {server}")
                try:
                    srv = Server(fw, server, template, tmp, s.server_cpus)
                except RuntimeError as e:
                    problems.setdefault(key, []).append(str(e))
                    continue
                try:
                    found = check(srv, workloads)
                    if found:
                        problems.setdefault(key, []).extend(found)
                        continue
                    for name in workloads:
                        url = srv.url(name)
                        if s.warm:
                            tfb_load.load("python", url, s.warm, 4)
                        cpu = srv.cpu_seconds()
                        got = tfb_load.load(s.client, url, s.seconds, s.connections)
                        cpu_after = srv.cpu_seconds()
                        if cpu is not None and cpu_after is not None:
                            # Microseconds of server CPU per request.
                            got["cpu_us"] = (cpu_after - cpu) * 1e6 / got["requests"]
                        got["round"] = r
                        slot = samples.setdefault(key, {}).setdefault(name, {})
                        for metric, value in got.items():
                            slot.setdefault(metric, []).append(value)
                except (tfb_load.LoadError, OSError, subprocess.SubprocessError) as e:
                    problems.setdefault(key, []).append(f"{type(e).__name__}: {e}")
                finally:
                    srv.stop()
    return {"samples": samples, "problems": problems}


def summarize(raw: dict[str, t.Any], todo: list[tuple[str, str]]) -> dict[str, t.Any]:
    """Per server/framework/workload: the round with the most requests per
    second (other work on a shared machine only ever slows a server down,
    so the best round is the steadiest estimate), the median requests per
    second over rounds, and the shares of the bare app's figures on the
    same server: of requests per second, the best rounds'; of CPU time per
    request, the median of the rounds' (each round's pair of figures was
    taken minutes apart at most)."""
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for key, per_workload in raw["samples"].items():
        for name, slot in per_workload.items():
            rps = slot["rps"]
            best = rps.index(max(rps))
            row = {
                metric: values[best]
                for metric, values in slot.items()
                if len(values) == len(rps) and metric != "round"
            }
            row["median_rps"] = statistics.median(rps)
            rows.setdefault(key, {})[name] = row
    samples = raw["samples"]
    for key, per_workload in rows.items():
        server = key.split("/")[0]
        bare = rows.get(f"{server}/bare", {})
        for name, row in per_workload.items():
            if name in bare and bare[name]["rps"]:
                row["share"] = row["rps"] / bare[name]["rps"]
            shares = _cpu_shares(
                samples.get(f"{server}/bare", {}).get(name), samples[key][name]
            )
            if shares:
                # The same share by CPU time per request (less noisy).
                row["cpu_share"] = statistics.median(shares)
    return {"rows": rows, "order": [f"{s}/{f}" for f, s in todo]}


def _cpu_shares(
    bare: dict[str, list[float]] | None, other: dict[str, list[float]]
) -> list[float]:
    """Per round run by both: the bare app's CPU time per request divided
    by the other's (what the other's requests/s would be as a share of
    the bare app's if the server's CPU were the only limit)."""
    if not bare or "cpu_us" not in bare or "cpu_us" not in other:
        return []

    def by_round(slot: dict[str, list[float]]) -> dict[float, float]:
        # Samples saved before rounds were recorded pair up by position.
        rounds = slot.get("round") or range(len(slot["cpu_us"]))
        return dict(zip(rounds, slot["cpu_us"], strict=True))

    theirs = by_round(bare)
    return [
        theirs[r] / cpu for r, cpu in by_round(other).items() if theirs.get(r) and cpu
    ]


# -- report ---------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def report(result: dict[str, t.Any]) -> str:
    out = _timed_tables(result) if result["rows"] else []
    counted = result.get("instructions")
    if counted:
        import tfb_count

        text = tfb_count.report(counted, result["order"], result["workloads"])
        out.append("\n" + text if out else text)
    out += run.problem_lines(
        result["problems"], "these pairs were not timed or counted"
    )
    return "\n".join(out)


def _timed_tables(result: dict[str, t.Any]) -> list[str]:
    """One table per workload of the timed rounds."""
    rows = result["rows"]
    out = [
        f"TechEmpower-style table: {result['client']} with "
        f"{result['settings']['connections']} connections, one worker per server, "
        f"best of {result['settings']['rounds']} round(s) of "
        f"{result['settings']['seconds']:g} s; share = requests/s as a share of "
        "the bare app's on the same server; cpu = the server's CPU time per"
        " request (all its processes); cpu share = the median over rounds of the"
        " bare app's cpu / this one's"
        + (
            f"; servers pinned to CPU {','.join(map(str, pinned))}, the client to"
            " the others"
            if (pinned := result["settings"].get("server_cpus"))
            else ""
        )
    ]
    for name in result["workloads"]:
        table = [["server", "framework", "req/s", "share", "p50 ms", "p99 ms",
                  "cpu us/req", "cpu share"]]  # fmt: skip
        for key in result["order"]:
            row = rows.get(key, {}).get(name)
            server, fw = key.split("/")
            if row is None:
                table.append([server, FRAMEWORKS[fw].label, *"-" * 6])
                continue
            table.append([
                server, FRAMEWORKS[fw].label, f"{row['rps']:,.0f}",
                _fmt(row.get("share"), ".2f"), f"{row['p50']:.2f}",
                f"{row['p99']:.2f}", _fmt(row.get("cpu_us"), ".0f"),
                _fmt(row.get("cpu_share"), ".2f"),
            ])  # fmt: skip
        out.append(f"\n{name} ({WORKLOADS[name]})\n" + run.table(table))
    return out


def rst_table(result: dict[str, t.Any]) -> str:
    """The table as a reStructuredText ``list-table`` for the docs: requests
    per second and the share of the bare app's, per workload."""
    rows = result["rows"]
    workloads = result["workloads"]
    lines = [
        ".. list-table::",
        "    :header-rows: 1",
        "",
        "    * - server",
        "      - framework",
        *(f"      - {name}" for name in workloads),
    ]
    for key in result["order"]:
        server, fw = key.split("/")
        lines += [f"    * - {server}", f"      - {FRAMEWORKS[fw].label}"]
        for name in workloads:
            row = rows.get(key, {}).get(name)
            if row is None:
                lines.append("      - -")
            elif fw == "bare":
                lines.append(f"      - {row['rps']:,.0f}")
            else:
                lines.append(f"      - {row['rps']:,.0f} ({row.get('share', 0):.2f})")
    return "\n".join(lines) + "\n"


# -- main -----------------------------------------------------------------------


def _names(value: str | None, known: t.Iterable[str], what: str) -> list[str]:
    known = list(known)
    if not value:
        return known
    picked = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in picked if v not in known]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return [k for k in known if k in picked]


def _split_cpus() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """For ``--pin``: the first CPU this process may use for the servers,
    the others for the client; exits where that cannot be done."""
    if not hasattr(os, "sched_getaffinity"):
        sys.exit("--pin needs os.sched_setaffinity (Linux)")
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        sys.exit(f"--pin needs 2 CPUs or more; this process may use {len(cpus)}")
    return (cpus[0],), tuple(cpus[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="TechEmpower-style table: frameworks x servers over HTTP."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 round, no warm-up, without gunicorn's sync worker (unless named"
        " in --servers): under 3 minutes",
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--seconds", type=float, default=1, help="load per workload (default 1)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--frameworks",
        help=f"subset of {','.join(FRAMEWORKS)} (default: all but"
        f" {','.join(sorted(OPT_IN_FRAMEWORKS))})",
    )
    parser.add_argument(
        "--servers",
        help=f"subset of {','.join(SERVERS)} (default: all but"
        f" {','.join(sorted(OPT_IN_SERVERS))})",
    )
    parser.add_argument("--workloads", help=f"subset of {','.join(WORKLOADS)}")
    parser.add_argument("--json", metavar="OUT", help="also write results as JSON")
    parser.add_argument("--plot", metavar="DIR", help="also write PNG charts to DIR")
    parser.add_argument(
        "--rst", metavar="OUT", help="also write the table as a reST list-table"
    )
    parser.add_argument("--plot-from", metavar="JSON", help="chart a --json file")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each workload's instructions per request through each"
        " server with valgrind's callgrind (a few minutes per pair)",
    )
    parser.add_argument(
        "--instructions-only",
        action="store_true",
        help="count the instructions (as --instructions) and time nothing",
    )
    parser.add_argument(
        "--count-repeats",
        type=int,
        default=1,
        metavar="N",
        help="count every pair N times (with --instructions or"
        " --instructions-only) and report the median and the range",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="run the servers on the first CPU and the client on the others, as"
        " with a client on another machine (Linux, 2 CPUs or more)",
    )
    parser.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    args = parser.parse_args(argv)
    if args.count_repeats < 1:
        parser.error("--count-repeats must be 1 or more")
    if args.plot_from:
        if not (args.plot or args.rst):
            sys.exit("--plot-from needs --plot DIR or --rst OUT")
        if args.rst:
            with open(args.plot_from) as f:
                saved_result = json.load(f)["tfb_table"]
            with open(args.rst, "w") as f:
                f.write(rst_table(saved_result))
        if args.plot:
            run.plot(args.plot_from, args.plot, args.reinstall)
        return 0
    frameworks = _names(args.frameworks, FRAMEWORKS, "framework")
    if not args.frameworks:
        frameworks = [name for name in frameworks if name not in OPT_IN_FRAMEWORKS]
    if "bare" not in frameworks:
        frameworks.insert(0, "bare")  # the share needs it
    servers = _names(args.servers, SERVERS, "server")
    if not args.servers:
        servers = [name for name in servers if name not in OPT_IN_SERVERS]
        if args.quick:
            servers.remove("gunicorn-sync")
    workloads = _names(args.workloads, WORKLOADS, "workload")
    server_cpus: tuple[int, ...] = ()
    if args.pin:
        server_cpus, client_cpus = _split_cpus()
        # The client (wrk, or the Python one) inherits this process's CPUs.
        os.sched_setaffinity(0, client_cpus)
    s = Settings(
        rounds=args.rounds or (1 if args.quick else 3),
        seconds=args.seconds,
        warm=0 if args.quick else 0.2,
        connections=args.connections,
        client=tfb_load.tool(args.client),
        server_cpus=server_cpus,
    )
    started = time.monotonic()
    envs = sorted({FRAMEWORKS[fw].env for fw in frameworks})
    for env in envs:
        ensure_env(env, args.reinstall)
    todo = pairs(frameworks, servers)
    log(f"{len(todo)} framework/server pairs x {len(workloads)} workloads, "
        f"{s.rounds} round(s), client {s.client}")  # fmt: skip
    if args.instructions_only:
        raw: dict[str, t.Any] = {"samples": {}, "problems": {}}
    else:
        raw = measure(todo, workloads, s)
    counted: dict[str, t.Any] = {}
    if args.instructions or args.instructions_only:
        import tfb_count

        log("instructions per request (callgrind) ...")
        counted = tfb_count.count(todo, workloads, args.count_repeats)
        for key, found in counted.pop("problems").items():
            raw["problems"].setdefault(key, []).extend(found)
    result = summarize(raw, todo) | {
        "client": s.client,
        "settings": s._asdict(),
        "workloads": workloads,
        "frameworks": {fw: FRAMEWORKS[fw].label for fw in frameworks},
        "servers": {name: SERVERS[name][0] for name in servers},
        "versions": {env: versions(env) for env in envs},
        "problems": raw["problems"],
        "samples": raw["samples"],
        "cpus": os.cpu_count(),
        "instructions": counted,
    }
    result["seconds"] = time.monotonic() - started
    print(report(result))
    print(f"\n(total {result['seconds']:.0f}s)")
    if args.rst:
        with open(args.rst, "w") as f:
            f.write(rst_table(result))
    saved = args.json
    if saved:
        with open(saved, "w") as f:
            json.dump({"tfb_table": result}, f, indent=2)
    if args.plot:
        os.makedirs(args.plot, exist_ok=True)
        if not saved:
            saved = os.path.join(args.plot, "tfb_results.json")
            with open(saved, "w") as f:
                json.dump({"tfb_table": result}, f, indent=2)
        run.plot(saved, args.plot, args.reinstall)
    return 1 if raw["problems"] else 0
