"""A raw-socket HTTP/1.1 client: sends a request's exact bytes, reads one
response and undoes its framing.

What a server did is recorded, not only what it answered: ``outcome`` is
``"response"``, or ``"closed"`` (the connection ended before a complete
response), ``"reset"`` or ``"timeout"``. The body is decoded (chunked,
``Content-Length`` or up to the close); field values lose the spaces and
tabs around them, which are not part of the value (RFC 9110, 5.5).
"""

from __future__ import annotations

import dataclasses
import re
import socket
import time
import typing as t

#: seconds to wait for a response before shutting our side of the
#: connection down, when the request announced more body than it sent
SHORT_BODY_WAIT = 0.3
TIMEOUT = 20.0
#: interim (1xx) responses, and nothing else
_INTERIM = re.compile(rb"(?:HTTP/1\.[01] 1[0-9][0-9][^\n]*\n(?:[^\n]+\n)*\r?\n)*")


@dataclasses.dataclass
class Reply:
    outcome: str
    status: int = 0
    reason: str = ""
    version: str = ""
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    body: bytes = b""
    #: "length", "chunked", "close" or "none" (no body allowed)
    framing: str = ""
    interim: list[int] = dataclasses.field(default_factory=list)
    #: the connection cannot be used again
    closed: bool = True
    #: bytes received, for reports (the first few hundred)
    raw: bytes = b""
    time: float = 0.0
    #: the server's port
    port: int = 0

    @property
    def final_began(self) -> bool:
        """Whether a final (not 1xx) response began to arrive."""
        return bool(self.raw) and _INTERIM.fullmatch(self.raw) is None

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def as_dict(self) -> dict[str, t.Any]:
        return dataclasses.asdict(self)


class _Incomplete(Exception):
    pass


class _Stream:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.received = b""
        self.eof = False

    def fill(self) -> None:
        if self.eof:
            raise _Incomplete
        data = self.sock.recv(262144)
        if not data:
            self.eof = True
            raise _Incomplete
        self.buffer += data
        if len(self.received) < 2000:
            self.received += data[:2000]

    def line(self) -> bytes:
        while b"\n" not in self.buffer:
            self.fill()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def rest(self) -> bytes:
        try:
            while True:
                self.fill()
        except _Incomplete:
            pass
        data, self.buffer = self.buffer, b""
        return data


def _head(stream: _Stream, reply: Reply) -> None:
    status_line = stream.line().decode("latin-1")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    reply.version, reply.status, reply.reason = version, int(code), reason
    reply.headers = []
    while True:
        line = stream.line()
        if not line:
            break
        name, _, value = line.decode("latin-1").partition(":")
        reply.headers.append((name, value.strip(" \t")))


def _read(stream: _Stream, method: str, reply: Reply) -> None:
    while True:
        _head(stream, reply)
        if reply.status >= 200:
            break
        reply.interim.append(reply.status)
    connection = ",".join(reply.header("Connection")).lower()
    reply.closed = "close" in connection or reply.version == "HTTP/1.0"
    coding = ",".join(reply.header("Transfer-Encoding")).lower()
    if method == "HEAD" or reply.status in (204, 304):
        reply.framing = "none"
    elif "chunked" in coding:
        reply.framing = "chunked"
        parts = []
        while True:
            size = int(stream.line().split(b";")[0], 16)
            if not size:
                while stream.line():  # trailer section
                    pass
                break
            parts.append(stream.exactly(size))
            stream.exactly(2)
        reply.body = b"".join(parts)
    elif reply.header("Content-Length"):
        reply.framing = "length"
        reply.body = stream.exactly(int(reply.header("Content-Length")[0]))
    else:
        reply.framing = "close"
        reply.body = stream.rest()
        reply.closed = True


def _await_final(sock: socket.socket, stream: _Stream) -> None:
    """Wait up to :data:`SHORT_BODY_WAIT` for a final response to begin
    (interim ones do not count); if none does, shut our side down, as a
    client whose body ended early does."""
    deadline = time.monotonic() + SHORT_BODY_WAIT
    try:
        while _INTERIM.fullmatch(stream.buffer):
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            stream.fill()
    except TimeoutError:
        sock.shutdown(socket.SHUT_WR)
    finally:
        sock.settimeout(TIMEOUT)


class _Bytes:
    """A socket that has received ``data`` and then the end of input."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def recv(self, size: int) -> bytes:
        data, self.data = self.data[:size], self.data[size:]
        return data


def parse_reply(data: bytes, method: str = "GET", port: int = 0) -> Reply:
    """The reply a server that sent ``data`` and closed gives (for tests)."""
    reply = Reply("response", port=port)
    stream = _Stream(t.cast(socket.socket, _Bytes(data)))
    try:
        _read(stream, method, reply)
    except _Incomplete:
        reply.outcome = "closed"
    reply.raw = stream.received[:600]
    return reply


class Connection:
    """A connection to one server, reused while both sides allow it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.fresh = True

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _connect(self) -> socket.socket:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.fresh = True
        else:
            self.fresh = False
        return self.sock

    def exchange(
        self, data: bytes, method: str, *, short_body: bool, reuse: bool
    ) -> Reply:
        """Send ``data``, read one response. With ``short_body``, shut our
        side down if no response came within :data:`SHORT_BODY_WAIT`."""
        sock = self._connect()
        fresh = self.fresh
        reply = Reply("response", port=self.port)
        stream = _Stream(sock)
        try:
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early and closed: read it
            if short_body:
                _await_final(sock, stream)
            _read(stream, method, reply)
        except _Incomplete:
            reply.outcome = "closed"
        except ConnectionResetError:
            reply.outcome = "reset"
        except TimeoutError:
            reply.outcome = "timeout"
        except ValueError:
            reply.outcome = "garbled"
        reply.raw = stream.received[:600]
        reply.time = time.time()
        if reply.outcome != "response" or reply.closed or stream.buffer or not reuse:
            self.close()
        if reply.outcome == "closed" and not stream.received and not fresh and reuse:
            # the server closed an idle kept-alive connection: try again
            return self.exchange(data, method, short_body=short_body, reuse=reuse)
        return reply
