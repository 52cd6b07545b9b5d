"""A blocking raw-socket HTTP/1.1 client for the hardening tests: it sends
exactly the bytes a test says (partial bodies, odd framing, pauses) and
reads a response however it is framed."""

from __future__ import annotations

import socket
import time
import typing as t


class Response(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes
    interim: list[int]


def connect(port: int, timeout: float = 10) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def head(method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Reader:
    """Reads responses from one connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"closed before {marker!r}: {self.buffer!r}")
        before, _, self.buffer = self.buffer.partition(marker)
        return before

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not self._fill():
                raise ConnectionError("closed before the end of the body")
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def status_line(self) -> tuple[int, dict[str, str]]:
        raw = self._until(b"\r\n\r\n").split(b"\r\n")
        status = int(raw[0].split(b" ", 2)[1])
        headers: dict[str, str] = {}
        for line in raw[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def response(self, method: str = "GET") -> Response:
        interim = []
        while True:
            status, headers = self.status_line()
            if status >= 200:
                break
            interim.append(status)
        if method == "HEAD" or status in (204, 304):
            return Response(status, headers, b"", interim)
        if "content-length" in headers:
            body = self._exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self._until(b"\r\n").split(b";")[0], 16)
                if not size:
                    self._until(b"\r\n")
                    break
                parts.append(self._exactly(size))
                self._exactly(2)
            body = b"".join(parts)
        else:
            while self._fill():
                pass
            body, self.buffer = self.buffer, b""
        return Response(status, headers, body, interim)

    def read_until(self, marker: bytes, count: int = 1) -> bytes:
        """Read (a stream) until ``marker`` was seen ``count`` times."""
        while self.buffer.count(marker) < count:
            if not self._fill():
                raise ConnectionError(f"closed before {marker!r}")
        return self.buffer


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 10,
) -> Response:
    """One request on a fresh connection, its body sent whole."""
    headers = dict(headers or {})
    if body and "Content-Length" not in headers:
        headers["Content-Length"] = str(len(body))
    headers.setdefault("Connection", "close")
    with connect(port, timeout) as s:
        try:
            s.sendall(head(method, path, headers) + body)
        except (BrokenPipeError, ConnectionResetError):
            # The server answered (a 413, say) and closed before taking the
            # whole body (a reset, if unread data was left on its side):
            # its answer arrived first and is still there to read.
            pass
        return Reader(s).response(method)


def timed(func: t.Callable[[], t.Any]) -> tuple[t.Any, float]:
    start = time.perf_counter()
    rv = func()
    return rv, time.perf_counter() - start
