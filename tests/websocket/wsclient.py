"""A raw WebSocket client on asyncio streams, for what a well-behaved
client library will not send (bad handshakes, invalid UTF-8, vanishing
without a close frame) and for many handshakes quickly."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import typing as t
import urllib.request

KEY = base64.b64encode(b"0123456789abcdef").decode()


def handshake(path: str, port: int, extra: str = "", key: str = KEY) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n{extra}\r\n"
    ).encode("latin-1")


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A masked client frame."""
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One (unmasked, server) frame: opcode and payload."""
    b1, b2 = await reader.readexactly(2)
    n = b2 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    return b1 & 0x0F, await reader.readexactly(n)


async def open_ws(
    port: int, path: str, extra: str = "", key: str = KEY
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """Connect and send a handshake; returns the response head too."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(handshake(path, port, extra, key))
    head = await reader.readuntil(b"\r\n\r\n")
    return reader, writer, head


def status_of(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


async def close_code(reader: asyncio.StreamReader, timeout: float = 5) -> int | None:
    """Read frames until a close frame: its code; ``None`` if the server
    closed the connection without one."""
    try:
        while True:
            opcode, payload = await asyncio.wait_for(read_frame(reader), timeout)
            if opcode == 8:
                return int(struct.unpack("!H", payload[:2])[0]) if payload else 1005
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


async def one_handshake(port: int, path: str) -> None:
    """Handshake, read one message, answer the server's close."""
    reader, writer, head = await open_ws(port, path, "Sec-WebSocket-Version: 13\r\n")
    try:
        assert status_of(head) == 101, head
        opcode, payload = await read_frame(reader)
        assert (opcode, payload) == (1, b"ok"), (opcode, payload)
        opcode, payload = await read_frame(reader)
        assert opcode == 8, opcode
        writer.write(frame(8, payload[:2]))
        await writer.drain()
        await reader.read()
    finally:
        writer.close()


async def many_handshakes(port: int, path: str, n: int, concurrency: int) -> None:
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            await one_handshake(port, path)

    await asyncio.gather(*(one() for _ in range(n)))


def get_json(port: int, path: str) -> t.Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


async def unread_growth(port: int, name: str) -> tuple[int, int]:
    """Open ``/flood/<name>`` (a handler that sends as fast as it can and
    counts what it sent in ``/events``), never read, and return that count
    after one second and after one and a half: it must stop growing once
    the kernel's buffers are full."""
    reader, writer, head = await open_ws(
        port, f"/flood/{name}", "Sec-WebSocket-Version: 13\r\n"
    )
    assert status_of(head) == 101
    await asyncio.sleep(1.0)
    first = get_json(port, "/events")["sent"][name]
    await asyncio.sleep(0.5)
    second = get_json(port, "/events")["sent"][name]
    writer.transport.abort()
    return first, second


#: The close code each ASGI server's shutdown gives an open connection:
#: uvicorn closes it itself (1012, service restart) before the app hears of
#: the shutdown; hypercorn cancels the app, which closes with 1001.
SHUTDOWN_CODES = {"uvicorn": 1012, "hypercorn": 1001}


def shutdown_is_tested(server: str) -> bool:
    """hypercorn 0.18 on Python 3.12+ never cancels WebSocket connections
    at shutdown (a bare ASGI app's neither): they stay open until their
    clients leave, so there is no close to test there."""
    import sys

    return not (server == "hypercorn" and sys.version_info >= (3, 12))


async def close_code_at_shutdown(url: str, proc: t.Any) -> int | None:
    """Connect to ``url`` (a handler that waits), stop the server process
    ``proc`` with SIGTERM, and return the close code the client got."""
    import signal

    import pytest
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async with connect(url) as ws:
        await asyncio.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 10)
        return info.value.rcvd.code if info.value.rcvd else None
