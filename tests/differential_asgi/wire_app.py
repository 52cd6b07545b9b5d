"""The differential app (``tests/differential/diff_app.py``) as one WSGI and
one ASGI entry point, for gunicorn (``wire_app:wsgi``) and uvicorn
(``wire_app:asgi``).

Both hold the same four variants of the app (``main``, ``custom``,
``strkey``, ``named``) and choose one by the ``X-Diff-App`` request header.
A spec may also say that the app is mounted under a prefix or reached over
https; ``X-Diff-Script`` (percent-encoded) and ``X-Diff-Scheme`` say so, and
each entry point applies them as a server would: ``SCRIPT_NAME`` and
``wsgi.url_scheme`` under WSGI, ``root_path`` (put in front of ``path`` and
``raw_path``, as uvicorn's ``--root-path`` does) and ``scheme`` under ASGI.
These ``X-Diff-*`` headers are removed before the app sees the request.

``X-Diff-Meta`` answers, without the app, which ``flask`` the process runs.

The folder with the templates and static files is ``$WIRE_DIFF_ROOT``.
"""

from __future__ import annotations

import json
import os
import typing as t
from urllib.parse import quote_from_bytes
from urllib.parse import unquote_to_bytes

from diff_app import create_app
from diff_app import create_lean_app
from diff_app import STR_FALLBACK

import flask

ROOT = os.environ["WIRE_DIFF_ROOT"]
APPS = {
    "main": create_app(ROOT),
    "custom": create_app(ROOT, custom_session=True),
    "strkey": create_app(ROOT, fallbacks=STR_FALLBACK),
    "named": create_app(ROOT, server_name="example.com:8080"),
    "lean": create_lean_app(ROOT),
    "leansync": create_lean_app(ROOT, sync=True),
}
CONTROL = ("x-diff-app", "x-diff-script", "x-diff-scheme", "x-diff-meta")


def _meta(kind: str) -> bytes:
    return json.dumps({"flask": flask.__file__, "door": kind}).encode()


def wsgi(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
    """The WSGI entry point (gunicorn)."""
    control = {
        name: environ.pop("HTTP_" + name.upper().replace("-", "_"), None)
        for name in CONTROL
    }
    if control["x-diff-meta"] is not None:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [_meta("wsgi")]
    if control["x-diff-script"] is not None:
        environ["SCRIPT_NAME"] = unquote_to_bytes(control["x-diff-script"]).decode(
            "latin-1"
        )
    if control["x-diff-scheme"] is not None:
        environ["wsgi.url_scheme"] = control["x-diff-scheme"]
    return APPS[control["x-diff-app"] or "main"](environ, start_response)


async def asgi(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
    """The ASGI entry point (uvicorn, run with ``--lifespan off``)."""
    assert scope["type"] == "http", scope["type"]
    control: dict[str, str | None] = dict.fromkeys(CONTROL)
    headers = []
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        if key in control:
            control[key] = value.decode("latin-1")
        else:
            headers.append((name, value))
    if control["x-diff-meta"] is not None:
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": _meta("asgi")})
        return
    scope = {**scope, "headers": headers}
    if control["x-diff-script"] is not None:
        root = unquote_to_bytes(control["x-diff-script"])
        scope["root_path"] = root.decode("utf-8")
        scope["path"] = scope["root_path"] + scope["path"]
        scope["raw_path"] = quote_from_bytes(root, "/").encode() + scope["raw_path"]
    if control["x-diff-scheme"] is not None:
        scope["scheme"] = control["x-diff-scheme"]
    await APPS[control["x-diff-app"] or "main"].asgi_app(scope, receive, send)
