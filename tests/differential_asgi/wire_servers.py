"""Starting gunicorn and uvicorn on the differential app, and sending the
requests to both.

Each server runs in its own process group on a free port of 127.0.0.1 and
is stopped at the end (``tests/server_process.py``). The parsers are named
so that the allow-list's oracles run the same ones in-process: gunicorn's
pure-Python parser (``--http-parser python``; the C parser is used when
``gunicorn_h1c`` is installed otherwise) and uvicorn's h11 (``--http h11``;
httptools otherwise).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import sys
import threading
import typing as t
from pathlib import Path

from server_process import free_port
from server_process import serve
from wire_client import Connection
from wire_client import Reply
from wire_requests import body_of
from wire_requests import sends_short_body
from wire_requests import wire_bytes

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
SRC = TESTS.parent / "src"
#: requests in flight at once, per server
CONCURRENCY = 4


def gunicorn_command(port: int) -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS

    names = {s.name for s in KNOWN_SETTINGS}
    cmd = [sys.executable, "-m", "gunicorn", "--worker-class", "sync"]
    cmd += ["--workers", "2", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--timeout", "30", "--graceful-timeout", "3"]
    if "http_parser" in names:
        cmd += ["--http-parser", "python"]
    if "control_socket_disable" in names:
        cmd.append("--no-control-socket")
    return [*cmd, "wire_app:wsgi"]


def uvicorn_command(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", "wire_app:asgi", "--http", "h11"),
        *("--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"),
        *("--no-access-log", "--log-level", "warning"),
    ]


class Servers(t.NamedTuple):
    wsgi: int
    asgi: int
    logs: dict[str, Path]


@contextlib.contextmanager
def running(root: Path) -> t.Iterator[Servers]:
    """Both servers on the app with its files in ``root``."""
    ports = {"wsgi": free_port(), "asgi": free_port()}
    logs = {name: root / f"{name}.log" for name in ports}
    old = os.environ.get("WIRE_DIFF_ROOT")
    os.environ["WIRE_DIFF_ROOT"] = os.fspath(root)
    paths = [os.fspath(HERE), os.fspath(TESTS / "differential"), os.fspath(SRC)]
    try:
        with contextlib.ExitStack() as stack:
            for name, cmd in (
                ("wsgi", gunicorn_command(ports["wsgi"])),
                ("asgi", uvicorn_command(ports["asgi"])),
            ):
                stack.enter_context(
                    serve(
                        cmd,
                        ports[name],
                        os.fspath(logs[name]),
                        cwd=os.fspath(HERE),
                        pythonpath=paths,
                        start_timeout=30,
                    )
                )
            yield Servers(ports["wsgi"], ports["asgi"], logs)
    finally:
        if old is None:
            os.environ.pop("WIRE_DIFF_ROOT", None)
        else:
            os.environ["WIRE_DIFF_ROOT"] = old


def meta(port: int) -> dict[str, t.Any]:
    """Which ``flask`` the server's process imported, and which door."""
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Diff-Meta: 1\r\nConnection: close\r\n\r\n"
    reply = Connection(port).exchange(data, "GET", short_body=False, reuse=False)
    assert reply.outcome == "response" and reply.status == 200, reply
    return t.cast(dict[str, t.Any], json.loads(reply.body))


def reusable(spec: dict[str, t.Any]) -> bool:
    """Whether the connection may carry the next request after this one:
    only after plain requests without a body, so that nothing the server
    did not read is taken for a next request."""
    return (
        not body_of(spec)
        and not spec["chunked"]
        and not spec.get("wire", {}).get("mutation")
        and not any(k.lower() == "content-length" for k, _ in spec["headers"])
    )


def send_all(
    servers: Servers, specs: list[dict[str, t.Any]]
) -> list[tuple[Reply, Reply]]:
    """Every request to both servers; the replies in the order of ``specs``.

    Requests run :data:`CONCURRENCY` at a time; each thread keeps one
    connection per server (gunicorn's sync worker closes every one).
    """
    local = threading.local()
    opened: list[Connection] = []

    def one(spec: dict[str, t.Any]) -> tuple[Reply, Reply]:
        if not hasattr(local, "conns"):
            local.conns = {p: Connection(p) for p in (servers.wsgi, servers.asgi)}
            opened.extend(local.conns.values())
        data = wire_bytes(spec)
        short, reuse = sends_short_body(spec), reusable(spec)
        replies = []
        for port in (servers.wsgi, servers.asgi):
            conn = local.conns[port]
            replies.append(
                conn.exchange(data, spec["method"], short_body=short, reuse=reuse)
            )
        return replies[0], replies[1]

    try:
        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            return list(pool.map(one, specs))
    finally:
        for conn in opened:
            conn.close()


#: an exception's last line in a traceback ("ValueError: ...")
_EXCEPTION = re.compile(r"[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b.*")


def door_errors(log: str) -> list[str]:
    """The exceptions uvicorn logged as escaping the ASGI app: for each
    "Exception in ASGI application", the last exception line of its
    traceback."""
    rv = []
    for block in log.split("Exception in ASGI application")[1:]:
        last = ""
        for line in block.splitlines()[1:]:
            if line.startswith(("[", "INFO:", "WARNING:", "ERROR:")):
                break  # the next log record
            if _EXCEPTION.fullmatch(line):
                last = line
        rv.append(last)
    return rv
