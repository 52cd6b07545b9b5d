"""HTTP load for the TechEmpower-style table: wrk, or a Python fallback.

``wrk`` (Debian package ``wrk``) is the client when it is installed: one
thread, C keep-alive connections, ``--latency`` for p50/p99. Without it,
``pyload`` keeps C connections busy from one asyncio loop in this process
(its numbers are lower: the client is slower than wrk and shares the
machine's cores with the server). Both reconnect when a server closes the
connection after each response (gunicorn's sync worker does).
Only the standard library is used here.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import shutil
import subprocess
import time
import typing as t
from urllib.parse import urlsplit

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


class LoadError(RuntimeError):
    """The server answered with an error, or the client could not load it."""


def tool(prefer: str = "auto") -> str:
    """``wrk`` when asked for or installed (``auto``), else ``python``."""
    if prefer == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if prefer == "wrk":
        raise LoadError("wrk is not installed (apt-get install wrk)")
    return "python"


def load(
    which: str,
    url: str,
    seconds: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Requests/s, p50 and p99 latency (ms) of ``seconds`` of load on
    ``url``, each request with ``headers`` (a session cookie, say)."""
    if which == "wrk":
        return wrk(url, seconds, connections, headers)
    return asyncio.run(pyload(url, seconds, connections, headers))


def wrk(
    url: str,
    seconds: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    duration = f"-d{max(1, round(seconds))}s"  # whole seconds only
    cmd = ["wrk", "-t1", f"-c{connections}", duration, "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    if "Non-2xx" in out:
        raise LoadError(f"error responses from {url}:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    if not rps or set(lat) != {"50", "99"}:
        raise LoadError(f"unexpected wrk output:\n{out}")

    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
        return float(number) * _UNITS[unit]

    rv = {"rps": float(rps.group(1)), "p50": ms(lat["50"]), "p99": ms(lat["99"])}
    done = re.search(r"(\d+) requests in", out)
    if done:
        rv["requests"] = int(done.group(1))
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    if timeouts and int(timeouts.group(1)):
        rv["timeouts"] = int(timeouts.group(1))
    return rv


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the server keeps the
    connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    version, status = lines[0].split(b" ", 2)[:2]
    length = None
    chunked = False
    keep = version == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            keep = value == b"keep-alive" or (keep and value != b"close")
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        keep = False
    return int(status), keep


async def _client(
    host: str, port: int, request: bytes, until: float, latencies: list[float]
) -> None:
    writer = None
    try:
        while time.perf_counter() < until:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            started = time.perf_counter()
            writer.write(request)
            status, keep = await _read_response(reader)
            if status != 200:
                raise LoadError(f"status {status}")
            latencies.append(time.perf_counter() - started)
            if not keep:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


async def pyload(
    url: str,
    seconds: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_client(host, port, request, until, latencies) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    if not latencies:
        raise LoadError(f"no response from {url}")
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "rps": len(latencies) / elapsed,
        "p50": pick(0.5),
        "p99": pick(0.99),
        "requests": len(latencies),
    }


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection: status, headers (lower-case names), body."""
    parts = urlsplit(url)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        con.request("GET", target)
        response = con.getresponse()
        body = response.read()
        headers: dict[str, t.Any] = {}
        for name, value in response.getheaders():
            headers[name.lower()] = value
        return response.status, headers, body
    finally:
        con.close()
