"""URL adapters and URL building (``url_for``)."""

from __future__ import annotations

import typing as t
from functools import lru_cache
from urllib.parse import quote as _url_quote

from werkzeug.exceptions import NotFound
from werkzeug.routing import BuildError
from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.wsgi import get_host

from ._hosts import check_host as _check_host
from ._hosts import encode_idna
from ._hosts import read_idna_host
from .globals import _cv_app_get

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask
    from .wrappers import Request

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def create_url_adapter(
    app: Flask,
    request: Request | None,
    bind_to_environ: t.Callable[..., MapAdapter] = Map.bind_to_environ,
) -> MapAdapter | None:
    """Bind the URL map to a request, or to ``SERVER_NAME`` outside one.

    For a request, a non-ASCII Host header is first rewritten in the environ
    to its IDNA (``xn--``) form (a 400 if IDNA cannot encode it), so that
    everything derived from the host agrees; one ``isascii`` check is all an
    ASCII host costs. The Host header is checked against ``TRUSTED_HOSTS``
    (raising a 400 ``SecurityError`` for others). ``SERVER_NAME`` only limits
    matching when subdomain or host matching is on. ``bind_to_environ`` is
    ``Map.bind_to_environ`` or a function calling it, whose module werkzeug's
    warnings are then attributed to.
    """
    config = app.config
    if request is not None:
        url_map = app.url_map
        environ = request.environ
        host: str | None = environ.get("HTTP_HOST")
        if host is not None and not host.isascii():
            host = read_idna_host(request, host)
        if (
            config["SERVER_NAME"] is None
            and config["TRUSTED_HOSTS"] is None
            and not url_map.host_matching
            and not app.subdomain_matching
            and "HTTP_UPGRADE" not in environ
        ):
            return _fast_adapter(app, environ, host)
        _check_host(host, environ["wsgi.url_scheme"])
        trusted_hosts = config["TRUSTED_HOSTS"]
        if trusted_hosts is not None:
            request.trusted_hosts = trusted_hosts
            # Validate now: werkzeug raises SecurityError for other hosts.
            _ = request.host
        subdomain: str | None = None
        server_name = config["SERVER_NAME"]
        if url_map.host_matching:
            server_name = None
        else:
            if server_name is not None and not server_name.isascii():
                # Compared with the request's host in the same (xn--) form.
                server_name = _idna_name(server_name)
            if not app.subdomain_matching:
                subdomain = url_map.default_subdomain or ""
        return bind_to_environ(
            url_map, request.environ, server_name=server_name, subdomain=subdomain
        )

    server_name = config["SERVER_NAME"]
    if server_name is not None:
        return app.url_map.bind(
            server_name,
            script_name=config["APPLICATION_ROOT"],
            url_scheme=config["PREFERRED_URL_SCHEME"],
        )
    return None


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
    return f"{encode_idna(server_name)}{sep}{port_part}"


def _idna_name(server_name: str) -> str:
    """A configured ``SERVER_NAME`` with its name IDNA-encoded (the port
    kept), or unchanged if IDNA cannot encode it (binding then fails with
    werkzeug's ``BadHost``)."""
    name, sep, port = server_name.partition(":")
    try:
        return f"{encode_idna(name)}{sep}{port}"
    except UnicodeError:
        return server_name


def _wsgi_str(environ: WSGIEnvironment, key: str) -> str | None:
    value: str | None = environ.get(key)
    if value is None or value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


def _fast_adapter(app: Flask, environ: WSGIEnvironment, host: str | None) -> MapAdapter:
    """Bind the map for the common case (no SERVER_NAME, TRUSTED_HOSTS,
    subdomain or host matching, no WebSocket upgrade) without werkzeug's
    general ``bind_to_environ``, which re-derives the host every time.
    ``host`` is the environ's ``Host`` header, already ASCII."""
    url_map = app.url_map
    try:
        server_name = _server_name(
            environ["wsgi.url_scheme"],
            host,
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
        )
    except UnicodeError as e:
        from werkzeug.exceptions import BadHost

        raise BadHost() from e
    return _bind(url_map, environ, server_name, url_map.default_subdomain or "")


def _bind(
    url_map: Map, environ: WSGIEnvironment, server_name: str, subdomain: str | None
) -> MapAdapter:
    """A ``MapAdapter`` for the request in ``environ``, with the given host
    (``Map.bind_to_environ`` without re-deriving the host)."""
    get = environ.get
    # _wsgi_str inline (ASCII, the usual case, needs no decoding).
    script_name: str | None = get("SCRIPT_NAME")
    if script_name is None:
        script_name = "/"
    elif not script_name.isascii():
        script_name = _wsgi_str(environ, "SCRIPT_NAME")
    path_info: str | None = get("PATH_INFO")
    if path_info is None:
        path_info = "/"
    elif not path_info.isascii():
        path_info = _wsgi_str(environ, "PATH_INFO")
    query: str | None = get("QUERY_STRING")
    if query is not None and not query.isascii():
        query = _wsgi_str(environ, "QUERY_STRING")
    return MapAdapter(
        url_map,
        server_name,
        script_name,  # type: ignore[arg-type]
        subdomain,
        environ["wsgi.url_scheme"],
        path_info,  # type: ignore[arg-type]
        environ["REQUEST_METHOD"],
        query,
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
            server_name = encode_idna(server_name.lower())
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
    ctx = _cv_app_get(None)
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
        rv = _build(url_adapter, endpoint, values, method, scheme, external)
    except BuildError as error:
        values.update(
            _anchor=anchor, _method=method, _scheme=scheme, _external=external
        )
        return app.handle_url_build_error(error, endpoint, values)

    if anchor is not None:
        rv = f"{rv}#{_url_quote(anchor, safe=_ANCHOR_SAFE)}"
    return rv


_BUILD_CACHE_SIZE = 2048
_PURE_CONVERTER_MODULES = frozenset(
    {"werkzeug.routing.converters", "flask._converters"}
)
_CACHEABLE_VALUE_TYPES = frozenset({str, int})


def _build(
    adapter: MapAdapter,
    endpoint: str,
    values: dict[str, t.Any],
    method: str | None,
    scheme: str | None,
    external: bool,
) -> str:
    """``adapter.build(...)``, remembering the URL of a call with only ``str``
    and ``int`` values for endpoints whose rules use only the built-in
    converters (pure functions of their value), so the same link in every
    page is built once.

    The key holds everything werkzeug's build reads: the endpoint, the values
    in order (unknown ones become the query string in that order), the
    method, scheme and external flag, the adapter's host, script name,
    subdomain, scheme and default method, the map's generation (adding rules
    starts afresh, see :func:`_generation`) and parameter sorting. The cache
    is bounded: it is emptied when full.
    """
    url_map = adapter.map
    key: tuple[t.Any, ...] | None = None
    cache: dict[tuple[t.Any, ...], str] | None = None
    for value in values.values():
        if type(value) not in _CACHEABLE_VALUE_TYPES:
            break
    else:
        found = url_map.__dict__.get("_flask_build_cache")
        if found is None:
            found = url_map.__dict__.setdefault("_flask_build_cache", {})
        hits: dict[tuple[t.Any, ...], str] = found
        cache = hits
        key = (
            endpoint,
            tuple(values.items()),
            method,
            scheme,
            external,
            adapter.server_name,
            adapter.script_name,
            adapter.subdomain,
            adapter.url_scheme,
            adapter.default_method,
            adapter.websocket,
            _generation(url_map),
            url_map.sort_parameters,
        )
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable key part (an odd adapter)
            key = None
    rv = adapter.build(
        endpoint, values, method=method, url_scheme=scheme, force_external=external
    )
    if key is not None and cache is not None and _pure_rules(url_map, endpoint):
        if len(cache) >= _BUILD_CACHE_SIZE:
            cache.clear()
        cache[key] = rv
    return rv


def _pure_rules(url_map: t.Any, endpoint: str) -> bool:
    """Whether every rule of ``endpoint`` converts values with the built-in
    converters only (a custom converter's ``to_url`` may not be pure)."""
    for rule in url_map._rules_by_endpoint.get(endpoint, ()):
        for converter in rule._converters.values():
            if type(converter).__module__ not in _PURE_CONVERTER_MODULES:
                return False
    return True


_MATCH_CACHE_SIZE = 2048


def remembered_match(
    url_map: Map, path: str, method: str
) -> tuple[t.Any, dict[str, t.Any]] | None:
    """What :func:`match_rule` remembered for ``path`` (a request path,
    starting with ``/``) and ``method`` (upper case) on a map bound without
    host matching, to the default subdomain: the rule and a copy of its
    arguments, or ``None`` if nothing is remembered. Binds no adapter."""
    found = url_map.__dict__.get("_flask_match_cache")
    if found is None:
        return None
    # generation(url_map), without the call once the map is counted.
    add = url_map.__dict__.get("add")
    if type(add) is _CountingAdd and add.url_map is url_map:
        gen = add.count
    else:
        gen = _generation(url_map)
    # The key match_rule stores for such an adapter (see there).
    key = (url_map.default_subdomain or "", path, method, False, gen)
    hit = found.get(key)
    if hit is None:
        return None
    return hit[0], dict(hit[1])


def match_rule(adapter: MapAdapter) -> tuple[t.Any, dict[str, t.Any]]:
    """``adapter.match(return_rule=True)`` for the request the adapter was
    bound to, remembering successful matches of rules that use only the
    built-in converters (pure functions of the path).

    The key is what werkzeug's matcher reads (host or subdomain, path,
    method, WebSocket flag) and the map's generation (see
    :func:`_generation`); only a normal return is remembered (redirects and
    errors are raised afresh), and each caller gets its own copy of the
    arguments, which view-argument preprocessors may change. The cache is
    bounded: it is emptied when full.
    """
    if type(adapter) is not MapAdapter:
        return adapter.match(return_rule=True)  # type: ignore[return-value]
    url_map = adapter.map
    if not url_map.host_matching and adapter.subdomain is not None:
        domain_part = adapter.subdomain
    else:
        domain_part = adapter.server_name
    path_info = adapter.path_info
    # remembered_match builds the same key from a request's scope.
    key = (
        domain_part,
        f"/{path_info.lstrip('/')}" if path_info else "",
        adapter.default_method.upper(),
        adapter.websocket,
        _generation(url_map),
    )
    found = url_map.__dict__.get("_flask_match_cache")
    if found is None:
        found = url_map.__dict__.setdefault("_flask_match_cache", {})
    cache: dict[tuple[t.Any, ...], tuple[t.Any, dict[str, t.Any]]] = found
    hit = cache.get(key)
    if hit is not None:
        return hit[0], dict(hit[1])
    missing: dict[tuple[t.Any, ...], bool] | None = url_map.__dict__.get(
        "_flask_404_cache"
    )
    if missing is not None and key in missing:
        raise NotFound() from None
    try:
        rule, args = adapter.match(return_rule=True)
    except NotFound as e:
        # Remembered like a match when no rule could have matched for
        # another reason than its pattern (every converter built in).
        if (
            type(e) is NotFound
            and e.response is None
            and e.description == NotFound.description
            and _pure_map(url_map, key[-1])
        ):
            store: dict[tuple[t.Any, ...], bool] = (
                missing
                if missing is not None
                else url_map.__dict__.setdefault("_flask_404_cache", {})
            )
            if len(store) >= _MATCH_CACHE_SIZE:
                store.clear()
            store[key] = True
        raise
    for converter in rule._converters.values():
        if type(converter).__module__ not in _PURE_CONVERTER_MODULES:
            break
    else:
        if len(cache) >= _MATCH_CACHE_SIZE:
            cache.clear()
        cache[key] = (rule, dict(args))
    return rule, t.cast("dict[str, t.Any]", args)


def _pure_map(url_map: t.Any, generation: int) -> bool:
    """Whether every rule of ``url_map`` uses only built-in converters (so
    that a URL no rule matches is not matched later either), remembered per
    generation of the map."""
    known = url_map.__dict__.get("_flask_pure_map")
    if known is not None and known[0] == generation:
        return known[1]  # type: ignore[no-any-return]
    pure = all(
        type(converter).__module__ in _PURE_CONVERTER_MODULES
        for rule in url_map.iter_rules()
        for converter in rule._converters.values()
    )
    url_map.__dict__["_flask_pure_map"] = (generation, pure)
    return pure


def generation(url_map: t.Any) -> int:
    """:func:`_generation`, without its call once the map is counted."""
    add = url_map.__dict__.get("add")
    if type(add) is _CountingAdd and add.url_map is url_map:
        return add.count
    return _generation(url_map)


def _generation(url_map: t.Any) -> int:
    """A number that changes whenever a rule is added to ``url_map``.

    werkzeug's map has no cheap way to tell (its rule list is rebuilt on each
    access), so the first time a map is seen its ``add`` is replaced, on the
    instance, by a :class:`_CountingAdd` that counts the rules added from
    then on. The caches above key on this number, so a rule added later,
    through Flask or ``url_map.add``, starts them afresh.
    """
    add = url_map.__dict__.get("add")
    if type(add) is not _CountingAdd or add.url_map is not url_map:
        add = url_map.__dict__["add"] = _CountingAdd(url_map)
        for name in ("_flask_build_cache", "_flask_match_cache", "_flask_404_cache"):
            url_map.__dict__.pop(name, None)
    return add.count


class _CountingAdd:
    """``url_map.add`` that counts calls (before and after, so a match made
    while a rule is being added is not kept); it calls the map class's own
    ``add``."""

    def __init__(self, url_map: t.Any) -> None:
        self.url_map = url_map
        self.count = 0

    def __call__(self, rulefactory: t.Any) -> None:
        self.count += 1
        try:
            map_class: type[Map] = type(self.url_map)  # pyright: ignore[reportUnknownVariableType]
            map_class.add(self.url_map, rulefactory)
        finally:
            self.count += 1
