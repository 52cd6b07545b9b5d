"""A request context made from the ASGI scope, its request built on first use.

Most views on the lean path (:mod:`._lean`: async views, and sync views
with no hook) never read ``request``, yet the WSGI environ, the werkzeug
request and the bound URL adapter are most of what the framework costs
such a request. When the scope alone tells everything the lean path needs
(a rule already matched once for this path and method, a valid ``Host``,
no body, an HTTP/1 request without a root path, ``SERVER_NAME`` or
``TRUSTED_HOSTS``), :func:`scoped_context` makes a :class:`ScopeContext`.
Its request (with the environ) and its URL adapter are built the first
time anything asks for them, by the same functions and from the same
scope as the general path builds them up front, so nothing differs but
when. Whatever the scope cannot tell, or any doubt, gives ``None``, and
the request takes the general way.

Most of that decision depends only on the request line, the ``Host``
header and the server's address: it is kept per line (:mod:`flask._lines`).
"""

from __future__ import annotations

import io
import typing as t

from .._lazy_context import lazy_context
from .._lazy_context import LazyContext
from .._lines import Decision
from .._lines import decision
from .._lines import keep
from .._lines import recall
from .._plain import direct_view
from .._urls import _server_name
from .._urls import generation
from .._urls import remembered_match
from ._environ import _KEYS
from ._environ import environ_from_scope
from ._environ import header_key
from ._environ import Scope
from ._steps import _async_view_signals
from ._steps import lean_view

if t.TYPE_CHECKING:
    from .._plan import Plan
    from ..app import Flask

#: What the request's headers may hold for the lean path: ``Host`` (once),
#: ``Cookie``, ``Content-Length: 0``; any other framing or an upgrade is
#: left to the general path.
_HOST, _COOKIE, _LENGTH, _OTHER = range(4)
_WATCHED = {
    "HTTP_HOST": _HOST,
    "HTTP_COOKIE": _COOKIE,
    "CONTENT_LENGTH": _LENGTH,
    "HTTP_TRANSFER_ENCODING": _OTHER,
    "HTTP_EXPECT": _OTHER,
    "HTTP_UPGRADE": _OTHER,
}
_HTTP1 = frozenset({"1.1", "1.0"})


class ScopeContext(LazyContext):
    """A lazy context (see :mod:`flask._lazy_context`) whose request is
    built from its ASGI scope. Made by :func:`scoped_context`."""

    def _environ(self) -> dict[str, t.Any]:
        scope: Scope = self._source
        return environ_from_scope(scope, io.BytesIO(b""))

    def release(self) -> None:
        """Once the request was answered: close the request's body and
        break the cycle between the request and its environ, so both are
        freed at once (if it was built)."""
        request = self._req
        if request is not None:
            environ = request.environ
            environ["wsgi.input"].close()
            environ.pop("werkzeug.request", None)


#: The key of the decisions this door keeps (see :mod:`flask._lines`).
_DOOR = ("asgi lines", None)


def scoped_context(
    app: Flask, scope: Scope, plan: Plan
) -> tuple[ScopeContext, t.Any, dict[str, t.Any], bool, bool, bool] | None:
    """For an ``http`` scope the lean path may serve without an environ: a
    :class:`ScopeContext` (not pushed), the view and its arguments,
    whether no after or teardown hook applies, whether the request is bare
    (sent no cookie; see ``flask._plain.bare``), and whether the view is a
    sync one with no hook (``flask._plain.direct_view``) rather than an
    async one. ``None`` otherwise (nothing done).

    The caller checked the app's ``plan`` (``Plan.lean``) and
    ``plain_now``. What depends only on the request line, the ``Host``
    header and the server's address is decided once (:func:`_decide`) and
    reused while the app's plan, URL map, view and dispatch tables stay
    the same."""
    if scope.get("http_version") not in _HTTP1 or scope.get("root_path"):
        return None
    host = None
    cookie = False
    watched = _WATCHED
    keys = _KEYS
    try:
        for name, value in scope["headers"]:
            # header_key(name), without a call for the names seen before.
            key = keys[name] if name in keys else header_key(name)
            kind = watched.get(key)  # type: ignore[arg-type]
            if kind is None:
                continue
            if kind == _HOST and host is None:
                host = value
            elif kind == _COOKIE:
                cookie = True
            elif kind != _LENGTH or value != b"0":
                return None  # a body, an upgrade, or a second Host
    except TypeError:  # a bytearray header name
        return None
    config = app.config
    url_map = app.url_map
    if (
        config["SERVER_NAME"] is not None
        or config["TRUSTED_HOSTS"] is not None
        or url_map.host_matching
        or app.subdomain_matching
    ):
        return None
    raw = scope.get("raw_path")
    line = (
        scope["path"] if raw is None else raw,
        scope["method"],
        host,
        scope.get("scheme"),
        scope.get("server"),
    )
    found = recall(app, _DOOR, line, plan)
    if (
        found is None
        # (A sync view's dispatch methods are still Flask's: direct_view
        # checked them for the decision, and had one been replaced on the
        # class since, plan_of would have made a new plan, which the
        # decision does not match.)
        # What lean_view checks per request for an async view.
        or (not found.sync and _async_view_signals())
    ):
        found = _decide(app, scope, plan, host)
        if found is None:
            return None
        keep(app, _DOOR, line, found)
    args = found.args
    ctx = lazy_context(ScopeContext, app, scope, found.rule, dict(args) if args else {})
    return ctx, found.call, ctx._args, found.flag, not cookie, found.sync  # type: ignore[return-value]


def _decide(
    app: Flask, scope: Scope, plan: Plan, host_value: bytes | None
) -> Decision | None:
    """What :func:`scoped_context` decides from the request line, the
    ``Host`` header's value and the server's address, for a request its
    caller accepted so far; ``None`` if the lean path may not take it."""
    method: str = scope["method"]
    if method == "HEAD" or method == "OPTIONS" or not method.isupper():
        return None
    raw = scope.get("raw_path")
    if raw is None:
        path: str = scope["path"]
        if path[:1] != "/" or not path.isascii():
            return None
    elif raw[:1] != b"/" or b"%" in raw or b"#" in raw or not raw.isascii():
        return None
    else:
        path = raw.decode("ascii")
    server = scope.get("server")
    if server is None:
        return None
    scheme = scope.get("scheme") or "http"
    if scheme != "http" and scheme != "https":
        return None
    host = None if host_value is None else host_value.decode("latin-1")
    if host is not None and not host.isascii():
        return None
    port = server[1]
    try:
        # Raises for a Host the general path answers with 400.
        _server_name(scheme, host, str(server[0]), "" if port is None else str(port))
    except Exception:
        return None
    # The URL adapter the general path would bind must take the common way
    # (flask._urls._fast_adapter); the rule and arguments remembered for
    # the request, and a view the lean path may call. (The map's generation
    # is read first: a rule added meanwhile makes the decision stale.)
    url_map = app.url_map
    current = generation(url_map)
    found = remembered_match(url_map, "/" + path.lstrip("/"), method)
    if found is None:
        return None
    rule, args = found
    endpoint = rule.endpoint
    view, after = lean_view(app, endpoint)
    sync = False
    if view is None:
        # A sync view called in one worker job (``_lean.run_sync``).
        if not plan.direct:
            return None
        view = direct_view(app, endpoint)
        if view is None:
            return None
        sync = after = True
    return decision(app, plan, current, rule, args, view, after, sync)
