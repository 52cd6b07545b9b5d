"""URL adapters and URL building (``url_for``)."""

from __future__ import annotations

import re
import typing as t
from functools import lru_cache
from urllib.parse import quote as _url_quote

from werkzeug.exceptions import BadRequest
from werkzeug.routing import BuildError
from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.wsgi import get_host

from .globals import _cv_app

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask
    from .wrappers import Request

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def create_url_adapter(app: Flask, request: Request | None) -> MapAdapter | None:
    """Bind the URL map to a request, or to ``SERVER_NAME`` outside one.

    For a request, the Host header is checked against ``TRUSTED_HOSTS``
    (raising a 400 ``SecurityError`` for others). ``SERVER_NAME`` only limits
    matching when subdomain or host matching is on.
    """
    config = app.config
    if request is not None:
        url_map = app.url_map
        environ = request.environ
        if (
            config["SERVER_NAME"] is None
            and config["TRUSTED_HOSTS"] is None
            and not url_map.host_matching
            and not app.subdomain_matching
            and "HTTP_UPGRADE" not in environ
        ):
            return _fast_adapter(app, environ)
        _check_host(environ.get("HTTP_HOST"), environ["wsgi.url_scheme"])
        trusted_hosts = config["TRUSTED_HOSTS"]
        if trusted_hosts is not None:
            request.trusted_hosts = trusted_hosts
            # Validate now: werkzeug raises SecurityError for other hosts.
            _ = request.host
        subdomain: str | None = None
        server_name = config["SERVER_NAME"]
        if url_map.host_matching:
            server_name = None
        elif not app.subdomain_matching:
            subdomain = url_map.default_subdomain or ""
        return url_map.bind_to_environ(
            request.environ, server_name=server_name, subdomain=subdomain
        )

    server_name = config["SERVER_NAME"]
    if server_name is not None:
        return app.url_map.bind(
            server_name,
            script_name=config["APPLICATION_ROOT"],
            url_scheme=config["PREFERRED_URL_SCHEME"],
        )
    return None


# werkzeug's host syntax (``werkzeug.sansio.utils``): a name or IPv4 address
# of letters, digits, dots and hyphens, or a bracketed IPv6 address; then an
# optional port without leading zeros.
_host_syntax = re.compile(
    r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([1-9][0-9]{0,4}))?",
    re.ASCII | re.IGNORECASE,
).fullmatch

_DEFAULT_PORT_SUFFIX = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


def _check_host(host: str | None, scheme: str) -> None:
    """Raise a 400 for a ``Host`` header werkzeug would discard, treating the
    request as having no host at all (``request.host == ""``, external URLs
    like ``http:///x``): characters no host name has (space, ``_``, ``/``,
    ``@``, non-ASCII), an unclosed IPv6 bracket, an empty or zero-padded port,
    a port outside 1-65535. Like werkzeug, the scheme's default port is
    removed first. An absent or empty header is not an error."""
    if not host:
        return
    suffix = _DEFAULT_PORT_SUFFIX.get(scheme)
    if suffix is not None and host.endswith(suffix):
        host = host[: -len(suffix)]
    match = _host_syntax(host)
    if match is not None:
        port = match.group(1)
        if port is None or int(port) < 65536:
            return
    raise BadRequest("The Host header is malformed.")


@lru_cache(maxsize=256)
def _server_name(
    scheme: str, host: str | None, name: str | None, port: str | None
) -> str:
    """The adapter's server name for a request's host values, as
    ``Map.bind_to_environ`` computes it (lowercase, IDNA-encoded, standard
    port dropped). Cached: a site sees few distinct hosts, and the cache is
    bounded so random Host headers cannot grow it. A malformed Host raises,
    and raising is not cached."""
    _check_host(host, scheme)
    environ: dict[str, t.Any] = {"wsgi.url_scheme": scheme}
    if host is not None:
        environ["HTTP_HOST"] = host
    if name is not None:
        environ["SERVER_NAME"] = name
    if port is not None:
        environ["SERVER_PORT"] = port
    server_name, sep, port_part = get_host(environ).lower().partition(":")
    # May raise UnicodeError, which lru_cache does not store; the caller
    # turns it into werkzeug's BadHost like Map.bind does.
    return f"{server_name.encode('idna').decode('ascii')}{sep}{port_part}"


def _wsgi_str(environ: WSGIEnvironment, key: str) -> str | None:
    value: str | None = environ.get(key)
    if value is None or value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def _fast_adapter(app: Flask, environ: WSGIEnvironment) -> MapAdapter:
    """Bind the map for the common case (no SERVER_NAME, TRUSTED_HOSTS,
    subdomain or host matching, no WebSocket upgrade) without werkzeug's
    general ``bind_to_environ``, which re-derives the host every time."""
    url_map = app.url_map
    try:
        server_name = _server_name(
            environ["wsgi.url_scheme"],
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
        )
    except UnicodeError as e:
        from werkzeug.exceptions import BadHost

        raise BadHost() from e
    script_name = _wsgi_str(environ, "SCRIPT_NAME")
    path_info = _wsgi_str(environ, "PATH_INFO")
    return MapAdapter(
        url_map,
        server_name,
        "/" if script_name is None else script_name,
        url_map.default_subdomain or "",
        environ["wsgi.url_scheme"],
        "/" if path_info is None else path_info,
        environ["REQUEST_METHOD"],
        _wsgi_str(environ, "QUERY_STRING"),
    )


def _bind(
    url_map: Map, environ: WSGIEnvironment, server_name: str, subdomain: str | None
) -> MapAdapter:
    """A ``MapAdapter`` for the request in ``environ``, with the given host
    (what :func:`_fast_adapter` builds, inlined there)."""
    script_name = _wsgi_str(environ, "SCRIPT_NAME")
    path_info = _wsgi_str(environ, "PATH_INFO")
    return MapAdapter(
        url_map,
        server_name,
        "/" if script_name is None else script_name,
        subdomain,
        environ["wsgi.url_scheme"],
        "/" if path_info is None else path_info,
        environ["REQUEST_METHOD"],
        _wsgi_str(environ, "QUERY_STRING"),
    )


def hostless_adapter(app: Flask, request: Request) -> MapAdapter:
    """The adapter for a request whose host was rejected (malformed,
    untrusted or not IDNA-encodable; the request gets a 400).

    Bound as werkzeug binds a request without a usable host: to
    ``SERVER_NAME`` if set (and not host matching), else to the empty
    server name. ``url_for`` then still works in ``before_request`` hooks,
    error handlers and the templates they render."""
    url_map = app.url_map
    server_name = app.config["SERVER_NAME"]
    if server_name is None or url_map.host_matching:
        server_name = ""
    else:
        try:
            server_name = server_name.lower().encode("idna").decode("ascii")
        except UnicodeError:
            server_name = ""
    subdomain = None if url_map.host_matching else url_map.default_subdomain or ""
    return _bind(url_map, request.environ, server_name, subdomain)


def build_url(
    app: Flask,
    endpoint: str,
    values: dict[str, t.Any],
    anchor: str | None,
    method: str | None,
    scheme: str | None,
    external: bool | None,
) -> str:
    """The body of :meth:`flask.Flask.url_for`."""
    ctx = _cv_app.get(None)
    if ctx is not None and ctx._request is not None:
        url_adapter = ctx.url_adapter
        if endpoint[:1] == ".":
            blueprint = ctx._request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        if external is None:
            external = scheme is not None
    else:
        url_adapter = ctx.url_adapter if ctx is not None else None
        if url_adapter is None:
            url_adapter = app.create_url_adapter(None)
        if url_adapter is None:
            raise RuntimeError(
                "Unable to build URLs outside an active request without"
                " 'SERVER_NAME' configured. Also configure 'APPLICATION_ROOT'"
                " and 'PREFERRED_URL_SCHEME' as needed."
            )
        if external is None:
            external = True

    if scheme is not None and not external:
        raise ValueError("When specifying '_scheme', '_external' must be True.")

    app.inject_url_defaults(endpoint, values)

    if url_adapter is None:
        raise RuntimeError(
            "Unable to build URLs: the request's host could not be used"
            " for URL matching (see TRUSTED_HOSTS and SERVER_NAME)."
        )
    try:
        rv = url_adapter.build(
            endpoint,
            values,
            method=method,
            url_scheme=scheme,
            force_external=external,
        )
    except BuildError as error:
        values.update(
            _anchor=anchor, _method=method, _scheme=scheme, _external=external
        )
        return app.handle_url_build_error(error, endpoint, values)

    if anchor is not None:
        rv = f"{rv}#{_url_quote(anchor, safe=_ANCHOR_SAFE)}"
    return rv
