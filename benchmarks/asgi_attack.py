"""Attack ``app.asgi_app`` through a real ASGI server with raw sockets, and
count the server's threads, loop tasks and open files before and after.

    python benchmarks/asgi_attack.py uvicorn|hypercorn

The app is tests/asgi/hardening_app.py (4 worker threads, a 2 s body
timeout) with a ``/stats`` view (``asgi_attack_app.py``). At once: 500 idle
connections, 50 partial bodies, 40 slow bodies (a byte every 0.2 s), 40
streams left after their first chunk, 20 streams whose request body stops
short, 10 aborted large uploads, 4 bodies past the read-ahead bound (413),
40 connections that pipeline 50 requests to an async view and close
unread, and 40 malformed requests; meanwhile a sync and an async request must be
answered. Then the counts must come back to where they were (checked after
6 and 15 s), and SIGTERM must stop the server. Exits 1 otherwise.
``ONLY=name,name`` runs some of the attacks (``idle``: the idle connections).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "benchmarks")


class Target:
    def __init__(self, port: int) -> None:
        self.port = port

    def conn(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout)

    def get(self, path: str) -> tuple[int, bytes]:
        with self.conn() as s:
            s.sendall(
                f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            )
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body

    def stats(self) -> dict[str, t.Any]:
        return t.cast("dict[str, t.Any]", json.loads(self.get("/stats")[1]))

    def _send_then_close(
        self, data: bytes, more: t.Iterable[bytes] = (), pause: float = 0
    ) -> None:
        with self.conn(30) as s:
            try:
                s.sendall(data)
                for piece in more:
                    s.sendall(piece)
                    time.sleep(pause)
                s.settimeout(2)
                s.recv(1000)
            except OSError:
                pass

    # -- the attacks (each one connection) --------------------------------------

    def partial_body(self, i: int) -> None:
        head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
        with self.conn() as s:
            s.sendall(head + b"x" * 10)
            time.sleep(0.05)

    def slow_body(self, i: int) -> None:
        head = (
            b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        with self.conn() as s:
            try:
                s.sendall(head)
                for _ in range(20):
                    s.sendall(b"a")
                    time.sleep(0.2)
            except OSError:
                pass

    def stream_disconnect(self, i: int) -> None:
        path = "/stream" if i % 2 else "/astream"
        with self.conn() as s:
            s.sendall(f"GET {path}?rid=a{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            s.recv(1000)

    def stream_partial_body_disconnect(self, i: int) -> None:
        head = (
            f"POST /stream?rid=b{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
        )
        with self.conn() as s:
            s.sendall(head.encode() + b"x")
            s.recv(1000)

    def upload_abort(self, i: int) -> None:
        head = b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"
        with self.conn() as s:
            try:
                s.sendall(head)
                for _ in range(5):
                    s.sendall(b"x" * (1 << 20))
            except OSError:
                pass

    def async_read_big(self, i: int) -> None:
        head = (
            b"POST /async-read HTTP/1.1\r\nHost: x\r\nContent-Length: 20971520\r\n"
            b"Connection: close\r\n\r\n"
        )
        self._send_then_close(head, [b"x" * (1 << 20)] * 20)

    def abandoned_pipeline(self, i: int) -> None:
        """Requests to an async view (the lean path), pipelined, and the
        connection closed without reading the answers."""
        with self.conn() as s:
            s.sendall(b"GET /ahello HTTP/1.1\r\nHost: x\r\n\r\n" * 50)

    def garbage(self, i: int) -> None:
        requests = [
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"\x00\x01\x02 garbage\r\n\r\n",
            b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\n",
        ]
        self._send_then_close(requests[i % len(requests)])


ATTACKS = {
    "partial_body": 50,
    "slow_body": 40,
    "stream_disconnect": 40,
    "stream_partial_body_disconnect": 20,
    "upload_abort": 10,
    "async_read_big": 4,
    "abandoned_pipeline": 40,
    "garbage": 40,
}
COUNTED = ("threads", "tasks", "fds")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(server: str, port: int) -> subprocess.Popen[bytes]:
    path = [HERE, os.path.join(ROOT, "tests", "asgi"), os.path.join(ROOT, "src")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    env.update(ASGI_TEST_THREADS="4", ASGI_TEST_BODY_TIMEOUT="2")
    app = "asgi_attack_app:asgi"
    if server == "uvicorn":
        cmd = ["-m", "uvicorn", app, "--port", str(port), "--log-level", "critical"]
    else:
        bind = f"127.0.0.1:{port}"
        cmd = ["-m", "hypercorn", app, "--bind", bind, "--graceful-timeout", "1"]
    return subprocess.Popen(
        [sys.executable, *cmd], env=env, cwd=HERE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def attack(server: str) -> bool:
    port = free_port()
    proc = start(server, port)
    target = Target(port)
    ok = True
    try:
        for _ in range(200):
            try:
                target.get("/hello")
                break
            except OSError:
                time.sleep(0.1)
        # Warm up: the worker pool grows to its bound and stays.
        warm = [threading.Thread(target=target.get, args=("/block",)) for _ in range(6)]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        time.sleep(1)
        before = target.stats()
        print(server, "before", {k: before[k] for k in COUNTED}, flush=True)

        only = [n for n in os.environ.get("ONLY", "").split(",") if n]
        held = []
        if not only or "idle" in only:
            for _ in range(500):
                held.append(target.conn())
        threads = []
        for name, count in ATTACKS.items():
            if only and name not in only:
                continue
            for i in range(count):
                thread = threading.Thread(target=getattr(target, name), args=(i,))
                thread.start()
                threads.append(thread)
        time.sleep(0.5)
        for path in ("/hello", "/ahello"):
            started = time.perf_counter()
            status, _ = target.get(path)
            took = time.perf_counter() - started
            print(server, f"during the attack: {path} {status} in {took:.2f} s")
            ok = ok and status == 200
        for thread in threads:
            thread.join(60)
        for s in held:
            s.close()
        for wait in (6, 9):
            time.sleep(wait)
            after = target.stats()
            print(server, "after", {k: after[k] for k in COUNTED}, after["kinds"])
        for key in COUNTED:
            if after[key] != before[key]:
                ok = False
                print(server, f"{key}: {before[key]} before, {after[key]} after")
                for line in after["stacks"]:
                    print("  still running:", line)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
            print(server, "stopped on SIGTERM")
        except subprocess.TimeoutExpired:
            ok = False
            print(server, "did not stop within 20 s of SIGTERM")
            proc.kill()
            proc.wait()
    return ok


def main() -> int:
    servers = sys.argv[1:] or ["uvicorn", "hypercorn"]
    results = [attack(server) for server in servers]
    print("ok" if all(results) else "FAILED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
