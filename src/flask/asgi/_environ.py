"""An ASGI HTTP scope as the WSGI environ a PEP 3333 server would build.

Header names with ``_`` are dropped (servers do it so that ``X_A`` cannot
pose as ``X-A``); repeated headers are joined with ``, `` (cookies with
``; ``). Without a ``Content-Length`` the body ends when the client says so
(``wsgi.input_terminated``). The path comes from the raw request target as
a WSGI server reads it: an absolute-form target (``http://host/path``)
gives its path, and a fragment (``#...``) is not part of path or query.
"""

from __future__ import annotations

import sys
import typing as t
from urllib.parse import unquote_to_bytes

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

_DEFAULT_PORTS = {"http": "80", "https": "443"}


#: Header name -> environ key (``None``: dropped), filled as names are seen.
_KEYS: dict[bytes, str | None] = {}
_KEYS_MAX = 1024


def _header_key(name: bytes) -> str | None:
    """``content-type`` -> ``CONTENT_TYPE``, ``x-a`` -> ``HTTP_X_A``; ``None``
    for names with ``_``, which servers drop so that ``X_A`` cannot pose as
    ``X-A``."""
    if b"_" in name:
        return None
    key = name.decode("latin-1").upper().replace("-", "_")
    if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
        return key
    return "HTTP_" + key


def header_key(name: bytes) -> str | None:
    """The environ key of a header name, as :func:`environ_from_scope`
    files it (remembered for the names seen; raises ``TypeError`` for a
    ``bytearray`` name, which that function handles itself)."""
    try:
        return _KEYS[name]
    except KeyError:
        key = _header_key(name)
        if len(_KEYS) < _KEYS_MAX:
            _KEYS[name] = key
        return key


def _target_path(raw: bytes) -> bytes:
    """The path of a raw request target, as WSGI servers (gunicorn,
    werkzeug) take it: a fragment is cut off (a request target has none,
    but servers such as uvicorn pass one on), and an absolute-form target
    (``http://host/p``, which servers must accept) gives its path."""
    raw = raw.partition(b"#")[0]
    if raw[:1] != b"/":
        scheme, sep, rest = raw.partition(b"://")
        if sep and scheme.isalpha():
            slash = rest.find(b"/")
            raw = rest[slash:] if slash >= 0 else b"/"
    return raw


def environ_from_scope(scope: Scope, body: t.Any) -> dict[str, t.Any]:
    """Build the WSGI environ for an ASGI ``http`` scope, with ``body`` as
    ``wsgi.input`` and the scope itself as ``asgi.scope``."""
    scheme = scope.get("scheme") or "http"
    if scheme == "ws":
        scheme = "http"
    elif scheme == "wss":
        scheme = "https"
    raw: bytes | None = scope.get("raw_path")
    query_string: bytes = scope.get("query_string", b"")
    query = query_string
    if raw is None:
        raw_path = path_bytes = scope["path"].encode("utf-8")
    else:
        raw_path = raw
        target = raw_path
        if b"#" in raw_path:
            query = b""  # "/p#f?q": the "?" is part of the fragment
            target = _target_path(raw_path)
        elif raw_path[:1] != b"/":
            target = _target_path(raw_path)
        path_bytes = unquote_to_bytes(target) if b"%" in target else target
    root_path: str = scope.get("root_path", "")
    if root_path:
        root_bytes = root_path.encode("utf-8")
        if path_bytes == root_bytes or path_bytes.startswith(root_bytes + b"/"):
            # Servers put the root path in front of ``path`` (ASGI spec).
            path_bytes = path_bytes[len(root_bytes) :]
        script_name = root_bytes.decode("latin-1")
    else:
        script_name = ""
    request_uri = raw_path.decode("latin-1")
    if query_string:
        request_uri += "?" + query_string.decode("latin-1")
    if b"#" in query:
        query = query.partition(b"#")[0]
    query_str = query.decode("latin-1")
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_bytes.decode("latin-1"),
        "QUERY_STRING": query_str,
        "REQUEST_URI": request_uri,
        "RAW_URI": request_uri,
        "SERVER_PROTOCOL": "HTTP/" + scope.get("http_version", "1.1"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    keys = _KEYS
    for name, value in scope["headers"]:
        try:
            key = keys[name]
        except (KeyError, TypeError):  # TypeError: a bytearray name
            key = _header_key(name)
            if len(keys) < _KEYS_MAX:
                keys[bytes(name)] = key
        if key is None:
            continue
        text = value.decode("latin-1")
        if key in environ:
            sep = "; " if key == "HTTP_COOKIE" else ", "
            text = environ[key] + sep + text
        environ[key] = text
    server = scope.get("server")
    if server is not None:
        environ["SERVER_NAME"] = str(server[0])
        environ["SERVER_PORT"] = str(server[1]) if server[1] is not None else ""
    else:
        # A unix socket or no server info: take it from the Host header.
        host = environ.get("HTTP_HOST", "localhost")
        name, port = host, ""
        if host.startswith("["):
            end = host.find("]")
            if host[end + 1 : end + 2] == ":":
                name, port = host[: end + 1], host[end + 2 :]
        elif ":" in host:
            name, _, port = host.partition(":")
        environ["SERVER_NAME"] = name
        environ["SERVER_PORT"] = port or _DEFAULT_PORTS.get(scheme, "80")
    client = scope.get("client")
    if client is not None:
        environ["REMOTE_ADDR"] = str(client[0])
        environ["REMOTE_PORT"] = str(client[1])
    if "CONTENT_LENGTH" not in environ:
        # No length: the body ends when the client says so (chunked).
        environ["wsgi.input_terminated"] = True
    return environ
