"""Serving under pressure: slow clients, vanishing clients, a large upload
and the event loop's responsiveness, on real servers on 127.0.0.1.

    python benchmarks/asgi_limits.py [--quick] [--only SCENARIOS]
        [--servers NAMES] [--seconds S] [--rounds R] [--json OUT]

Scenarios (``--only slow,slow-upload,disconnect,upload,stall``), each
measured against a baseline in the same run, on the same server process:

- ``slow``: 200 connections post a body one byte per second (half of them
  stop after the first byte), to a sync form view and an async JSON view,
  while the load generator measures sync and async requests;
- ``slow-upload``: 50 connections send 1 MiB + 64 KiB of an 8 MiB body at
  once, then one byte per second, to a view that reads ``request.stream``;
- ``disconnect``: clients open streams (sync and async generators, with
  and without a partly sent body) and leave, again and again, while the
  load runs; the server's threads, tasks, open files and open streams are
  counted before and after;
- ``upload``: peak RSS of the server and time for a 1 GiB upload read
  through ``request.stream``;
- ``stall``: how late a 2 ms timer on the server's loop runs, idle and
  under a mixed load (sync and async pages with sessions and templates,
  JSON posts).

Servers (``--servers``), one worker process each: ``ours-uvicorn`` and
``ours-hypercorn`` (this package's ``app.asgi_app``), ``flask-gthread``
(real Flask 3.1.3 on gunicorn's gthread worker, 16 threads: the WSGI
reference), ``quart`` and ``starlette`` (the same app for those
frameworks, on uvicorn). The apps and the server-side probe are in
``benchmarks/limits/``; the venvs are created under ``benchmarks/.envs/``
(``limits-ours``, ``limits-real``, ``limits-others``). The client is this
process (asyncio); only the standard library is used here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing as t

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
ENVS = os.path.join(BENCH, ".envs")
APPS = os.path.join(BENCH, "limits")
sys.path.insert(0, APPS)

import client  # noqa: E402
import phases  # noqa: E402
import report  # noqa: E402
from phases import Settings  # noqa: E402

ENV_REQS: dict[str, list[str]] = {
    "limits-ours": ["-e", f"{ROOT}[async]", "uvicorn", "hypercorn"],
    "limits-real": ["flask==3.1.3", "asgiref", "gunicorn"],
    "limits-others": [
        "quart",
        "starlette",
        "uvicorn",
        "python-multipart",
        "jinja2",
        "itsdangerous",
    ],
}


class Spec(t.NamedTuple):
    env: str
    kind: str
    target: str
    #: Stream variants of the disconnect scenario this server can serve.
    variants: tuple[str, ...]
    #: A view that reads the request body as it arrives (sync for Flask).
    upload_path: str = "/upload"


ALL_VARIANTS = ("sync-get", "async-get", "sync-partial", "async-partial")
SERVERS: dict[str, Spec] = {
    "ours-uvicorn": Spec("limits-ours", "uvicorn", "flask_app:asgi", ALL_VARIANTS),
    "ours-hypercorn": Spec("limits-ours", "hypercorn", "flask_app:asgi", ALL_VARIANTS),
    # Flask 3.1.3 cannot stream an async generator.
    "flask-gthread": Spec(
        "limits-real", "gunicorn", "flask_app:wsgi", ("sync-get", "sync-partial")
    ),
    "quart": Spec(
        "limits-others", "uvicorn", "quart_app:asgi", ALL_VARIANTS, "/aupload"
    ),
    "starlette": Spec(
        "limits-others", "uvicorn", "starlette_app:asgi", ALL_VARIANTS, "/aupload"
    ),
}
SCENARIOS = ("slow", "slow-upload", "disconnect", "upload", "stall")
#: The servers of each scenario (when selected with ``--servers``).
SCENARIO_SERVERS = {
    "slow": list(SERVERS),
    "slow-upload": list(SERVERS),
    "disconnect": list(SERVERS),
    "upload": ["ours-uvicorn", "ours-hypercorn", "flask-gthread", "starlette"],
    "stall": ["ours-uvicorn", "ours-hypercorn", "quart", "starlette"],
}
GIB = 1 << 30


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# -- environments and servers --------------------------------------------------


def env_bin(env: str, name: str) -> str:
    return os.path.join(ENVS, env, "bin", name)


def ensure_env(env: str, reinstall: bool) -> None:
    path = os.path.join(ENVS, env)
    marker = os.path.join(path, ".bench-requirements.json")
    spec = json.dumps(ENV_REQS[env])
    if not reinstall and os.path.exists(marker):
        with open(marker) as f:
            if f.read() == spec:
                return
    log(f"creating {path} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    subprocess.run(
        [
            env_bin(env, "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *ENV_REQS[env],
        ],
        check=True,
    )
    with open(marker, "w") as f:
        f.write(spec)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(spec: Spec, port: int) -> list[str]:
    python = env_bin(spec.env, "python")
    if spec.kind == "uvicorn":
        return [
            python,
            "-m",
            "uvicorn",
            spec.target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "asyncio",
            "--no-access-log",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ]
    if spec.kind == "hypercorn":
        return [
            python,
            "-m",
            "hypercorn",
            spec.target,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--backlog",
            "4096",
            "--log-level",
            "warning",
        ]
    return [
        env_bin(spec.env, "gunicorn"),
        spec.target,
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "1",
        "-k",
        "gthread",
        "--threads",
        "16",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]


class Server:
    """One server process (group) serving an app of ``benchmarks/limits``;
    its output goes to a log file, whose error lines are counted."""

    def __init__(self, name: str, logdir: str, **env: str) -> None:
        self.name = name
        self.spec = SERVERS[name]
        self.variants = self.spec.variants
        self.upload_path = self.spec.upload_path
        self.port = free_port()
        self.log_path = os.path.join(logdir, f"{name}-{self.port}.log")
        self.log_file = open(self.log_path, "wb")
        environ = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV")
            and not k.startswith(("LIMITS_", "FLASK_"))
        }
        environ.update(env)
        self.proc = subprocess.Popen(
            command(self.spec, self.port),
            cwd=APPS,
            env=environ,
            start_new_session=True,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log_tail()}")
            try:
                if asyncio.run(client.stats(self.port, timeout=30)):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not start:\n{self.log_tail()}")

    def log_tail(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read()[-3000:].decode(errors="replace")

    def log_errors(self) -> int:
        """Tracebacks and error lines the server logged."""
        with open(self.log_path, "rb") as f:
            text = f.read().decode(errors="replace")
        return text.count("Traceback") + text.count("ERROR")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log_file.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- scenarios -----------------------------------------------------------------


def run_stall(names: list[str], logdir: str, s: Settings) -> dict[str, t.Any]:
    """All servers run at once, measured in turn, round after round, so that
    they share the machine's changing load; medians over rounds."""
    env = {"LIMITS_TRACE_MS": str(s.trace_ms)} if s.trace_ms else {}
    if s.switch_interval:
        env["LIMITS_SWITCH_INTERVAL"] = str(s.switch_interval)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(Server(name, logdir, **env)) for name in names]
        mixes = {}
        for server in servers:
            login = asyncio.run(
                client.fetch(server.port, client.request("GET", "/login"))
            )
            cookie = login.headers["set-cookie"].split(";", 1)[0]
            mixes[server.name] = phases.mixed(cookie)
            asyncio.run(client.load(server.port, mixes[server.name], 4, 1.0))
        rounds: dict[str, list[dict[str, t.Any]]] = {name: [] for name in names}
        for i in range(s.rounds):
            for server in servers:
                log(f"stall: {server.name}, round {i + 1}/{s.rounds} ...")
                result = asyncio.run(phases.stall_round(server, mixes[server.name], s))
                rounds[server.name].append(result)
        traces = {
            server.name: asyncio.run(client.stats(server.port)) for server in servers
        }
        errors = {server.name: server.log_errors() for server in servers}
    out = {}
    for name, rs in rounds.items():
        labels = rs[0]["load"]
        out[name] = {
            "idle": {
                k: phases.median([r["idle"][k] for r in rs])
                for k in ("p50_ms", "p99_ms", "max_ms")
            },
            "loaded": {
                k: phases.median([r["lateness"][k] for r in rs])
                for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms")
            },
            "rps": phases.median(
                [sum(v["rps"] for v in r["load"].values()) for r in rs]
            ),
            "p99": {
                label: phases.median([r["load"][label]["p99_ms"] for r in rs])
                for label in labels
            },
            "cpu": phases.median([r.get("cpu") for r in rs]),
            "loop_cpu": phases.median([r.get("loop_cpu") for r in rs]),
            "gc_max_cpu_ms": max(
                (g["max_cpu_ms"] for r in rs for g in (r.get("gc") or {}).values()),
                default=None,
            ),
            "rounds": rs,
            "slow_callbacks": traces[name].get("slow_callbacks"),
            "busy_callbacks": traces[name].get("busy_callbacks"),
            "log_errors": errors[name],
        }
    return out


# -- main ----------------------------------------------------------------------


def run(args: argparse.Namespace, s: Settings) -> dict[str, t.Any]:
    only = args.only.split(",")
    chosen = args.servers.split(",") if args.servers else list(SERVERS)
    for name in only:
        if name not in SCENARIOS:
            sys.exit(f"unknown scenario {name!r} (one of {', '.join(SCENARIOS)})")
    for name in chosen:
        if name not in SERVERS:
            sys.exit(f"unknown server {name!r} (one of {', '.join(SERVERS)})")
    for env in sorted({SERVERS[n].env for n in chosen}):
        ensure_env(env, args.reinstall)
    results: dict[str, t.Any] = {"settings": s._asdict()}
    logdir = tempfile.mkdtemp(prefix="asgi-limits-")
    for scenario in SCENARIOS:
        if scenario not in only:
            continue
        names = [n for n in SCENARIO_SERVERS[scenario] if n in chosen]
        out = results[scenario] = {}
        for name in names:
            log(f"{scenario}: {name} ...")
            if scenario == "upload":
                out.update(run_uploads(name, logdir, s))
                continue
            if scenario == "stall":
                out.update(run_stall(names, logdir, s))
                break
            with Server(name, logdir) as server:
                if scenario == "disconnect":
                    coro = phases.disconnect_scenario(server, s)
                else:
                    coro = phases.slow_scenario(server, s, scenario == "slow-upload")
                out[name] = asyncio.run(coro)
    results["logs"] = logdir
    return results


def run_uploads(name: str, logdir: str, s: Settings) -> dict[str, t.Any]:
    cases = []
    if name.startswith("ours"):
        cases.append((f"{name} sync view", "/upload", {}))
        if name == "ours-uvicorn":
            cases.append(
                (
                    f"{name} async view",
                    "/aupload",
                    {"LIMITS_MAX_CONTENT_LENGTH": str(2 * s.upload)},
                )
            )
    elif name == "flask-gthread":
        cases.append((f"{name} sync view", "/upload", {}))
    else:
        cases.append((f"{name} async stream", "/aupload", {}))
    out = {}
    for label, path, env in cases:
        with Server(name, logdir, **env) as server:
            out[label] = asyncio.run(
                phases.upload_scenario(server.port, path, s.upload)
            )
            out[label]["log_errors"] = server.log_errors()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="shorter phases, one round, a 256 MiB upload",
    )
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--servers", help=", ".join(SERVERS))
    parser.add_argument("--seconds", type=float, help="per load phase (4; quick 2)")
    parser.add_argument(
        "--rounds", type=int, help="baseline/pressured pairs (3; quick 1)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--slow", type=int, default=200, help="slow clients")
    parser.add_argument(
        "--slow-uploads", type=int, default=50, help="slow large uploads"
    )
    parser.add_argument(
        "--churners", type=int, default=8, help="clients leaving streams at once"
    )
    parser.add_argument(
        "--leave-rate", type=float, default=40, help="streams left per second, in all"
    )
    parser.add_argument("--upload-mib", type=int, help="upload size (1024)")
    parser.add_argument(
        "--trace-ms",
        type=float,
        default=0,
        help="record loop callbacks longer than this (slower)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="stall: sys.setswitchinterval() in the servers (default 0.005)",
    )
    parser.add_argument("--json", dest="json_out")
    parser.add_argument("--reinstall", action="store_true")
    args = parser.parse_args(argv)
    quick = args.quick
    s = Settings(
        seconds=args.seconds or (2 if quick else 4),
        rounds=args.rounds or (1 if quick else 3),
        connections=args.connections,
        slow=args.slow,
        slow_uploads=args.slow_uploads,
        churners=args.churners,
        leave_rate=args.leave_rate,
        upload=(args.upload_mib or (256 if quick else 1024)) << 20,
        idle=1 if quick else 3,
        trace_ms=args.trace_ms,
        switch_interval=args.switch_interval,
    )
    started = time.monotonic()
    results = run(args, s)
    results["seconds"] = time.monotonic() - started
    print(report.render(results))
    print(f"\n(total {results['seconds']:.0f} s; server logs in {results['logs']})")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
