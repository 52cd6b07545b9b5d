"""Comparing gunicorn's reply (the WSGI door) with uvicorn's (the ASGI door).

What is compared of a reply: what happened (``outcome``), the status code,
the reason phrase up to case, the interim (1xx) responses, the headers and
the body with its framing undone. Left out, as they belong to the server
and not to the app:

- ``Date`` and ``Server``;
- ``Connection`` and ``Keep-Alive``: gunicorn's sync worker closes every
  connection (``Connection: close``), uvicorn keeps them open;
- ``Transfer-Encoding``: the framing, already undone by the client; the
  app's ``Content-Length`` stays compared, so a server that changed the
  framing of the app's response would still show.

As in ``tests/differential/diff_compare.py``, header names are compared
without case, ``Allow`` as a set (each process has its own hash seed),
a ``Set-Cookie`` expiry as a lifetime and the session cookie by the key
that signed it and its payload. Headers keep their order within a name.
"""

from __future__ import annotations

import typing as t

from diff_compare import _cookie
from wire_client import Reply
from wire_requests import wire_bytes

SERVER_HEADERS = {"date", "server", "connection", "keep-alive", "transfer-encoding"}

Norm = dict[str, t.Any]


def normalize(reply: Reply) -> Norm:
    headers = []
    for name, value in reply.headers:
        key = name.lower()
        if key in SERVER_HEADERS:
            continue
        if key == "allow":
            value = ", ".join(sorted(m.strip() for m in value.split(",")))
        if key == "set-cookie":
            headers.append((key, _cookie(value, reply.time)))
        else:
            headers.append((key, value))
    return {
        "outcome": reply.outcome,
        "status": reply.status,
        "reason": reply.reason.lower(),
        "interim": reply.interim,
        "headers": sorted(headers, key=lambda h: h[0]),
        "body": reply.body,
    }


def without(n: Norm, *names: str) -> Norm:
    """A normalized reply without some headers."""
    return {**n, "headers": [(k, v) for k, v in n["headers"] if k not in names]}


def describe(index: int, spec: dict[str, t.Any], wsgi: Reply, asgi: Reply) -> str:
    """A readable diff of one divergence."""
    nw, na = normalize(wsgi), normalize(asgi)
    lines = [
        f"request #{index} (app {spec['app']}, {spec.get('wire', {})}):",
        f"  bytes: {wire_bytes(spec)[:500]!r}",
    ]
    for key in ("outcome", "status", "reason", "interim"):
        if nw[key] != na[key]:
            lines.append(f"  {key}: gunicorn {nw[key]!r}, uvicorn {na[key]!r}")
    lines += [
        f"  header only gunicorn: {h!r}"[:400]
        for h in nw["headers"]
        if h not in na["headers"]
    ]
    lines += [
        f"  header only uvicorn:  {h!r}"[:400]
        for h in na["headers"]
        if h not in nw["headers"]
    ]
    if nw["body"] != na["body"]:
        lines.append(f"  body gunicorn: {nw['body'][:300]!r}")
        lines.append(f"  body uvicorn:  {na['body'][:300]!r}")
    return "\n".join(lines)
