"""The allow-list: where gunicorn (WSGI) and uvicorn (ASGI) may answer the
same request differently.

Each entry names one documented difference (``docs/differences.rst``,
"WSGI and ASGI servers") and matches it as narrowly as the difference
itself, from the request and both replies. Two kinds:

- the servers' own HTTP layers differ: one refuses bytes the other passes
  on (each parser is run in-process on the same bytes to confirm it, and
  the refusal must be that server's own error page), a half-closed
  connection, an address only a server knows;
- the ASGI protocol cannot carry something (a reason phrase, a status
  outside 200-599, repeated ``Cookie`` fields kept apart), or the ASGI door
  deliberately does better than the WSGI server (``100 Continue``).

Anything else that differs is a bug of the ASGI door and fails the test.
"""

from __future__ import annotations

import dataclasses
import http
import re
import typing as t
from urllib.parse import unquote

from wire_client import Reply
from wire_compare import Norm
from wire_compare import without
from wire_parsers import gunicorn_error
from wire_parsers import gunicorn_page
from wire_parsers import h11_error
from wire_parsers import server_page
from wire_parsers import uvicorn_page
from wire_requests import body_of
from wire_requests import declared_length
from wire_requests import sends_short_body
from wire_requests import wire_bytes

Spec = dict[str, t.Any]

#: the app's MAX_CONTENT_LENGTH (``diff_app.create_app``)
MAX_CONTENT_LENGTH = 64 * 1024


@dataclasses.dataclass(frozen=True)
class Allowed:
    name: str
    why: str
    match: t.Callable[[Spec, Norm, Norm, Reply, Reply], bool]


def _fields(spec: Spec, name: str) -> list[str]:
    """The values of a request header, as servers read them (without the
    spaces and tabs around them)."""
    return [v.strip(" \t") for k, v in spec["headers"] if k.lower() == name.lower()]


def _from_app(reply: Reply) -> bool:
    return reply.outcome == "response" and not server_page(reply)


def standard_phrase(code: int) -> str:
    """The reason phrase uvicorn sends: the standard one, or none."""
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def reason_phrase(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    return (
        {**w, "reason": ""} == {**a, "reason": ""}
        and w["reason"] != a["reason"]
        and ra.reason == standard_phrase(ra.status)
    )


def app_status_line(spec: Spec) -> str | None:
    """The status line the app gives for a request to one of its routes
    that take the status from the URL (``diff_app``: ``/status/<code>``
    and ``/status-text?s=``), as werkzeug writes it; None for other
    routes, or when werkzeug refuses the value (the app answers 500)."""
    from werkzeug.wrappers import Response

    path = spec["path"].encode("latin-1").decode("utf-8", "replace")
    status: t.Any
    if path.startswith("/status/"):
        code = path[len("/status/") :]
        status = int(code) if code.isdigit() else code
    elif path == "/status-text":
        query = dict(p.partition("=")[::2] for p in spec["query"].split("&"))
        if "s" not in query:
            return None
        status = unquote(query["s"].encode("latin-1").decode("utf-8", "replace"))
    else:
        return None
    try:
        return Response("s", status=status).status
    except Exception:
        return None


def _bad_status(spec: Spec) -> str | None:
    """The app's status line for this request if it is not a final HTTP
    status (200 to 599), else None."""
    line = app_status_line(spec)
    if line is None or re.fullmatch(r"[2-5][0-9][0-9]", line.partition(" ")[0]):
        return None
    return line


def app_header_value(spec: Spec) -> tuple[str | None, str | None]:
    """The ``X-Value`` and ``Content-Length`` a request to ``/header-value``
    makes the app set (``diff_app``), read as this package reads the query
    string; ``(None, None)`` for other routes."""
    from flask import Request

    if spec["path"] != "/header-value":
        return None, None
    args = Request({"QUERY_STRING": spec["query"], "wsgi.url_scheme": "http"}).args
    return args.get("v", ""), args.get("len")


#: what a response header value may not contain: control characters but HTAB
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _bad_header(spec: Spec) -> str | None:
    """Why the app's response head for this request cannot be sent, if it
    cannot: "value" (a control character, a character outside latin-1),
    "length" (a Content-Length that is not a number, which Python's
    ``int()`` refuses too) or "int" (one that ``int()`` reads, as "-1")."""
    value, length = app_header_value(spec)
    if value is None or "\n" in value or "\r" in value:
        return None  # werkzeug refuses these: the app answers 500 itself
    if _CONTROL.search(value) or not value.isascii() and max(value) > "\xff":
        return "value"
    if length is None or length.strip(" \t").isdigit():
        return None
    try:
        int(length)
    except ValueError:
        return "length"
    return "int"


def _app_answered(spec: Spec, reply: Reply) -> bool:
    """Whether the request reached the app: its answer (maybe cut short, as
    when the app's Content-Length promises more than its body), or the
    server's 500 for a response head of the app HTTP cannot carry."""
    if reply.status and not server_page(reply):
        return True
    refused = gunicorn_page(reply, 500) or uvicorn_page(reply, 500)
    return refused and (_bad_status(spec) or _bad_header(spec)) is not None


def invalid_status(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    line = _bad_status(spec)
    if line is None:
        return False
    code, _, reason = line.partition(" ")
    # gunicorn sends a three-digit status as it is: a 1xx one reads as an
    # interim response, after which the connection closes
    sent = (
        rw.interim == [int(code)] and rw.outcome == "closed"
        if code.startswith("1")
        else _from_app(rw) and (str(rw.status), rw.reason) == (code, reason)
    )
    return uvicorn_page(ra, 500) and (gunicorn_page(rw, 500) or sent)


def invalid_header(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    why = _bad_header(spec)
    if why is None or not uvicorn_page(ra, 500):
        return False
    if why == "int":  # gunicorn sends it as it is
        length = app_header_value(spec)[1] or ""
        return _from_app(rw) and rw.header("Content-Length") == [length.strip(" \t")]
    return gunicorn_page(rw, 500)


def _parse_cookies(header: str) -> dict[str, list[str]]:
    """The cookies the app reads from a ``Cookie`` header."""
    from flask import Request

    return dict(Request({"HTTP_COOKIE": header}).cookies.lists())


def repeated_cookie_fields(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    cookies = _fields(spec, "Cookie")
    return (
        len(cookies) > 1
        # gunicorn joins fields with ","; the door with "; " (RFC 9113)
        and _parse_cookies(",".join(cookies)) != _parse_cookies("; ".join(cookies))
        and _from_app(rw)
        and _from_app(ra)
        and rw.status < 500
        and ra.status < 500
    )


def continue_over_limit(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    length = declared_length(spec)
    return (
        [e.lower() for e in _fields(spec, "Expect")] == ["100-continue"]
        and length is not None
        and length > MAX_CONTENT_LENGTH
        and w["interim"] == [100]
        and a["interim"] == []
        and (
            {**w, "interim": []} == a
            # and, at the same time, uvicorn's standard reason phrase (413 is
            # "Content Too Large" from Python 3.13's http module on)
            or reason_phrase(spec, {**w, "interim": []}, a, rw, ra)
        )
    )


def _at_address(n: Norm, port: int) -> Norm:
    """A reply with the server's own address ``127.0.0.1:port`` masked and
    a ``Content-Length`` that matches the body marked as such."""
    own = f"127.0.0.1:{port}"
    headers = [
        (
            k,
            "<body length>"
            if k == "content-length" and v == str(len(n["body"]))
            else v.replace(own, "127.0.0.1:<port>")
            if isinstance(v, str)
            else v,
        )
        for k, v in n["headers"]
    ]
    body = n["body"].replace(own.encode(), b"127.0.0.1:<port>")
    return {**n, "headers": headers, "body": body}


def server_address(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    return (
        not _fields(spec, "Host")
        and _from_app(rw)
        and _from_app(ra)
        and _at_address(w, rw.port) == _at_address(a, ra.port)
    )


def short_body(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    return (
        sends_short_body(spec)
        and rw.outcome == "response"
        and ra.outcome == "closed"
        and not ra.final_began
    )


def both_refuse(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    data = wire_bytes(spec)
    return (
        gunicorn_error(data) is not None
        and h11_error(data) is not None
        and gunicorn_page(rw)
        and uvicorn_page(ra)
    )


def gunicorn_refuses(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    data = wire_bytes(spec)
    if _fields(spec, "Content-Length") and spec["chunked"]:
        # both framings: the door refuses them itself (400, then it closes)
        door = ra.status == 400 and ra.header("Connection") == ["close"]
    else:
        door = _app_answered(spec, ra)
    return (
        gunicorn_error(data) is not None
        and h11_error(data) is None
        and gunicorn_page(rw)
        and door
    )


def h11_refuses(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    data = wire_bytes(spec)
    return (
        h11_error(data) is not None
        and gunicorn_error(data) is None
        and uvicorn_page(ra)
        and _app_answered(spec, rw)
    )


def http10_extra_bytes(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> bool:
    length = declared_length(spec)
    return (
        spec.get("wire", {}).get("version") == "HTTP/1.0"
        and length is not None
        and len(body_of(spec)) > length
        and uvicorn_page(ra)
        and _app_answered(spec, rw)
    )


ALLOWED = [
    Allowed(
        "both_refuse",
        "both servers' HTTP parsers refuse the request (each answers with its"
        " own error page, gunicorn's status may be 400, 414, 431 or 501)",
        both_refuse,
    ),
    Allowed(
        "gunicorn_refuses",
        "gunicorn's parser refuses what h11 accepts (lower-case methods,"
        " obsolete line folding, bare LF, control characters in values, fields"
        " over 8190 bytes, Transfer-Encoding in HTTP/1.0, both framings, a"
        " repeated Content-Length): uvicorn passes it to the door",
        gunicorn_refuses,
    ),
    Allowed(
        "h11_refuses",
        "h11 refuses what gunicorn accepts (an HTTP/1.1 request without Host,"
        " ...): gunicorn passes it to the app",
        h11_refuses,
    ),
    Allowed(
        "http10_extra_bytes",
        "bytes after the body of an HTTP/1.0 request (which cannot be followed"
        " by another one): uvicorn may answer 400 before the app does, when"
        " they arrive while the request is served; gunicorn ignores them",
        http10_extra_bytes,
    ),
    Allowed(
        "short_body",
        "a body shorter than its Content-Length, the client then shutting its"
        " side down: uvicorn closes the connection (the door waits for the"
        " announced body before running the app); gunicorn answers",
        short_body,
    ),
    Allowed(
        "server_address",
        "a request without Host gets each server's own address (PEP 3333"
        " SERVER_NAME and SERVER_PORT): the two listen on different ports",
        server_address,
    ),
    Allowed(
        "reason_phrase",
        "ASGI has no reason phrase: uvicorn sends the standard one (none for"
        " codes without one); gunicorn sends the app's",
        reason_phrase,
    ),
    Allowed(
        "invalid_status",
        "a status outside 200-599 cannot be sent over ASGI: the door raises"
        " and uvicorn answers 500; gunicorn sends a three-digit one as it is"
        " and answers 500 for others",
        invalid_status,
    ),
    Allowed(
        "invalid_header",
        "a response header HTTP cannot carry (a control character, a"
        " character outside latin-1, a Content-Length that is not a number):"
        " each server answers 500 with its own page; gunicorn sends a"
        " Content-Length such as -1 that Python's int() reads",
        invalid_header,
    ),
    Allowed(
        "repeated_cookie_fields",
        "repeated Cookie fields are joined with '; ' by the door (each cookie"
        " is read); gunicorn joins them with ',' (later cookies become part"
        " of the first one's value)",
        repeated_cookie_fields,
    ),
    Allowed(
        "continue_over_limit",
        "a client expecting 100 Continue for a body over MAX_CONTENT_LENGTH"
        " is not invited to send it by the door (413 at once); gunicorn"
        " sends 100 Continue for every such request",
        continue_over_limit,
    ),
]


def classify(spec: Spec, w: Norm, a: Norm, rw: Reply, ra: Reply) -> str | None:
    """The name of the allow-list entry explaining a difference, or None."""
    for entry in ALLOWED:
        if entry.match(spec, w, a, rw, ra):
            return entry.name
    return None


def detail(name: str, spec: Spec, rw: Reply, ra: Reply) -> str:
    """What the servers did, for the run's summary: which parser refused
    and with what status."""
    data = wire_bytes(spec)
    if name in ("both_refuse", "gunicorn_refuses"):
        kind = (gunicorn_error(data) or "").partition(":")[0]
        return f"{name}: gunicorn {kind} -> {rw.status}"
    if name == "h11_refuses":
        reason = re.sub(r"[:(].*", "", h11_error(data) or "").strip()
        return f"{name}: h11 {reason!r} -> {ra.status}"
    return name


__all__ = ["ALLOWED", "classify", "detail", "without"]
