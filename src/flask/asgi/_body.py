"""The request body of one ASGI request, as the ``wsgi.input`` stream.

The body arrives in ``http.request`` messages. :class:`RequestBody` owns the
request's ``receive`` callable: every message the app gets goes through it,
so a body reader, the read-ahead on the loop and the disconnect watch never
receive at the same time.

Where the bytes come from depends on who reads:

- code in a worker thread reads with backpressure: each read that finds the
  buffer empty asks the loop for the next message and waits for it (at most
  ``timeout`` seconds, then 408);
- code on the event loop cannot wait, so :meth:`RequestBody.fill` receives
  the body ahead, up to a limit, before such code runs; past the limit a
  read answers 413;
- :meth:`RequestBody.watch` keeps receiving while a response streams, so a
  client that goes away is noticed whatever the state of its body; what
  arrives is kept for a reader up to the read-ahead limit, then dropped.

Unread bytes stay in memory up to ``spill_size``, then in a temporary file;
bytes that were read are released, so a large upload read in chunks costs
about one message of memory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import sys
import tempfile
import threading
import typing as t

from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout

from ._environ import Message
from ._environ import Receive

if t.TYPE_CHECKING:
    from _typeshed import WriteableBuffer

if sys.version_info >= (3, 11):

    async def receive_within(receive: Receive, timeout: float | None) -> Message:
        """``await receive()``, raising ``TimeoutError`` after ``timeout``."""
        if timeout is None:
            return await receive()
        async with asyncio.timeout(timeout):
            return await receive()

else:  # pragma: no cover - Python 3.10

    async def receive_within(receive: Receive, timeout: float | None) -> Message:
        """``await receive()``, raising ``TimeoutError`` after ``timeout``."""
        if timeout is None:
            return await receive()
        try:
            return await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError from None


class RequestBody(io.RawIOBase):
    """``wsgi.input`` for a body that arrives in several ASGI messages."""

    def __init__(
        self,
        receive: Receive,
        loop: asyncio.AbstractEventLoop,
        first: bytes = b"",
        *,
        spill_size: int,
        timeout: float | None,
    ) -> None:
        super().__init__()
        self._receive = receive
        self._loop = loop
        self._spill_size = spill_size
        self._timeout = timeout
        #: Unread bytes held in memory from ``_memory_read`` (while
        #: ``_file`` is ``None``) ...
        self._memory = bytearray(first)
        self._memory_read = 0
        #: ... or in a temporary file, from ``_file_read`` to its end.
        self._file: io.BufferedRandom | None = None
        self._file_read = 0
        self._buffered = len(first)
        #: Bytes received so far (read or not).
        self.received = len(first)
        #: No more messages will come: the body ended, the client left or
        #: it stalled.
        self.complete = False
        self.disconnected = False
        #: The client left before the body ended.
        self.truncated = False
        self.timed_out = False
        #: Reads by code on the loop stop here (see :meth:`fill`).
        self._loop_limit: int | None = None
        #: Bytes beyond this were dropped while watching (see :meth:`watch`).
        self._dropped_after: int | None = None
        #: One receiver at a time, on the loop.
        self._lock: asyncio.Lock | None = None
        #: The buffer is filled on the loop and read in a worker thread.
        self._mutex = threading.Lock()
        self._loop_thread = threading.get_ident()

    def readable(self) -> bool:
        return True

    # -- on the loop ---------------------------------------------------------

    def _add(self, message: Message) -> None:
        if message["type"] == "http.disconnect":
            if not self.complete:
                self.truncated = True
            self.complete = self.disconnected = True
            return
        data: bytes = message.get("body", b"")
        if data:
            self.received += len(data)
            if self._dropped_after is None:
                self._store(data)
        if not message.get("more_body", False):
            self.complete = True

    def _store(self, data: bytes) -> None:
        with self._mutex:
            file = self._file
            if file is None:
                if self._buffered + len(data) <= self._spill_size:
                    self._memory += data
                    self._buffered += len(data)
                    return
                file = self._file = tempfile.TemporaryFile()
                file.write(self._memory[self._memory_read :])
                self._file_read = 0
                self._memory = bytearray()
                self._memory_read = 0
            file.seek(0, io.SEEK_END)
            file.write(data)
            self._buffered += len(data)

    async def _pull(self, when_empty: bool) -> None:
        """Receive one message into the buffer (with ``when_empty``, only if
        nothing arrived while waiting for the turn to receive)."""
        lock = self._lock
        if lock is None:
            lock = self._lock = asyncio.Lock()
        async with lock:
            if self.complete or (when_empty and self._buffered):
                return
            try:
                message = await receive_within(self._receive, self._timeout)
            except TimeoutError:
                self.complete = self.timed_out = True
                return
            self._add(message)

    async def preread(self, size: int) -> None:
        """Receive while fewer than ``size`` bytes are buffered: a small body
        arrives entirely on the loop, so a slow client costs no thread."""
        while not self.complete and self._buffered < size:
            await self._pull(False)

    async def fill(self, limit: int | None) -> None:
        """Receive the body ahead for code about to run on the loop: all of
        it, or one byte past ``limit`` (then reads on the loop answer 413
        when they reach the limit)."""
        self._loop_limit = limit
        while not self.complete and (limit is None or self.received <= limit):
            await self._pull(False)

    async def watch(self, keep: int | None) -> None:
        """Receive until the client goes away (the caller cancels this when
        the response is done), so its disconnect is seen whatever the state
        of its body. Body bytes wait for a reader while fewer than ``keep``
        are unread; past that they are dropped (a read then answers 413)."""
        lock = self._lock
        if lock is None:
            lock = self._lock = asyncio.Lock()
        while not self.disconnected:
            async with lock:
                if (
                    not self.complete
                    and keep is not None
                    and self._buffered >= keep
                    and self._dropped_after is None
                ):
                    self._dropped_after = self.received
                self._add(await self._receive())

    # -- reading (a worker thread, or the loop after fill) ------------------

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        while not self._buffered:
            if self._dropped_after is not None:
                raise RequestEntityTooLarge()
            if self.complete:
                if self.timed_out:
                    raise RequestTimeout(
                        "The client took too long to send the request body."
                    )
                if self.truncated:
                    raise ClientDisconnected()
                return 0
            if threading.get_ident() == self._loop_thread:
                # Code on the loop: only what fill() received is available.
                limit = self._loop_limit
                if limit is not None and self.received > limit:
                    raise RequestEntityTooLarge()
                raise RuntimeError(
                    "The request body was read on the event loop before it"
                    " was received."
                )
            self._wait_for_data()
        with self._mutex:
            n = min(len(view), self._buffered)
            file = self._file
            if file is None:
                pos = self._memory_read
                view[:n] = self._memory[pos : pos + n]
                pos += n
                if pos == len(self._memory):
                    self._memory.clear()
                    pos = 0
                self._memory_read = pos
            else:
                file.seek(self._file_read)
                n = file.readinto(view[:n]) or 0
                self._file_read += n
            self._buffered -= n
            if file is not None and not self._buffered:
                # Drained: later data starts again in memory.
                file.close()
                self._file = None
        return n

    def _wait_for_data(self) -> None:
        """In a worker thread: have the loop receive the next message."""
        try:
            future = asyncio.run_coroutine_threadsafe(self._pull(True), self._loop)
        except RuntimeError:  # the loop is closed: nothing more will arrive
            self.complete = self.truncated = True
            return
        timeout = self._timeout
        try:
            # The loop gives up after ``timeout``; this is a last resort
            # should the loop itself stop.
            future.result(None if timeout is None else timeout + 10)
        except concurrent.futures.TimeoutError:
            future.cancel()
            self.complete = self.timed_out = True

    def close(self) -> None:
        with self._mutex:
            if self._file is not None:
                self._file.close()
                self._file = None
            self._memory = bytearray()
            self._memory_read = self._buffered = 0
        super().close()
