"""The request pipeline for a request that meets none of its hooks.

Most requests of most apps run no ``before_request``, ``after_request`` or
teardown function and no signal has receivers, so most steps of
``full_dispatch_request`` and of the context teardown only loop over empty
tuples. When the app's pipeline methods are Flask's own (``is_plain``) and a
per-endpoint check (``hookless``) finds nothing registered, the steps that do
nothing are skipped and the others run through the same methods. Anything
else (no matched rule, the first request, an error, an ``after_this_request``
callback, a receiver) takes the general path at the point where it differs.
"""

from __future__ import annotations

import operator
import typing as t
from inspect import CO_COROUTINE
from types import FunctionType

from . import _signal_slots as _slots
from ._responses import plain_parts
from .sessions import SecureCookieSessionInterface

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule

    from .app import Flask
    from .ctx import AppContext
    from .wrappers import Request
    from .wrappers import Response

#: The pipeline methods whose Flask versions this module stands in for; an
#: app overriding any of them (on its class or instance) is not plain.
PLAIN_METHODS = (
    "full_dispatch_request",
    "preprocess_request",
    "finalize_request",
    "make_response",
    "process_response",
    "do_teardown_request",
    "do_teardown_appcontext",
)
_HOOK_KINDS = ("url_value", "before", "after", "teardown")


#: Flask's own functions for PLAIN_METHODS (set by :func:`remember`).
_own: tuple[t.Any, ...] = ()


#: Methods ``Flask.wsgi_app`` stands in for when it calls a view itself
#: (``flask._lazy_context.environ_context``), after PLAIN_METHODS in ``_own``.
_VIEW_METHODS = ("dispatch_request", "ensure_sync")


#: Methods a lazy context (``flask._lazy_context``) stands in for, after
#: _VIEW_METHODS in ``_own``.
_CONTEXT_METHODS = ("request_context", "create_url_adapter")


#: What :func:`_dispatch_unchanged` and :func:`_context_unchanged` check
#: together: read from a class in one call by :data:`door_methods`, and
#: compared with :data:`own_door` (as tuples compare: by identity, then
#: equality), the WSGI door's check per request; where they differ (a
#: subclass or a patch replaced one), the two functions tell which part
#: changed, and a lazy context may still be used.
_DOOR_NAMES = PLAIN_METHODS[:5] + _VIEW_METHODS + _CONTEXT_METHODS
door_methods = operator.attrgetter(*_DOOR_NAMES)
own_door: tuple[t.Any, ...] = ()


def remember(original: t.Mapping[str, t.Any]) -> None:
    """Keep Flask's pipeline functions, taken from ``original`` (what
    ``flask._plan.remember`` kept when the class was made), to notice when
    one is replaced on a class."""
    global _own, own_door
    _own = tuple(
        original[name] for name in PLAIN_METHODS + _VIEW_METHODS + _CONTEXT_METHODS
    )
    own_door = tuple(original[name] for name in _DOOR_NAMES)


def _context_unchanged(cls: type) -> bool:  # pyright: ignore[reportUnusedFunction]
    """Whether ``cls`` still has Flask's own ``request_context`` and
    ``create_url_adapter``, which a lazy context stands in for."""
    own = _own
    return (
        cls.request_context is own[9]  # type: ignore[attr-defined]
        and cls.create_url_adapter is own[10]  # type: ignore[attr-defined]
    )


def _dispatch_unchanged(cls: type) -> bool:
    """Whether ``cls`` still has Flask's own versions of the methods
    :func:`full_dispatch` skips, and of those ``wsgi_app`` skips when it
    calls a view itself (a class patched after its apps were created is
    noticed here)."""
    own = _own
    return (
        cls.full_dispatch_request is own[0]  # type: ignore[attr-defined]
        and cls.preprocess_request is own[1]  # type: ignore[attr-defined]
        and cls.finalize_request is own[2]  # type: ignore[attr-defined]
        and cls.make_response is own[3]  # type: ignore[attr-defined]
        and cls.process_response is own[4]  # type: ignore[attr-defined]
        and cls.dispatch_request is own[7]  # type: ignore[attr-defined]
        and cls.ensure_sync is own[8]  # type: ignore[attr-defined]
    )


def is_plain(app: Flask, base: type) -> bool:
    """Whether ``app`` runs ``base``'s (Flask's) own pipeline methods, all
    with the current calling form."""
    cls = type(app)
    inst = app.__dict__
    return not app._legacy_hooks and all(
        name not in inst and getattr(cls, name) is getattr(base, name)
        for name in PLAIN_METHODS
    )


def hookless(app: Flask, endpoint: str | None) -> bool:
    """Whether a request to ``endpoint`` meets no URL value preprocessor and
    no before, after or teardown hook; kept with the app's hook tables (and
    dropped with them when setup changes), under :func:`hooks_key`."""
    cache = app._dispatch_cache
    key = hooks_key(endpoint)
    try:
        return not cache[key]
    except KeyError:
        pass
    # The blueprint as ``Request.blueprint`` derives it from the endpoint.
    blueprint = None
    if endpoint is not None and "." in endpoint:
        blueprint = endpoint.rpartition(".")[0]
    funcs = tuple(f for kind in _HOOK_KINDS for f in app._hooks(kind, blueprint))
    cache[key] = funcs
    return not funcs


def hooks_key(endpoint: t.Any) -> t.Any:
    """Where :func:`hookless` keeps its answer for ``endpoint`` in the
    app's dispatch tables: a ``str`` endpoint under itself (no other key
    there is a string, and a string keeps its hash, a tuple does not), any
    other (``None``, or what else werkzeug lets a rule have, a tuple
    included) under ``("plain", endpoint)``."""
    return endpoint if type(endpoint) is str else ("plain", endpoint)


def direct_view(app: Flask, endpoint: str) -> t.Any:
    """The view of ``endpoint`` if a door may call it itself, as Flask's
    ``dispatch_request`` would, and then :func:`finish` the request: the
    app's plan allows it (``Plan.direct``, checked by the caller), the
    class still has Flask's dispatch methods, no hook applies to the
    endpoint, and the view is a plain function that ``ensure_sync``
    returns as it is. Else ``None``."""
    if not _dispatch_unchanged(type(app)):
        return None
    # hookless(app, endpoint), without a call once it is known.
    hooks = app._dispatch_cache.get(hooks_key(endpoint))
    view = app.view_functions.get(endpoint)
    if (
        (hooks if hooks is not None else not hookless(app, endpoint))
        or type(view) is not FunctionType
        or view.__code__.co_flags & CO_COROUTINE
        or "_is_coroutine_marker" in view.__dict__
    ):
        return None
    return view


def full_dispatch(
    app: Flask, ctx: AppContext
) -> Response | tuple[list[tuple[str, str]], bytes]:
    """``app.full_dispatch_request(ctx)`` for a plain app: the view, the
    response and the session, skipping hook steps that are empty (see
    :func:`finish` for what it returns)."""
    req = ctx._request
    assert req is not None
    rule = req.url_rule
    if (
        rule is None
        or not app._got_first_request
        or _slots.request_started.receivers
        or not hookless(app, rule.endpoint)
        or not _dispatch_unchanged(type(app))
    ):
        return app.full_dispatch_request(ctx)
    try:
        rv = app.dispatch_request(ctx)
    except Exception as e:
        return app.finalize_request(ctx, app.handle_user_exception(ctx, e))
    return finish(app, ctx, rv, bare(req))


def finish(
    app: Flask, ctx: AppContext, rv: t.Any, bare: bool
) -> Response | tuple[list[tuple[str, str]], bytes]:
    """``app.finalize_request(ctx, rv)`` for a plain app, skipping the hook
    steps (none applies to the request; ``bare`` as :func:`bare` gives it).
    For a value that needs no response object (see
    :func:`flask._responses.plain_parts`) with no session to save and no
    receiver to tell, the headers and body of its 200 response instead."""
    if ctx._after_request_functions:
        return app.finalize_request(ctx, rv)
    finished = _slots.request_finished.receivers
    # What saving the session does when the cookie session was not used
    # and the request sent no cookie: nothing.
    unsaved = (
        bare
        and ctx._session_value is None
        and type(app.session_interface) is SecureCookieSessionInterface
    )
    if unsaved and not finished:
        parts = plain_parts(app, rv)
        if parts is not None:
            ctx._response_done = True
            return parts
    # make_response (Flask's own) returns a response of its class as is.
    response = rv if type(rv) is app.response_class else app.make_response(rv)
    if unsaved:
        ctx._response_done = True
    else:
        app._save_session(ctx, response)
    if finished:
        _slots.request_finished.send(
            app, _async_wrapper=app.ensure_sync, response=response
        )
    return response


def teardown(ctx: AppContext, errors: list[Exception]) -> bool:
    """Close the request of ``ctx`` and return ``True`` when its teardown
    has nothing else to run (no teardown function, no receiver), else
    return ``False`` and do nothing. An error closing the request is added
    to ``errors``, as the general teardown does."""
    req = ctx._request
    if req is None or not quiet_teardown(ctx.app, req.url_rule):
        return False
    try:
        req.close()
    except Exception as e:
        errors.append(e)
    return True


def quiet_teardown(app: Flask, rule: Rule | None) -> bool:
    """Whether the teardown of a request that matched ``rule`` runs nothing
    but closing the request: no teardown function or hook, no receiver,
    no override."""
    if (
        not app._plain_pipeline
        or app.teardown_appcontext_funcs
        or _slots.request_tearing_down.receivers
        or _slots.appcontext_tearing_down.receivers
        or type(app).do_teardown_request is not _own[5]
        or type(app).do_teardown_appcontext is not _own[6]
    ):
        return False
    endpoint = None if rule is None else rule.endpoint
    # hookless(app, endpoint), without the call once it is known (and
    # hooks_key inlined: this runs on every request's teardown).
    funcs = app._dispatch_cache.get(
        endpoint if type(endpoint) is str else ("plain", endpoint)
    )
    return hookless(app, endpoint) if funcs is None else not funcs


def bare(request: Request) -> bool:
    """Whether ``request`` is not a HEAD request and sent no cookie (so its
    response may need no response object, see :func:`finish`)."""
    return request.method != "HEAD" and "HTTP_COOKIE" not in request.environ
