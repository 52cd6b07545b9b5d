"""Serving over HTTP: our ASGI path against Quart, real Flask behind an
ASGI adapter, and our WSGI path under gunicorn.

    python benchmarks/asgi_bench.py [--seconds S] [--connections C] [--only NAMES]

Servers, each with one worker process on 127.0.0.1:

- ``ours-asgi``: this repository's ``app.asgi_app`` on uvicorn;
- ``quart``: the same app written for Quart, on uvicorn;
- ``flask-wsgi2asgi``: real Flask 3.1.3 wrapped in asgiref's ``WsgiToAsgi``,
  on uvicorn;
- ``ours-gthread``: this repository's WSGI app on gunicorn's gthread worker
  (16 threads).

Scenarios: ``hello`` (text), ``json`` (a small JSON object), ``async`` (an
async view that awaits ``asyncio.sleep(0)``), measured with C keep-alive
connections for S seconds each (requests/s and p99 latency), and
``sleepers``: 1,000 concurrent connections to an async view awaiting
``asyncio.sleep(1)``, wall time, next to a bare ASGI app that only sleeps
(the floor); only 10 for ``flask-wsgi2asgi``, which serves one request at a
time, and none for gthread. The client is a light raw-socket asyncio client in this
process. Venvs are created under ``benchmarks/.envs/`` (``asgi-ours``,
``asgi-quart``, ``asgi-real``). Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
ENVS = os.path.join(BENCH, ".envs")

ENV_REQS: dict[str, list[str]] = {
    "asgi-ours": ["-e", f"{ROOT}[async]", "uvicorn", "gunicorn"],
    "asgi-quart": ["quart", "uvicorn"],
    "asgi-real": ["flask==3.1.3", "asgiref", "uvicorn"],
}

OURS_APP = """
import asyncio
from flask import Flask
app = Flask(__name__)

@app.route("/hello")
def hello():
    return "Hello, World!"

@app.route("/json")
def js():
    return {"message": "Hello, World!", "items": [1, 2, 3], "ok": True}

@app.route("/async")
async def av():
    await asyncio.sleep(0)
    return "async"

@app.route("/sleep")
async def sleep():
    await asyncio.sleep(1)
    return "slept"

asgi = app.asgi_app
"""

REAL_APP = OURS_APP.replace("asgi = app.asgi_app", "")
REAL_APP += """
import contextvars
from asgiref.wsgi import WsgiToAsgi
_adapter = WsgiToAsgi(app)

async def asgi(scope, receive, send):
    # Each request in a fresh context: asgiref's thread-sensitive executor
    # marker otherwise leaks between requests of one keep-alive connection
    # ("Single thread executor already being used, would deadlock").
    loop = asyncio.get_running_loop()
    task = _adapter(scope, receive, send)
    await loop.create_task(task, context=contextvars.Context())
"""

QUART_APP = OURS_APP.replace("from flask import Flask", "from quart import Quart")
QUART_APP = QUART_APP.replace("app = Flask(__name__)", "app = Quart(__name__)")
QUART_APP = QUART_APP.replace("def hello", "async def hello").replace(
    "def js", "async def js"
)
QUART_APP = QUART_APP.replace("asgi = app.asgi_app", "asgi = app")

BARE_APP = """
import asyncio

async def asgi(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            m = await receive()
            await send({"type": m["type"] + ".complete"})
            if m["type"].endswith("shutdown"):
                return
    await receive()
    await asyncio.sleep(1)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"slept"})
"""

# The Quart app above writes sync views as async (Quart runs sync views in a
# thread pool, which would make it slower than it needs to be).

SERVERS: dict[str, tuple[str, str, str]] = {
    # name: (venv, module source, command kind)
    "ours-asgi": ("asgi-ours", OURS_APP, "uvicorn"),
    "quart": ("asgi-quart", QUART_APP, "uvicorn"),
    "flask-wsgi2asgi": ("asgi-real", REAL_APP, "uvicorn"),
    "ours-gthread": ("asgi-ours", OURS_APP, "gunicorn"),
    "bare-asgi": ("asgi-ours", BARE_APP, "uvicorn"),
}


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def env_bin(env: str, name: str) -> str:
    return os.path.join(ENVS, env, "bin", name)


def ensure_env(env: str) -> None:
    path = os.path.join(ENVS, env)
    marker = os.path.join(path, ".bench-requirements.json")
    spec = json.dumps(ENV_REQS[env])
    if os.path.exists(marker):
        with open(marker) as f:
            if f.read() == spec:
                return
    log(f"creating {path} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    subprocess.run(
        [env_bin(env, "python"), "-m", "pip", "install", "-q", *ENV_REQS[env]],
        check=True,
    )
    with open(marker, "w") as f:
        f.write(spec)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, name: str, workdir: str) -> None:
        env_name, source, kind = SERVERS[name]
        module = name.replace("-", "_") + "_app"
        with open(os.path.join(workdir, module + ".py"), "w") as f:
            f.write(source)
        self.port = free_port()
        if kind == "uvicorn":
            cmd = [
                env_bin(env_name, "python"), "-m", "uvicorn", f"{module}:asgi",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                "--no-access-log", "--log-level", "warning", "--backlog", "4096",
            ]  # fmt: skip
        else:
            cmd = [
                env_bin(env_name, "gunicorn"), f"{module}:app", "-b",
                f"127.0.0.1:{self.port}", "-w", "1", "-k", "gthread",
                "--threads", "16", "--log-level", "warning", "--backlog", "4096",
            ]  # fmt: skip
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV")
        }
        self.proc = subprocess.Popen(
            cmd, cwd=workdir, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.proc.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


async def _keepalive_worker(
    port: int, path: str, until: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head[:40])
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def load(
    port: int, path: str, connections: int, seconds: float
) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) over ``seconds`` with ``connections``."""
    latencies: list[float] = []
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(
        *(_keepalive_worker(port, path, until, latencies) for _ in range(connections))
    )
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, q[98] * 1000


async def _one(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    data = await reader.read()
    writer.close()
    return int(data.split(b" ", 2)[1])


async def sleepers(port: int, path: str, n: int = 1000) -> float:
    await asyncio.gather(*(_one(port, path) for _ in range(10)))
    start = time.perf_counter()
    statuses = await asyncio.gather(*(_one(port, path) for _ in range(n)))
    elapsed = time.perf_counter() - start
    if set(statuses) != {200}:
        raise RuntimeError(f"statuses {set(statuses)}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default="hello,json,async,sleepers")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    scenarios = args.only.split(",")
    for env in ENV_REQS:
        ensure_env(env)
    results: dict[str, dict[str, t.Any]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in ["ours-asgi", "quart", "flask-wsgi2asgi", "ours-gthread"]:
            server = Server(name, workdir)
            try:
                row: dict[str, t.Any] = {}
                for scenario in ("hello", "json", "async"):
                    if scenario in scenarios:
                        path = f"/{scenario}"
                        asyncio.run(load(server.port, path, 4, 0.5))  # warm up
                        rps, p99 = asyncio.run(
                            load(server.port, path, args.connections, args.seconds)
                        )
                        row[scenario] = {"rps": round(rps), "p99_ms": round(p99, 1)}
                        log(
                            f"{name:16} {scenario:6} {rps:8.0f} req/s"
                            f"  p99 {p99:6.1f} ms"
                        )
                if "sleepers" in scenarios and name != "ours-gthread":
                    # asgiref's WsgiToAsgi runs requests one at a time in one
                    # thread: 1,000 sleepers would take 1,000 s.
                    n = 10 if name == "flask-wsgi2asgi" else 1000
                    elapsed = asyncio.run(sleepers(server.port, "/sleep", n))
                    row["sleepers_s"] = round(elapsed, 2)
                    row["sleepers_n"] = n
                    log(f"{name:16} {n} sleepers {elapsed:.2f} s")
                results[name] = row
            finally:
                server.stop()
        if "sleepers" in scenarios:
            server = Server("bare-asgi", workdir)
            try:
                floor = asyncio.run(sleepers(server.port, "/"))
                results["bare-asgi"] = {"sleepers_s": round(floor, 2)}
                log(f"{'bare-asgi':16} sleepers {floor:.2f} s")
            finally:
                server.stop()
    print(report(results, scenarios))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    return 0


def report(results: dict[str, dict[str, t.Any]], scenarios: list[str]) -> str:
    cols = [s for s in ("hello", "json", "async") if s in scenarios]
    header = ["server"]
    for c in cols:
        header += [f"{c} req/s", f"{c} p99 ms"]
    if "sleepers" in scenarios:
        header.append("1000 sleepers (s)")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for name, row in results.items():
        cells = [name]
        for c in cols:
            v = row.get(c)
            cells += [str(v["rps"]), str(v["p99_ms"])] if v else ["-", "-"]
        if "sleepers" in scenarios:
            value = str(row.get("sleepers_s", "-"))
            if row.get("sleepers_n", 1000) != 1000:
                value += f" (only {row['sleepers_n']})"
            cells.append(value)
        lines.append(" | ".join(cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
