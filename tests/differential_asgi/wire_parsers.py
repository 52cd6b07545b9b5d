"""What each server's own HTTP layer does with a request, without the app.

The allow-list must tell "the server refused these bytes" from "the app
answered", precisely. So the servers' parsers are run in-process on the
same bytes (:func:`h11_error`, :func:`gunicorn_error`: gunicorn's
pure-Python parser and h11, which ``wire_servers`` makes the servers use),
and a reply is recognised as a server's own error page by its exact shape
(:func:`gunicorn_page`, :func:`uvicorn_page`), which no response of the app
has.
"""

from __future__ import annotations

import functools
import re
import typing as t

from wire_client import Reply

#: the peer of every request (gunicorn trusts its forwarding headers)
PEER = ("127.0.0.1", 40000)


@functools.lru_cache(maxsize=4096)
def h11_error(data: bytes) -> str | None:
    """What h11 (uvicorn's parser, with its limits) rejects in a request's
    head or body, or ``None`` if it reads the whole request."""
    import h11

    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA or isinstance(event, h11.EndOfMessage):
                return None
            if isinstance(event, h11.ConnectionClosed):
                return None
    except h11.RemoteProtocolError as e:
        return str(e) or type(e).__name__


def _gunicorn_config() -> t.Any:
    from gunicorn.config import Config

    cfg = Config()
    if "http_parser" in cfg.settings:
        cfg.set("http_parser", "python")
    return cfg


@functools.lru_cache(maxsize=4096)
def gunicorn_error(data: bytes) -> str | None:
    """What gunicorn's parser (with its default limits) rejects in a
    request's head or body, as ``ExceptionClass: message``, or ``None``."""
    from gunicorn.http.errors import NoMoreData
    from gunicorn.http.parser import RequestParser

    parser = RequestParser(_gunicorn_config(), iter([data]), PEER)
    try:
        request = next(parser)
        while request.body.read(65536):
            pass
    except NoMoreData:
        return None  # a body shorter than announced: read until the end
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return None


_GUNICORN_PAGE = re.compile(
    r"<html>\n  <head>\n    <title>(?P<r>[^<]*)</title>\n  </head>\n  <body>\n"
    r"    <h1><p>(?P=r)</p></h1>\n    [^\n]*\n  </body>\n</html>\n"
)


def gunicorn_page(reply: Reply, status: int | None = None) -> bool:
    """Whether a reply is gunicorn's own error page (``util.write_error``):
    no ``Server`` or ``Date``, exactly these three headers, its template;
    with ``status``, that status (500: the app failed)."""
    if status is not None and reply.status != status:
        return False
    names = [k for k, _ in reply.headers]
    if names != ["Connection", "Content-Type", "Content-Length"]:
        return False
    if reply.header("Content-Type") != ["text/html"]:
        return False
    if reply.framing == "none":  # HEAD: only the head to go by
        return True
    match = _GUNICORN_PAGE.fullmatch(reply.body.decode("latin-1"))
    return match is not None and match["r"] == reply.reason


def gunicorn_message(reply: Reply) -> str:
    """The error line of gunicorn's page."""
    return reply.body.decode("latin-1").split("\n")[6].strip()


def uvicorn_page(reply: Reply, status: int = 400) -> bool:
    """Whether a reply is uvicorn's own answer to a request h11 refused
    (400) or to an app that failed before it started a response (500)."""
    body = {400: b"Invalid HTTP request received.", 500: b"Internal Server Error"}
    names = {k.lower() for k, _ in reply.headers}
    names -= {"date", "server", "transfer-encoding"}
    return (
        reply.status == status
        and names == {"content-type", "connection"}
        and reply.header("content-type") == ["text/plain; charset=utf-8"]
        and reply.header("connection") == ["close"]
        and reply.body in (body[status], b"")
        and (reply.body == body[status]) == (reply.framing != "none")
    )


def server_page(reply: Reply) -> bool:
    """Whether a reply was written by one of the servers, not the app."""
    return gunicorn_page(reply) or uvicorn_page(reply) or uvicorn_page(reply, 500)
