"""The client side of benchmarks/asgi_limits.py: raw HTTP/1.1 on asyncio.

Everything runs in the benchmark's one process: a closed-loop load
generator (:func:`load`), slow uploaders (:class:`SlowClients`), clients
that leave streams (:func:`churn`) and a large upload (:func:`upload`).
Only the standard library is used.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import typing as t

HOST = "127.0.0.1"
#: How long a request in flight at the end of a load phase may still take.
GRACE = 2.0


def request(
    method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    fields = dict(headers or {})
    if body or method == "POST":
        fields.setdefault("Content-Length", str(len(body)))
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Response(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


async def read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(parts)
    else:
        body = await reader.read()
    return Response(status, headers, body)


async def fetch(port: int, raw: bytes, timeout: float = 30) -> Response:
    """One request on a connection of its own."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        return await asyncio.wait_for(read_response(reader), timeout)
    finally:
        writer.close()


async def stats(port: int, reset: bool = False, timeout: float = 5) -> dict[str, t.Any]:
    """The server's ``/_stats`` (see ``probe.py``); ``{}`` when it does not
    answer within ``timeout`` (a WSGI server whose threads are all busy)."""
    path = "/_stats?reset=1" if reset else "/_stats"
    try:
        r = await fetch(port, request("GET", path, {"Connection": "close"}), timeout)
    except (TimeoutError, asyncio.TimeoutError):
        return {}
    return t.cast("dict[str, t.Any]", json.loads(r.body))


# -- closed-loop load ----------------------------------------------------------


class Tally:
    """Latencies of one kind of request during a phase."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        #: Requests still unanswered ``GRACE`` seconds after the phase ended.
        self.stuck: list[float] = []

    def summary(self, seconds: float) -> dict[str, t.Any]:
        done = sorted(self.latencies)
        both = sorted(done + self.stuck)
        return {
            "n": len(done),
            "rps": len(done) / seconds,
            "p50_ms": _pct(done, 0.5),
            "p99_ms": _pct(both, 0.99),
            "errors": self.errors,
            "stuck": len(self.stuck),
        }


def _pct(data: list[float], p: float) -> float | None:
    if not data:
        return None
    if len(data) < 2:
        return data[0] * 1000
    return (
        statistics.quantiles(data, n=1000, method="inclusive")[round(p * 1000) - 1]
        * 1000
    )


async def _load_worker(port: int, raw: bytes, until: float, tally: Tally) -> None:
    writer: asyncio.StreamWriter | None = None
    try:
        while (start := time.perf_counter()) < until:
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(HOST, port), until + GRACE - start
                    )
                writer.write(raw)
                r = await asyncio.wait_for(read_response(reader), until + GRACE - start)
            except (TimeoutError, asyncio.TimeoutError):
                tally.stuck.append(time.perf_counter() - start)
                return
            except (OSError, asyncio.IncompleteReadError, ValueError):
                tally.errors += 1
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(0.01)
                continue
            tally.latencies.append(time.perf_counter() - start)
            if r.status != 200:
                tally.errors += 1
            if r.headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


async def load(
    port: int, mix: list[tuple[str, bytes]], connections: int, seconds: float
) -> dict[str, dict[str, t.Any]]:
    """``connections`` keep-alive connections, spread over the requests of
    ``mix`` (label, raw request), each sending its next request when the
    last was answered, for ``seconds``; per label: requests/s, p50 and p99
    latency (ms), errors and requests still unanswered at the end."""
    tallies = {label: Tally() for label, _ in mix}
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(
            _load_worker(port, raw, until, tallies[label])
            for (label, raw), _ in zip(itertools.cycle(mix), range(connections))
        )
    )
    return {label: tally.summary(seconds) for label, tally in tallies.items()}


# -- slow uploaders ------------------------------------------------------------


class SlowClients:
    """Connections that declared a body of ``length`` bytes, sent ``first``
    bytes of it at once, then one byte per second (``trickle``) or
    nothing more."""

    def __init__(self, port: int, length: int = 100_000, first: int = 1) -> None:
        self.port = port
        self.length = length
        self.first = first
        self.trickling: list[asyncio.StreamWriter] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.watchers: list[asyncio.Task[None]] = []
        #: Connections the server answered or closed while they were slow.
        self.answered = 0
        self._ticker: asyncio.Task[None] | None = None

    async def open(self, targets: list[tuple[str, str, bool]], n: int) -> None:
        """``n`` connections, spread over ``targets`` (path, content type,
        trickle)."""
        for (path, ctype, trickle), _ in zip(itertools.cycle(targets), range(n)):
            reader, writer = await asyncio.open_connection(HOST, self.port)
            head = request(
                "POST",
                path,
                {"Content-Type": ctype, "Content-Length": str(self.length)},
            )
            writer.write(head + b"a" * self.first)
            await writer.drain()
            self.writers.append(writer)
            if trickle:
                self.trickling.append(writer)
            self.watchers.append(asyncio.create_task(self._watch(reader)))
        self._ticker = asyncio.create_task(self._tick())

    async def _watch(self, reader: asyncio.StreamReader) -> None:
        try:
            await reader.read(1)
        except OSError:
            pass
        self.answered += 1

    async def _tick(self) -> None:
        for _ in range(self.length):
            await asyncio.sleep(1)
            for writer in self.trickling:
                if not writer.is_closing():
                    writer.write(b"a")

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for task in self.watchers:
            task.cancel()
        await asyncio.gather(*self.watchers, return_exceptions=True)
        for writer in self.writers:
            writer.transport.abort()


# -- clients that leave streams ------------------------------------------------


class Variant(t.NamedTuple):
    method: str
    path: str
    #: Bytes of the body sent (of ``declared``).
    sent: int
    declared: int
    #: Wait for the first chunk before leaving (else leave after 50 ms).
    wait_chunk: bool


MiB = 1 << 20
VARIANTS: dict[str, Variant] = {
    "sync-get": Variant("GET", "/stream", 0, 0, True),
    "async-get": Variant("GET", "/astream", 0, 0, True),
    # Past what is received before a sync view runs (1 MiB): the view
    # streams while the rest of the body is still to come.
    "sync-partial": Variant("POST", "/stream", MiB + 64 * 1024, 4 * MiB, True),
    # An async view waits for its body (up to 16 MiB): the client leaves
    # before it ends.
    "async-partial": Variant("POST", "/astream", 64 * 1024, 4 * MiB, False),
}


async def _leave_once(port: int, variant: Variant, rst: bool) -> bool:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        headers = {"Content-Length": str(variant.declared)} if variant.declared else {}
        writer.write(request(variant.method, variant.path, headers))
        if variant.sent:
            writer.write(b"x" * variant.sent)
        await writer.drain()
        if variant.wait_chunk:
            await asyncio.wait_for(reader.readuntil(b"chunk"), 10)
        else:
            try:
                await asyncio.wait_for(reader.read(1), 0.05)
            except (TimeoutError, asyncio.TimeoutError):
                pass
        return True
    except (OSError, asyncio.IncompleteReadError, TimeoutError, asyncio.TimeoutError):
        return False
    finally:
        if rst:
            writer.transport.abort()  # unread data: the kernel resets
        else:
            writer.close()


async def churn(
    port: int,
    variants: list[str],
    until: float,
    counts: dict[str, int],
    every: float = 0.0,
) -> None:
    """Open a stream and leave it, once per ``every`` seconds (or as fast as
    it can) until ``until``, cycling through ``variants``; ``counts`` gets
    the departures (and failures)."""
    due = time.perf_counter()
    for i, name in enumerate(itertools.cycle(variants)):
        now = time.perf_counter()
        if now >= until:
            return
        if due > now:
            await asyncio.sleep(due - now)
        due = max(due + every, now)
        ok = await _leave_once(port, VARIANTS[name], rst=bool(i % 2))
        key = name if ok else f"{name} failed"
        counts[key] = counts.get(key, 0) + 1


# -- a large upload --------------------------------------------------------------


async def upload(port: int, path: str, total: int) -> tuple[Response, float]:
    """POST ``total`` bytes in 1 MiB writes; the response and the seconds
    from the first byte sent to the response."""
    reader, writer = await asyncio.open_connection(HOST, port)
    chunk = b"x" * MiB
    start = time.perf_counter()
    try:
        writer.write(
            request("POST", path, {"Content-Length": str(total), "Connection": "close"})
        )
        left = total
        while left:
            part = chunk if left >= MiB else chunk[:left]
            writer.write(part)
            left -= len(part)
            await writer.drain()
        r = await asyncio.wait_for(read_response(reader), 600)
        return r, time.perf_counter() - start
    finally:
        writer.close()
