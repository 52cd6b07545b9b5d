"""An app context whose request is built the first time something asks.

For a request whose route was matched before (``_urls.remembered_match``)
and whose host the URL adapter would accept, the request object, its URL
adapter and the match are most of what the framework costs a view that
never reads ``request``. A :class:`LazyContext` holds what the request is
to be made from (a WSGI environ, or for the ASGI door a scope) and builds
the request and the adapter on first use, with the same functions as an
:class:`~flask.ctx.AppContext` built up front; only the time differs. The
doors decide when one may be used (:func:`flask._plain.lean_context`,
``flask.asgi._scoped.scoped_context``).
"""

from __future__ import annotations

import operator
import typing as t

from . import _plain
from . import _signal_slots as _slots
from ._lines import Decision
from ._lines import decision
from ._lines import keep
from ._lines import recall
from ._plain import _context_unchanged
from ._plain import _dispatch_unchanged
from ._plain import direct_view
from ._plain import quiet_teardown
from ._plan import plan_of
from ._responses import _new_object
from ._urls import _server_name
from ._urls import generation
from ._urls import remembered_match
from .ctx import _AppCtxGlobals
from .ctx import _request_adapter
from .ctx import AppContext

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import MapAdapter
    from werkzeug.routing import Rule

    from ._plan import Plan
    from .app import Flask
    from .wrappers import Request

_UNBOUND: t.Any = object()


class _GlobalsOnFirstUse:
    """A lazy context's ``g`` when the app's ``app_ctx_globals_class`` is
    Flask's own: made when first read (most requests never read it), then
    kept in the context's ``__dict__``, which comes first from then on
    (a non-data descriptor). A class of the user's is made up front, as
    its ``__init__`` may do something."""

    def __get__(self, ctx: LazyContext | None, owner: type) -> t.Any:
        if ctx is None:
            return self
        # (setdefault: two threads reading it first get the same object.)
        return ctx.__dict__.setdefault("g", _AppCtxGlobals())


class LazyContext(AppContext):
    """An app context whose ``_request`` (and so ``request``, ``session``,
    ``url_adapter``...) is built when first read. A subclass says how the
    WSGI environ is obtained (:meth:`_environ`). One made by ``copy()`` is
    an ordinary context."""

    #: What the request is made from while not built (then ``None``).
    _source: t.Any = None
    _req: Request | None = None
    _adapter: MapAdapter | None = _UNBOUND
    #: The rule matched and its arguments, for the request when built.
    _rule: Rule | None = None
    _args: dict[str, t.Any] | None = None
    #: Its request, built or not, comes with the match (see :meth:`_build`;
    #: a copy is given the request).
    _may_match = False

    if not t.TYPE_CHECKING:
        g = _GlobalsOnFirstUse()

    @property
    def _request(self) -> Request | None:
        if self._source is not None:
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
        return self._source is not None or self._req is not None

    def _environ(self) -> dict[str, t.Any]:
        """The WSGI environ for the request, from ``_source``."""
        raise NotImplementedError

    def _build(self) -> Request:
        """The request, as ``AppContext.from_environ`` and the match on
        push make it."""
        app = self.app
        request = app.request_class(self._environ())
        request.json_module = app.json
        request.url_rule, request.view_args = self._rule, self._args
        self._req = request
        self._source = None
        return request

    def _teardown(self, exc: BaseException | None, errors: list[Exception]) -> None:
        if self._source is not None and quiet_teardown(self.app, self._rule):
            return  # a request never built has nothing to close
        super()._teardown(exc, errors)

    def __repr__(self) -> str:
        return super().__repr__().replace(type(self).__name__, "AppContext", 1)


C = t.TypeVar("C", bound=LazyContext)


def lazy_context(
    cls: type[C], app: Flask, source: t.Any, rule: Rule, args: dict[str, t.Any]
) -> C:
    """A ``cls`` context for ``app`` whose request is to be made from
    ``source``, matched to ``rule`` with ``args``; not pushed."""
    # What AppContext.__init__ sets, but the request and the URL adapter
    # (class defaults until built) and Flask's own ``g`` (made on first
    # read): a request's context costs no more calls.
    ctx = _new_object(cls)  # (no context class defines __new__)
    ctx.app = app
    globals_class = app.app_ctx_globals_class
    if globals_class is not _AppCtxGlobals:
        ctx.g = globals_class()
    ctx._session_value = None
    ctx.flashes = None
    ctx._after_request_functions = []
    ctx._cv_tokens = []
    ctx._source = source
    ctx._rule = rule
    ctx._args = args
    return ctx


class EnvironContext(LazyContext):
    """A lazy context for a WSGI request: the environ is there already."""

    def _environ(self) -> dict[str, t.Any]:
        environ: dict[str, t.Any] = self._source
        return environ


def environ_context(
    app: Flask, environ: WSGIEnvironment
) -> tuple[EnvironContext, t.Any, dict[str, t.Any], bool] | None:
    """For a WSGI request whose route was matched before and whose URL
    adapter would be bound the common way (``flask._urls._fast_adapter``):
    an :class:`EnvironContext` (not pushed), the sync view ``wsgi_app``
    may call itself, as ``dispatch_request`` would, with no hook to run
    around it (``None`` if the request is to be dispatched as usual), the
    view's arguments, and whether the request is bare
    (``flask._plain.bare``). ``None`` for any other request (nothing
    done): it gets an ordinary context. What depends only on the request
    line and host is decided once per line (:mod:`flask._lines`)."""
    # (Not plan_of's check of the whole class per request: what this door
    # relies on from the class is checked below.)
    plan = app.__dict__.get("_plan") or plan_of(app)
    config = app.config
    url_map = app.url_map
    cls = type(app)
    # Whether the class has Flask's own versions of everything checked
    # below, in one call (where not, the two checks tell which changed).
    door = _plain.door_methods(cls) == _plain.own_door
    if (
        not plan.lazy
        or (not door and not _context_unchanged(cls))
        or config["SERVER_NAME"] is not None
        or config["TRUSTED_HOSTS"] is not None
        or url_map.host_matching
        or app.subdomain_matching
        or "HTTP_UPGRADE" in environ
        # The request is not matched yet for them (receivers for other
        # apps do not count).
        or (
            _slots.appcontext_pushed.receivers
            and _slots.appcontext_pushed.has_receivers_for(app)
        )
    ):
        return None
    try:
        line = _line_of(environ)  # a server gives all six, usually
    except KeyError:
        line = (
            environ.get("PATH_INFO"),
            environ["REQUEST_METHOD"],
            environ.get("HTTP_HOST"),
            environ["wsgi.url_scheme"],
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
        )
    found = recall(app, _DOOR, line, plan)
    if found is None:
        found = _decide(app, environ, plan)
        if found is None:
            return None
        keep(app, _DOOR, line, found)
    args = found.args
    ctx = lazy_context(
        EnvironContext, app, environ, found.rule, dict(args) if args else {}
    )
    view = found.call
    if view is not None and (
        _slots.request_started.receivers or (not door and not _dispatch_unchanged(cls))
    ):
        view = None
    return ctx, view, ctx._args, found.flag and "HTTP_COOKIE" not in environ  # type: ignore[return-value]


#: The key of the decisions this door keeps (see :mod:`flask._lines`).
_DOOR = ("wsgi lines", None)

#: The request line and host values a decision is kept for, in one call
#: when the environ has them all (else the key has ``None`` for those
#: missing).
_line_of = operator.itemgetter(
    "PATH_INFO",
    "REQUEST_METHOD",
    "HTTP_HOST",
    "wsgi.url_scheme",
    "SERVER_NAME",
    "SERVER_PORT",
)


def _decide(app: Flask, environ: WSGIEnvironment, plan: Plan) -> Decision | None:
    """What :func:`environ_context` decides from the request line, the
    host values and the scheme (see :mod:`flask._lines`), for a request it
    accepted so far; ``None`` if it gets an ordinary context."""
    path: str | None = environ.get("PATH_INFO")
    if path is None:
        path = "/"
    elif not path.isascii():
        return None
    host: str | None = environ.get("HTTP_HOST")
    if host is not None and not host.isascii():
        return None
    try:
        # Raises for a Host the ordinary context answers with 400.
        _server_name(
            environ["wsgi.url_scheme"],
            host,
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
        )
    except Exception:
        return None
    method = environ["REQUEST_METHOD"].upper()
    url_map = app.url_map
    # (Read first: a rule added meanwhile makes the decision stale.)
    current = generation(url_map)
    # The path as match_rule keys it.
    found = remembered_match(url_map, f"/{path.lstrip('/')}" if path else "", method)
    if found is None:
        return None
    rule, args = found
    # The view wsgi_app may call itself (checked again per request: no
    # request_started receiver, Flask's own dispatch methods).
    call = None
    if plan.direct and method != "OPTIONS":
        call = direct_view(app, rule.endpoint)
    return decision(app, plan, current, rule, args, call, method != "HEAD")
