"""WebSockets on one uvicorn worker: ours against Starlette and Quart, and
flask-sock over our ASGI door against our ``@app.websocket``.

    python benchmarks/websocket_bench.py [--idle N] [--clients C] [--seconds S]
                                         [--only NAMES] [--json FILE]

Servers, each one uvicorn worker on 127.0.0.1 with the same protocol
implementation (``--ws websockets``):

- ``ours``: this repository's ``app.asgi_app``, ``async def`` handlers;
- ``starlette``: the same endpoints written for Starlette (the anchor);
- ``quart``: the same for Quart;
- ``ours-sock``: the echo as a flask-sock view (``Sock(app)``), which the
  ASGI door serves through a socket pair (it takes a thread per
  connection, so its echo scenario uses fewer clients).

Scenarios:

- ``idle``: N connections (10,000) opened and held; the server's resident
  memory before, after, and its peak (``VmHWM``), per connection; then one
  echo on every connection proves they are all still open;
- ``echo``: C clients (1,000) each sending a message and waiting for the
  echo, back to back, for S seconds: round trips per second, p50 and p99;
- ``broadcast``: C clients (1,000) connected to a chat; one message sent by
  one of them is relayed by the server to all, 20 times: the median and
  worst time until the last client has it;
- ``sock``: the echo with 50 clients and with one, ``ours`` against
  ``ours-sock``: the per-message cost of the socket pair;
- ``inprocess``: no server and no sockets: each framework's ASGI app driven
  directly, in its venv, with a ``receive`` and a ``send`` that do nothing
  more than hand messages over. The CPU time of one echo message (the
  median of 5 runs of 20,000), and the Python heap an idle connection holds
  (``tracemalloc``, over 2,000 connections): what the framework itself
  costs, without the server's share that the other scenarios include.

The client is one asyncio process speaking the protocol on raw sockets
(masked with a zero key, which is valid and costs nothing to apply), so it
does as little work per message as it can. Venvs go under
``benchmarks/.envs/`` (``ws-ours``, ``ws-starlette``, ``ws-quart``). Only
the standard library is used here.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import typing as t

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
ENVS = os.path.join(BENCH, ".envs")

ENV_REQS: dict[str, list[str]] = {
    "ws-ours": ["-e", f"{ROOT}[async]", "uvicorn", "websockets", "flask-sock"],
    "ws-starlette": ["starlette", "uvicorn", "websockets"],
    "ws-quart": ["quart", "uvicorn", "websockets"],
}

OURS_APP = """
import asyncio
from flask import Flask, websocket

app = Flask(__name__)
inboxes = set()


@app.websocket("/echo")
async def echo():
    while True:
        await websocket.send(await websocket.receive())


@app.websocket("/chat")
async def chat():
    ws = websocket._get_current_object()
    inbox = asyncio.Queue(100)
    inboxes.add(inbox)

    async def forward():
        while True:
            await ws.send(await inbox.get())

    sender = asyncio.create_task(forward())
    try:
        while True:
            message = await ws.receive()
            for other in inboxes:
                other.put_nowait(message)
    finally:
        sender.cancel()
        inboxes.discard(inbox)


asgi = app.asgi_app
"""

SOCK_APP = """
from flask import Flask
from flask_sock import Sock

app = Flask(__name__)
sock = Sock(app)


@sock.route("/echo")
def echo(ws):
    while True:
        ws.send(ws.receive())


asgi = app.asgi_app
"""

STARLETTE_APP = """
import asyncio
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

inboxes = set()


async def receive(ws):
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    return message.get("text") if message.get("text") is not None else message["bytes"]


async def send(ws, data):
    if isinstance(data, str):
        await ws.send_text(data)
    else:
        await ws.send_bytes(data)


async def echo(ws):
    await ws.accept()
    try:
        while True:
            await send(ws, await receive(ws))
    except WebSocketDisconnect:
        pass


async def chat(ws):
    await ws.accept()
    inbox = asyncio.Queue(100)
    inboxes.add(inbox)

    async def forward():
        while True:
            await send(ws, await inbox.get())

    sender = asyncio.create_task(forward())
    try:
        while True:
            message = await receive(ws)
            for other in inboxes:
                other.put_nowait(message)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        inboxes.discard(inbox)


asgi = Starlette(routes=[WebSocketRoute("/echo", echo), WebSocketRoute("/chat", chat)])
"""

QUART_APP = """
import asyncio
from quart import Quart, websocket

app = Quart(__name__)
inboxes = set()


@app.websocket("/echo")
async def echo():
    while True:
        await websocket.send(await websocket.receive())


@app.websocket("/chat")
async def chat():
    ws = websocket._get_current_object()
    inbox = asyncio.Queue(100)
    inboxes.add(inbox)

    async def forward():
        while True:
            await ws.send(await inbox.get())

    sender = asyncio.create_task(forward())
    try:
        while True:
            message = await ws.receive()
            for other in inboxes:
                other.put_nowait(message)
    finally:
        sender.cancel()
        inboxes.discard(inbox)


asgi = app
"""

SERVERS: dict[str, tuple[str, str]] = {
    "ours": ("ws-ours", OURS_APP),
    "starlette": ("ws-starlette", STARLETTE_APP),
    "quart": ("ws-quart", QUART_APP),
    "ours-sock": ("ws-ours", SOCK_APP),
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


def versions(env: str) -> str:
    code = (
        "import importlib.metadata as m\n"
        "names = ['uvicorn', 'websockets', 'starlette', 'quart', 'flask-sock']\n"
        "found = []\n"
        "for n in names:\n"
        "    try: found.append(f'{n} {m.version(n)}')\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(', '.join(found))\n"
    )
    out = subprocess.run(
        [env_bin(env, "python"), "-c", code], capture_output=True, text=True
    )
    return out.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Server:
    def __init__(self, name: str, workdir: str) -> None:
        env_name, source = SERVERS[name]
        module = name.replace("-", "_") + "_app"
        with open(os.path.join(workdir, module + ".py"), "w") as f:
            f.write(source)
        self.port = free_port()
        cmd = [
            env_bin(env_name, "python"), "-m", "uvicorn", f"{module}:asgi",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
            "--ws", "websockets", "--no-access-log", "--log-level", "warning",
            "--backlog", "4096",
        ]  # fmt: skip
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV")
        }
        self.proc = subprocess.Popen(
            cmd, cwd=workdir, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=_raise_fd_limit,
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

    def memory(self) -> tuple[int, int]:
        """Resident and peak resident memory of the server, in bytes."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) * 1024
        return values["VmRSS"], values["VmHWM"]

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


# -- in process ----------------------------------------------------------------------

#: Run in each framework's venv, next to its app module (the same endpoints
#: the servers serve): ``python inprocess_worker.py MODULE``; prints JSON.
INPROCESS_WORKER = """
import asyncio, gc, importlib, json, statistics, sys, time, tracemalloc

asgi = importlib.import_module(sys.argv[1]).asgi
HEADERS = [
    (b"host", b"127.0.0.1:8000"), (b"upgrade", b"websocket"),
    (b"connection", b"Upgrade"), (b"sec-websocket-version", b"13"),
    (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
]


def scope():
    return {
        "type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "scheme": "ws", "path": "/echo", "raw_path": b"/echo",
        "query_string": b"", "root_path": "", "headers": list(HEADERS),
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "subprotocols": [], "extensions": {},
    }


async def echo_run(count):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    state = {"received": 0, "sent": 0}

    async def receive():
        if state["received"] == 0:
            state["received"] = 1
            return {"type": "websocket.connect"}
        if state["received"] > count:
            await done
            return {"type": "websocket.disconnect", "code": 1000}
        state["received"] += 1
        return {"type": "websocket.receive", "text": "0123456789abcdef" * 2}

    async def send(message):
        if message["type"] == "websocket.send":
            state["sent"] += 1
            if state["sent"] == count and not done.done():
                done.set_result(None)

    start = time.process_time()
    try:
        await asgi(scope(), receive, send)
    except Exception:
        pass  # a handler that lets the disconnect propagate
    if state["sent"] != count:
        raise RuntimeError(f"echoed {state['sent']} of {count}")
    return (time.process_time() - start) / count * 1e6


async def idle(count):
    never = asyncio.get_running_loop().create_future()
    accepted = [0]

    async def one():
        first = [True]

        async def receive():
            if first[0]:
                first[0] = False
                return {"type": "websocket.connect"}
            await never

        async def send(message):
            if message["type"] == "websocket.accept":
                accepted[0] += 1

        await asgi(scope(), receive, send)

    async def open_all(n, goal):
        tasks = [asyncio.ensure_future(one()) for _ in range(n)]
        while accepted[0] < goal:
            await asyncio.sleep(0.01)
        return tasks

    warm = await open_all(50, 50)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = await open_all(count, count + 50)
    await asyncio.sleep(0.1)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for task in warm + held:
        task.cancel()
    return (after - before) / count / 1024


asyncio.run(echo_run(2000))  # warm up
runs = [asyncio.run(echo_run(20000)) for _ in range(5)]
print(json.dumps({
    "echo_us_per_msg": round(statistics.median(runs), 2),
    "idle_heap_kib_per_conn": round(asyncio.run(idle(2000)), 2),
}))
"""


def inprocess(name: str, workdir: str) -> dict[str, t.Any]:
    env_name, source = SERVERS[name]
    module = name.replace("-", "_") + "_app"
    with open(os.path.join(workdir, module + ".py"), "w") as f:
        f.write(source)
    worker = os.path.join(workdir, "inprocess_worker.py")
    with open(worker, "w") as f:
        f.write(INPROCESS_WORKER)
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    out = subprocess.run(
        [env_bin(env_name, "python"), worker, module],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(f"{name} in process failed: {out.stderr[-2000:]}")
    return t.cast(dict[str, t.Any], json.loads(out.stdout.strip().splitlines()[-1]))


# -- a raw client ------------------------------------------------------------------

KEY = base64.b64encode(b"0123456789abcdef").decode()


def text_frame(payload: bytes) -> bytes:
    """A masked client text frame; the zero key leaves the payload as is."""
    n = len(payload)
    if n < 126:
        head = bytes([0x81, 0x80 | n])
    elif n < 65536:
        head = bytes([0x81, 0x80 | 126]) + struct.pack("!H", n)
    else:
        head = bytes([0x81, 0x80 | 127]) + struct.pack("!Q", n)
    return head + b"\x00\x00\x00\x00" + payload


class Client(t.NamedTuple):
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


async def read_frame(c: Client) -> bytes:
    """The next message's payload; pings are answered on the way."""
    reader = c.reader
    while True:
        b1, b2 = await reader.readexactly(2)
        n = b2 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await reader.readexactly(8))
        payload = await reader.readexactly(n)
        opcode = b1 & 0x0F
        if opcode == 9:  # the server's ping (uvicorn's, every 20 s)
            c.writer.write(bytes([0x8A, 0x80 | n]) + b"\x00\x00\x00\x00" + payload)
            continue
        if opcode == 8:
            raise ConnectionError(f"closed by the server: {payload[:2]!r}")
        return payload


async def open_ws(port: int, path: str) -> Client:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"handshake refused: {head[:60]!r}")
    return Client(reader, writer)


async def open_many(
    port: int, path: str, n: int, concurrency: int = 200
) -> list[Client]:
    sem = asyncio.Semaphore(concurrency)

    async def one() -> Client:
        async with sem:
            return await open_ws(port, path)

    return await asyncio.gather(*(one() for _ in range(n)))


async def close_all(clients: list[Client]) -> None:
    for c in clients:
        c.writer.transport.abort()
    await asyncio.sleep(0.5)


async def echo_once(c: Client, payload: bytes) -> None:
    c.writer.write(text_frame(payload))
    if await read_frame(c) != payload:
        raise RuntimeError("wrong echo")


# -- scenarios -----------------------------------------------------------------------


async def idle(server: Server, n: int) -> dict[str, t.Any]:
    rss_before, _ = server.memory()
    start = time.perf_counter()
    clients = await open_many(server.port, "/echo", n)
    opened = time.perf_counter() - start
    await asyncio.sleep(2)
    rss_after, peak = server.memory()
    # every connection is still open: one echo on each
    sem = asyncio.Semaphore(500)

    async def check(c: Client) -> None:
        async with sem:
            await asyncio.wait_for(echo_once(c, b"ping"), 30)

    await asyncio.gather(*(check(c) for c in clients))
    await close_all(clients)
    return {
        "connections": n,
        "open_s": round(opened, 2),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "peak_mb": round(peak / 2**20, 1),
        "kib_per_conn": round((rss_after - rss_before) / n / 1024, 1),
        "peak_kib_per_conn": round((peak - rss_before) / n / 1024, 1),
    }


async def echo_load(server: Server, clients: int, seconds: float) -> dict[str, t.Any]:
    conns = await open_many(server.port, "/echo", clients)
    payload = b"x" * 32
    for c in conns[:10]:
        await echo_once(c, payload)  # warm up
    latencies: list[float] = []
    until = time.perf_counter() + seconds

    async def loop(c: Client) -> None:
        frame = text_frame(payload)
        while time.perf_counter() < until:
            started = time.perf_counter()
            c.writer.write(frame)
            await read_frame(c)
            latencies.append(time.perf_counter() - started)

    start = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in conns))
    elapsed = time.perf_counter() - start
    await close_all(conns)
    q = statistics.quantiles(latencies, n=100)
    return {
        "clients": clients,
        "msgs_per_s": round(len(latencies) / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
    }


async def broadcast(server: Server, clients: int, rounds: int = 20) -> dict[str, t.Any]:
    conns = await open_many(server.port, "/chat", clients)
    await asyncio.sleep(0.5)  # every handler has registered its inbox
    times: list[float] = []
    for i in range(rounds):
        payload = f"news {i}".encode()
        started = time.perf_counter()
        conns[0].writer.write(text_frame(payload))

        async def got(c: Client, payload: bytes = payload) -> None:
            if await read_frame(c) != payload:
                raise RuntimeError("wrong broadcast")

        await asyncio.wait_for(asyncio.gather(*(got(c) for c in conns)), 60)
        times.append(time.perf_counter() - started)
    await close_all(conns)
    return {
        "clients": clients,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
    }


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(asyncio.wait_for(coro, 600))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--only", default="idle,echo,broadcast,sock,inprocess")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    scenarios = args.only.split(",")
    _raise_fd_limit()
    for env in ENV_REQS:
        ensure_env(env)
        log(f"{env}: {versions(env)}")
    results: dict[str, dict[str, t.Any]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in ("starlette", "ours", "quart"):
            row: dict[str, t.Any] = results.setdefault(name, {})
            for scenario in ("idle", "echo", "broadcast"):
                if scenario not in scenarios:
                    continue
                server = Server(name, workdir)  # a fresh process per scenario
                try:
                    if scenario == "idle":
                        row["idle"] = run(idle(server, args.idle))
                    elif scenario == "echo":
                        row["echo"] = run(echo_load(server, args.clients, args.seconds))
                    else:
                        row["broadcast"] = run(broadcast(server, args.clients))
                    log(f"{name:10} {scenario:9} {row[scenario]}")
                finally:
                    server.stop()
        if "inprocess" in scenarios:
            for name in ("starlette", "ours", "quart"):
                row = results.setdefault(name, {})
                row["inprocess"] = inprocess(name, workdir)
                log(f"{name:10} inprocess {row['inprocess']}")
        if "sock" in scenarios:
            for name in ("ours", "ours-sock"):
                server = Server(name, workdir)
                try:
                    row = results.setdefault(name, {})
                    row["sock50"] = run(echo_load(server, 50, args.seconds))
                    row["sock1"] = run(echo_load(server, 1, args.seconds))
                    log(f"{name:10} sock      {row['sock50']} {row['sock1']}")
                finally:
                    server.stop()
    print(report(results))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    return 0


def report(results: dict[str, dict[str, t.Any]]) -> str:
    lines = []
    anchor = results.get("starlette", {})
    if any("idle" in r for r in results.values()):
        lines.append("idle connections (one uvicorn worker)")
        lines.append(
            "server     | held  | RSS before MiB | after MiB | peak MiB"
            " | KiB/conn | peak KiB/conn | x starlette"
        )
        for name, row in results.items():
            r = row.get("idle")
            if r:
                ratio = r["peak_kib_per_conn"] / anchor["idle"]["peak_kib_per_conn"]
                lines.append(
                    f"{name:10} | {r['connections']:5} | {r['rss_before_mb']:14} |"
                    f" {r['rss_after_mb']:9} | {r['peak_mb']:8} |"
                    f" {r['kib_per_conn']:8} | {r['peak_kib_per_conn']:13} |"
                    f" {ratio:.2f}"
                )
    if any("echo" in r for r in results.values()):
        lines.append("")
        lines.append("echo round trips")
        lines.append(
            "server     | clients | msgs/s | p50 ms | p99 ms | p50 x starlette"
        )
        for name, row in results.items():
            r = row.get("echo")
            if r:
                ratio = r["p50_ms"] / anchor["echo"]["p50_ms"]
                lines.append(
                    f"{name:10} | {r['clients']:7} | {r['msgs_per_s']:6} |"
                    f" {r['p50_ms']:6} | {r['p99_ms']:6} | {ratio:.2f}"
                )
    if any("broadcast" in r for r in results.values()):
        lines.append("")
        lines.append("broadcast: one message to every client")
        lines.append("server     | clients | median ms | max ms")
        for name, row in results.items():
            r = row.get("broadcast")
            if r:
                lines.append(
                    f"{name:10} | {r['clients']:7} | {r['median_ms']:9} | {r['max_ms']}"
                )
    if any("sock50" in r for r in results.values()):
        lines.append("")
        lines.append("flask-sock over the ASGI door vs @app.websocket (echo)")
        lines.append("server     | clients | msgs/s | p50 ms | p99 ms")
        for name, row in results.items():
            for key in ("sock50", "sock1"):
                r = row.get(key)
                if r:
                    lines.append(
                        f"{name:10} | {r['clients']:7} | {r['msgs_per_s']:6} |"
                        f" {r['p50_ms']:6} | {r['p99_ms']:6}"
                    )
    if any("inprocess" in r for r in results.values()):
        lines.append("")
        lines.append("in process (no server): one echo message, an idle connection")
        lines.append(
            "server     | CPU us/msg | x starlette | heap KiB/conn | x starlette"
        )
        base = anchor.get("inprocess")
        for name, row in results.items():
            r = row.get("inprocess")
            if r:
                msg_ratio = (
                    r["echo_us_per_msg"] / base["echo_us_per_msg"] if base else 0
                )
                heap_ratio = (
                    r["idle_heap_kib_per_conn"] / base["idle_heap_kib_per_conn"]
                    if base
                    else 0
                )
                lines.append(
                    f"{name:10} | {r['echo_us_per_msg']:10} | {msg_ratio:11.2f} |"
                    f" {r['idle_heap_kib_per_conn']:13} | {heap_ratio:.2f}"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
