"""Comparing one response of this checkout with real Flask's.

Responses are normalized before comparing: the ``Date`` header is dropped,
the methods in ``Allow`` are sorted, header order is ignored, a
``Set-Cookie`` expiry is compared as a lifetime in minutes (the two
processes answer at different times), and the session cookie is compared by
the key that signed it and its decoded payload, because our compressed
bytes and the timestamp may legitimately differ.
"""

from __future__ import annotations

import base64
import typing as t

from diff_requests import decode_session
from werkzeug.http import parse_date

SESSION_COOKIE = "session"


def _cookie(value: str, now: float) -> tuple[t.Any, ...]:
    first, _, rest = value.partition(";")
    name, _, cookie_value = first.partition("=")
    attrs = []
    for attr in rest.split(";"):
        attr = attr.strip()
        if attr.lower().startswith("expires=") and "1970" not in attr:
            # the two processes answer at different times: compare the
            # lifetime, in minutes from when the request was answered
            expires = parse_date(attr[8:])
            minutes = (
                None if expires is None else round((expires.timestamp() - now) / 60)
            )
            attr = f"Expires=<in {minutes} minutes>"
        attrs.append(attr)
    decoded: t.Any = cookie_value
    if name == SESSION_COOKIE and cookie_value:
        decoded = decode_session(cookie_value)
    return (name, decoded, tuple(attrs))


def normalize(result: dict[str, t.Any]) -> dict[str, t.Any]:
    """What is compared of one response."""
    headers = []
    for name, value in result["headers"]:
        if name.lower() == "date":
            continue
        if name.lower() == "allow":
            # werkzeug lists the methods of a set: the order depends on
            # PYTHONHASHSEED, so it differs between any two processes
            value = ", ".join(sorted(m.strip() for m in value.split(",")))
        if name.lower() == "set-cookie":
            headers.append((name.lower(), _cookie(value, result.get("time", 0))))
        else:
            headers.append((name.lower(), value))
    return {
        "status": result["status"],
        "headers": sorted(headers, key=repr),
        "body": base64.b64decode(result["body"]),
        "exception": result.get("exception"),
    }


def header(n: dict[str, t.Any], name: str) -> list[t.Any]:
    return [v for k, v in n["headers"] if k == name]


def session_cookies(n: dict[str, t.Any]) -> list[t.Any]:
    return [c for c in header(n, "set-cookie") if c[0] == SESSION_COOKIE]


def without(n: dict[str, t.Any], *names: str) -> dict[str, t.Any]:
    """A normalized response without some headers."""
    return {**n, "headers": [(k, v) for k, v in n["headers"] if k not in names]}


def describe(
    index: int,
    spec: dict[str, t.Any],
    ours: dict[str, t.Any],
    flask: dict[str, t.Any],
    raw_ours: dict[str, t.Any],
    raw_flask: dict[str, t.Any],
) -> str:
    """A readable diff of one divergence."""
    lines = [
        f"request #{index}: {spec['method']} {spec['path']!r}"
        f" query={spec['query']!r} app={spec['app']} chunked={spec['chunked']}",
        f"  headers: {spec['headers']!r}"[:600],
        f"  body: {base64.b64decode(spec['body'])[:120]!r}"
        f" ({len(base64.b64decode(spec['body']))} bytes)",
    ]
    if ours["status"] != flask["status"]:
        lines.append(f"  status: ours {ours['status']!r}, flask {flask['status']!r}")
    only_ours = [h for h in ours["headers"] if h not in flask["headers"]]
    only_flask = [h for h in flask["headers"] if h not in ours["headers"]]
    for h in only_ours:
        lines.append(f"  header only ours:  {h!r}"[:400])
    for h in only_flask:
        lines.append(f"  header only flask: {h!r}"[:400])
    if ours["body"] != flask["body"]:
        lines.append(f"  body ours:  {ours['body'][:300]!r}")
        lines.append(f"  body flask: {flask['body'][:300]!r}")
    for name, raw in (("ours", raw_ours), ("flask", raw_flask)):
        if raw.get("exception") or raw.get("log"):
            lines.append(f"  {name} log: {raw.get('exception') or raw.get('log')}")
    return "\n".join(lines)
