"""``environ_from_scope`` takes shortcuts (a cache of header keys, no
unquoting without ``%``, no root handling without a root): it must build
exactly the environ of the straightforward translation, for any scope."""

from __future__ import annotations

import sys
import typing as t
from urllib.parse import unquote_to_bytes

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from flask.asgi import _environ
from flask.asgi._environ import environ_from_scope


def reference(scope: dict[str, t.Any], body: t.Any) -> dict[str, t.Any]:
    """The translation done the long way: every step, every time."""
    scheme = scope.get("scheme") or "http"
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    query_bytes = scope.get("query_string", b"")
    raw_path = scope.get("raw_path")
    if raw_path is None:
        raw_path = scope["path"].encode("utf-8")
        path_bytes = raw_path
    else:
        path_bytes = unquote_to_bytes(_environ._target_path(raw_path))
        if b"#" in raw_path:
            query_bytes = b""
    root_bytes = scope.get("root_path", "").encode("utf-8")
    if root_bytes and (
        path_bytes == root_bytes or path_bytes.startswith(root_bytes + b"/")
    ):
        path_bytes = path_bytes[len(root_bytes) :]
    sent_query = scope.get("query_string", b"").decode("latin-1")
    uri = raw_path.decode("latin-1") + ("?" + sent_query if sent_query else "")
    query = query_bytes.partition(b"#")[0].decode("latin-1")
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_bytes.decode("latin-1"),
        "PATH_INFO": path_bytes.decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": uri,
        "RAW_URI": uri,
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
    for name, value in scope["headers"]:
        if b"_" in name:
            continue
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        text = value.decode("latin-1")
        if key in environ:
            text = environ[key] + ("; " if key == "HTTP_COOKIE" else ", ") + text
        environ[key] = text
    server = scope.get("server")
    if server is not None:
        environ["SERVER_NAME"] = str(server[0])
        environ["SERVER_PORT"] = str(server[1]) if server[1] is not None else ""
    else:
        host = environ.get("HTTP_HOST", "localhost")
        name, port = host, ""
        if host.startswith("["):
            end = host.find("]")
            if host[end + 1 : end + 2] == ":":
                name, port = host[: end + 1], host[end + 2 :]
        elif ":" in host:
            name, _, port = host.partition(":")
        environ["SERVER_NAME"] = name
        environ["SERVER_PORT"] = port or {"http": "80", "https": "443"}.get(
            scheme, "80"
        )
    client = scope.get("client")
    if client is not None:
        environ["REMOTE_ADDR"] = str(client[0])
        environ["REMOTE_PORT"] = str(client[1])
    if "CONTENT_LENGTH" not in environ:
        environ["wsgi.input_terminated"] = True
    return environ


_name = st.sampled_from(
    [
        b"host",
        b"cookie",
        b"content-type",
        b"content-length",
        b"x-a",
        b"x_a",
        b"accept",
        b"X-Mixed-Case",
        b"transfer-encoding",
        b"\xe9t\xe9",
    ]
) | st.binary(min_size=1, max_size=12)
_path = st.binary(max_size=30).map(lambda b: b"/" + b)
_scopes = st.fixed_dictionaries(
    {
        "type": st.just("http"),
        "method": st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
        "path": st.text(max_size=20).map(lambda s: "/" + s),
        "query_string": st.binary(max_size=20)
        | st.sampled_from([b"a=1#frag", b"#", b"x=%20"]),
        "headers": st.lists(st.tuples(_name, st.binary(max_size=20)), max_size=8),
    },
    optional={
        "scheme": st.sampled_from(["http", "https", "ws", "wss", ""]),
        "raw_path": _path
        | st.sampled_from(
            [
                b"/a%20b",
                b"/r%2Fx",
                b"/root/x",
                b"/root",
                b"/rooty",
                b"/p#frag",
                b"/p%20#f?q",
                b"http://host/p%41",
                b"https://h",
                b"*",
            ]
        ),
        "root_path": st.sampled_from(["", "/root", "/r%", "/\xe9"]),
        "http_version": st.sampled_from(["1.0", "1.1", "2"]),
        "server": st.none()
        | st.tuples(
            st.sampled_from(["127.0.0.1", "::1"]), st.none() | st.integers(0, 70000)
        ),
        "client": st.tuples(
            st.sampled_from(["10.0.0.1", "::1"]), st.integers(0, 70000)
        ),
    },
)


@settings(max_examples=400, deadline=None)
@given(scope=_scopes)
def test_environ_matches_the_long_way(scope: dict[str, t.Any]) -> None:
    body = object()
    assert environ_from_scope(scope, body) == reference(scope, body)
    # Again, now that the header names are cached.
    assert environ_from_scope(scope, body) == reference(scope, body)


def test_header_key_cache_is_bounded(monkeypatch: t.Any) -> None:
    monkeypatch.setattr(_environ, "_KEYS", {})
    monkeypatch.setattr(_environ, "_KEYS_MAX", 3)
    headers = [(f"x-h{i}".encode(), b"v") for i in range(10)]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    environ = environ_from_scope(scope, None)
    assert [environ[f"HTTP_X_H{i}"] for i in range(10)] == ["v"] * 10
    assert len(_environ._KEYS) == 3
