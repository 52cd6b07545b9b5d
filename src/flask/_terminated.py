"""The body stream of a request its server terminates (imported when such a
body is first read with a size limit set)."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream


class TerminatedBody(LimitedStream):
    """A body the server ends itself (``wsgi.input_terminated``, e.g. chunked
    requests), capped at ``MAX_CONTENT_LENGTH``.

    werkzeug's stream stops at the cap without looking further, so a longer
    body read whole came out cut at the cap, and a body of exactly the cap
    read in pieces got a 413. At the cap this reads one more byte: more data
    is a 413, the end of the stream is a normal end.
    """

    def __init__(self, stream: t.IO[bytes], limit: int) -> None:
        super().__init__(stream, limit, is_max=True)
        self._at_end = False

    def on_exhausted(self) -> None:
        if self._at_end:
            return
        try:
            more = self._stream.read(1)
        except (OSError, ValueError):
            more = b""
        if more:
            raise RequestEntityTooLarge()
        self._at_end = True

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data
