"""A request context made from the ASGI scope, its request built on first use.

Most async views on the lean path (:mod:`._lean`) never read ``request``,
yet the WSGI environ, the werkzeug request and the bound URL adapter are
most of what the framework costs such a request. When the scope alone
tells everything the lean path needs (a rule already matched once for this
path and method, a valid ``Host``, no body, an HTTP/1 request without a
root path, ``SERVER_NAME`` or ``TRUSTED_HOSTS``), :func:`scoped_context`
makes a :class:`ScopeContext`. Its request (with the environ) and its URL
adapter are built the first time anything asks for them, by the same
functions and from the same scope as the general path builds them up
front, so nothing differs but when. Whatever the scope cannot tell, or any
doubt, gives ``None``, and the request takes the general way.
"""

from __future__ import annotations

import io
import typing as t

from .._plain import quiet_teardown
from .._urls import _server_name
from .._urls import remembered_match
from ..ctx import _request_adapter
from ..ctx import AppContext
from ._environ import _KEYS
from ._environ import environ_from_scope
from ._environ import header_key
from ._environ import Scope
from ._steps import lean_view

if t.TYPE_CHECKING:
    from werkzeug.routing import MapAdapter
    from werkzeug.routing import Rule

    from ..app import Flask
    from ..wrappers import Request

_UNBOUND: t.Any = object()

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


class ScopeContext(AppContext):
    """An app context whose request is built from its ASGI scope when
    first used (``_request``, ``request``, ``url_adapter``...).

    Made by :func:`scoped_context`; one made otherwise (``copy()``) is an
    ordinary context."""

    #: The scope while the request is not built (then ``None``).
    _scope: Scope | None = None
    _req: Request | None = None
    _adapter: MapAdapter | None = _UNBOUND
    #: The rule matched and its arguments, for the request when built.
    _rule: Rule | None = None
    _args: dict[str, t.Any] | None = None

    @property
    def _request(self) -> Request | None:
        if self._scope is not None:
            return self._build()
        return self._req

    @_request.setter
    def _request(self, value: Request | None) -> None:
        self._req = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        adapter = self._adapter
        if adapter is _UNBOUND:
            request = self._request
            assert request is not None
            adapter = self._adapter = _request_adapter(self.app, request)
        return adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        self._adapter = value

    @property
    def has_request(self) -> bool:
        return self._scope is not None or self._req is not None

    def _build(self) -> Request:
        """The request, as ``AppContext.from_environ`` and the match on
        push make it."""
        scope = self._scope
        assert scope is not None
        app = self.app
        environ = environ_from_scope(scope, io.BytesIO(b""))
        request = app.request_class(environ)
        request.json_module = app.json
        request.url_rule, request.view_args = self._rule, self._args
        self._req = request
        self._scope = None
        return request

    def _match_on_push(self) -> None:
        if self._scope is None:
            super()._match_on_push()

    def _teardown(self, exc: BaseException | None, errors: list[Exception]) -> None:
        if self._scope is not None and quiet_teardown(self.app, self._rule):
            return  # a request never built has nothing to close
        super()._teardown(exc, errors)

    def release(self) -> None:
        """Once the request was answered: close the request's body and
        break the cycle between the request and its environ, so both are
        freed at once (if it was built)."""
        request = self._req
        if request is not None:
            environ = request.environ
            environ["wsgi.input"].close()
            environ.pop("werkzeug.request", None)

    def __repr__(self) -> str:
        return super().__repr__().replace(type(self).__name__, "AppContext", 1)


def scoped_context(
    app: Flask, scope: Scope
) -> tuple[ScopeContext, t.Any, dict[str, t.Any], bool, bool] | None:
    """For an ``http`` scope the lean path may serve without an environ: a
    :class:`ScopeContext` (not pushed), the async view and its arguments,
    whether no after or teardown hook applies, and whether the request is
    bare (sent no cookie; see ``flask._plain.bare``). ``None`` otherwise
    (nothing done).

    The caller checked the app's plan (``Plan.lean``) and ``plain_now``."""
    if scope.get("http_version") not in _HTTP1 or scope.get("root_path"):
        return None
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
    # The URL adapter the general path would bind must take the common way
    # (flask._urls._fast_adapter); the rule and arguments remembered for
    # the request, and an async view (looked up first: a sync view's
    # request is spared the rest).
    server = scope.get("server")
    config = app.config
    url_map = app.url_map
    if (
        server is None
        or config["SERVER_NAME"] is not None
        or config["TRUSTED_HOSTS"] is not None
        or url_map.host_matching
        or app.subdomain_matching
    ):
        return None
    scheme = scope.get("scheme") or "http"
    if scheme != "http" and scheme != "https":
        return None
    found = remembered_match(url_map, "/" + path.lstrip("/"), method)
    if found is None:
        return None
    rule, args = found
    view, after = lean_view(app, rule.endpoint)
    if view is None:
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
                host = value.decode("latin-1")
            elif kind == _COOKIE:
                cookie = True
            elif kind != _LENGTH or value != b"0":
                return None  # a body, an upgrade, or a second Host
    except TypeError:  # a bytearray header name
        return None
    if host is not None and not host.isascii():
        return None
    port = server[1]
    try:
        # Raises for a Host the general path answers with 400.
        _server_name(scheme, host, str(server[0]), "" if port is None else str(port))
    except Exception:
        return None
    # What AppContext.__init__ sets, but the request and the URL adapter
    # (class defaults until built): a request's context costs no more calls.
    ctx = ScopeContext.__new__(ScopeContext)
    ctx.app = app
    ctx.g = app.app_ctx_globals_class()
    ctx._session_value = None
    ctx.flashes = None
    ctx._after_request_functions = []
    ctx._cv_tokens = []
    ctx._scope = scope
    ctx._rule = rule
    ctx._args = args
    return ctx, view, args, after, not cookie
