"""Sending a response: its start, then a buffered body or a stream.

A buffered body (a list, as werkzeug gives for most responses) is sent in
one message. A streamed one is sent chunk by chunk, each chunk only after
the previous one was accepted by the server (backpressure):

- a sync iterable is advanced in a worker thread, one ``next()`` per chunk;
- an async iterable is advanced on the loop, in the request's context.

While a stream is sent the client is watched (:meth:`Exchange.watch`): when
it goes away the stream stops after the current chunk (an async iterable is
cancelled at once), the iterable is closed, and so its teardown runs once.
``close()`` of the WSGI iterable always runs, in a worker thread.

A response head HTTP cannot carry (a status that is not a final status
code, 200 to 599; a header name that is not a token; a value with a control
character or one outside latin-1; a ``Content-Length`` that is not a
number) raises a ``ValueError`` before anything is sent, so the server
logs it and answers 500, as gunicorn does (uvicorn would otherwise drop the
connection). Spaces and tabs around a value are not part of it: they are
left out.
"""

from __future__ import annotations

import asyncio
import typing as t

from .._async import InContext
from .._async import task_in
from ._environ import Message
from ._environ import Send
from ._steps import Outcome

if t.TYPE_CHECKING:
    from ._http import Exchange

_END = object()


#: the bytes of a header name: an RFC 9110 token, in lower case
_TOKEN = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
#: the bytes of a header value: no control characters but HTAB
_VALUE = b"\t" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))


def _encode(name: str, value: str) -> tuple[bytes, bytes]:
    """One header for ``http.response.start``, checked (see the module's
    docstring)."""
    try:
        k = name.lower().encode("latin-1")
        v = value.strip(" \t").encode("latin-1")
    except UnicodeEncodeError:
        k = v = b"\0"
    if not k or k.translate(None, _TOKEN) or v.translate(None, _VALUE):
        raise ValueError(
            f"The response header {(name, value)!r} cannot be sent: a header"
            " name is a token, and a value has latin-1 characters and no"
            " control characters but tabs."
        )
    if k == b"content-length" and not v.isdigit():
        raise ValueError(
            f"The response's Content-Length {v.decode('latin-1')!r} cannot be"
            " sent: it must be a number of bytes."
        )
    return k, v


#: Headers already encoded and checked: responses repeat the same few.
_encoded: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_ENCODED_MAX = 1024


def response_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """The app's headers for ``http.response.start``, checked (see the
    module's docstring)."""
    cache = _encoded
    rv: list[tuple[bytes, bytes]] = []
    for pair in headers:
        try:
            encoded = cache[pair]
        except (KeyError, TypeError):  # TypeError: not a hashable pair
            name, value = pair
            encoded = _encode(name, value)
            if (
                type(pair) is tuple
                and len(value) <= 64
                and encoded[0] != b"set-cookie"
                and len(cache) < _ENCODED_MAX
            ):
                # Short values that recur (types, lengths), never cookies.
                cache[pair] = encoded
        rv.append(encoded)
    return rv


def status_code(status: str) -> int:
    """The code of a WSGI status line, checked: ``http.response.start``
    carries a final response, and HTTP status codes are 100 to 599
    (RFC 9110, 15), so it must be 200 to 599."""
    code = status.partition(" ")[0]
    if len(code) == 3 and code.isascii() and code.isdigit() and code[0] in "2345":
        return int(code)
    raise ValueError(
        f"The response status {status!r} cannot be sent: the status code of"
        " a final HTTP response is a number from 200 to 599."
    )


async def respond(exchange: Exchange, outcome: Outcome) -> None:
    """Send ``outcome``: status and headers, then the body."""
    started, app_iter, async_body = outcome
    send = exchange.send
    code = started.code
    body: object = app_iter
    unread = exchange.body
    if (
        unread is not None
        and not unread.complete
        and async_body is None
        and _buffered(app_iter)
    ):
        # The app answered without the whole request body (a 413, a view
        # that ignores it): receive and drop the rest while the response
        # goes out, or a server whose queue of request messages is full
        # (hypercorn) never finishes sending it.
        exchange.watch(drain=True)
    if code is not None and type(body) is list and not started.written:
        # A buffered body served directly (see Pipeline._serve).
        chunks = t.cast("list[bytes]", body)
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": response_headers(started.headers),
            }
        )
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        await send({"type": "http.response.body", "body": data})
        return
    close = getattr(app_iter, "close", None)
    try:
        await send(
            {
                "type": "http.response.start",
                "status": started.code or status_code(t.cast(str, started.status)),
                "headers": response_headers(started.headers),
            }
        )
        for chunk in started.written:
            await _send_chunk(send, chunk)
        if async_body is not None:
            await _stream_async(exchange, async_body)
        elif _buffered(app_iter):
            items = t.cast("list[bytes] | tuple[bytes, ...]", app_iter)
            data = items[0] if len(items) == 1 else b"".join(items)
            await send({"type": "http.response.body", "body": data})
        else:
            await _stream_sync(exchange, app_iter)
    finally:
        if close is not None:
            # After the job that may still be iterating it, if cancelled.
            await exchange.after_job(_close, close)


def _close(close: t.Callable[[], object], value: object) -> None:
    close()


def _buffered(app_iter: object) -> bool:
    """Whether a response body is complete already (so the app has no more
    use for the request body); a generator may still read it."""
    return type(app_iter) is list or type(app_iter) is tuple


async def _stream_sync(exchange: Exchange, app_iter: t.Iterable[bytes]) -> None:
    send = exchange.send
    it = await exchange.run_always(iter, app_iter)
    exchange.watch()
    while True:
        chunk = await exchange.run_always(next, it, _END)
        if chunk is _END:
            break
        if exchange.disconnected:
            return
        if chunk:
            await _send_chunk(send, chunk)
    await send({"type": "http.response.body", "body": b""})


async def _stream_async(exchange: Exchange, body: t.AsyncIterable[t.Any]) -> None:
    loop = exchange.loop
    context = exchange.context
    it = body.__aiter__()
    pump = task_in(loop, _pump(exchange, it), context)
    exchange.on_disconnect = pump.cancel
    exchange.watch()
    try:
        try:
            await asyncio.wait((pump,))
        except asyncio.CancelledError:
            pump.cancel()
            raise
        if not pump.cancelled():
            pump.result()
    finally:
        exchange.on_disconnect = None
        aclose = getattr(it, "aclose", None)
        if aclose is not None:
            await InContext(aclose(), context)


async def _pump(exchange: Exchange, it: t.AsyncIterator[t.Any]) -> None:
    """Send what ``it`` yields, until it ends or the client leaves."""
    send = exchange.send
    while True:
        try:
            chunk = await it.__anext__()
        except StopAsyncIteration:
            break
        if exchange.disconnected:
            return
        if isinstance(chunk, str):
            chunk = chunk.encode()
        if chunk:
            await _send_chunk(send, chunk)
    await send({"type": "http.response.body", "body": b""})


async def _send_chunk(send: Send, chunk: bytes) -> None:
    message: Message = {
        "type": "http.response.body",
        "body": chunk,
        "more_body": True,
    }
    await send(message)
