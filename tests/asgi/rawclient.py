"""A light HTTP/1.1 client on raw asyncio streams, for many concurrent
requests (httpx needs far longer just to open 1,000 connections here)."""

from __future__ import annotations

import asyncio
import time


async def get(
    port: int, path: str, *, method: str = "GET", body: bytes = b"", headers: str = ""
) -> tuple[int, bytes, float]:
    """One request on a fresh connection; returns status, body and latency."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Length: {len(body)}\r\n{headers}Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2], time.perf_counter() - start


async def many(port: int, path: str, n: int) -> tuple[float, list[int]]:
    """``n`` concurrent requests; returns the wall time and the statuses."""
    start = time.perf_counter()
    results = await asyncio.gather(*(get(port, path) for _ in range(n)))
    return time.perf_counter() - start, [r[0] for r in results]


class KeepAlive:
    """Sequential requests on one keep-alive connection (bodies must carry
    a Content-Length)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port
            )
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1")
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
