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

import typing as t

from ._responses import plain_parts
from .sessions import SecureCookieSessionInterface
from .signals import appcontext_tearing_down
from .signals import request_finished
from .signals import request_started
from .signals import request_tearing_down

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


def remember(base: type) -> None:
    """Keep ``base``'s (Flask's) pipeline functions, to notice when one is
    replaced on a class after an app was created."""
    global _own
    _own = tuple(getattr(base, name) for name in PLAIN_METHODS)


def _dispatch_unchanged(cls: type) -> bool:
    """Whether ``cls`` still has Flask's own versions of the methods
    :func:`full_dispatch` skips (a class patched after its apps were
    created is noticed here)."""
    own = _own
    return (
        cls.full_dispatch_request is own[0]  # type: ignore[attr-defined]
        and cls.preprocess_request is own[1]  # type: ignore[attr-defined]
        and cls.finalize_request is own[2]  # type: ignore[attr-defined]
        and cls.process_response is own[4]  # type: ignore[attr-defined]
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
    dropped with them when setup changes)."""
    key = ("plain", endpoint)
    cache = app._dispatch_cache
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


def full_dispatch(
    app: Flask, ctx: AppContext
) -> Response | tuple[list[tuple[str, str]], bytes]:
    """``app.full_dispatch_request(ctx)`` for a plain app: the view, the
    response and the session, skipping hook steps that are empty. For a
    ``str`` or ``dict`` that needs no response object (see
    :func:`response_parts`), the headers and body of its 200 response."""
    req = ctx._request
    assert req is not None
    rule = req.url_rule
    if (
        rule is None
        or not app._got_first_request
        or request_started.receivers
        or not hookless(app, rule.endpoint)
        or not _dispatch_unchanged(type(app))
    ):
        return app.full_dispatch_request(ctx)
    try:
        rv = app.dispatch_request(ctx)
    except Exception as e:
        return app.finalize_request(ctx, app.handle_user_exception(ctx, e))
    if ctx._after_request_functions:
        return app.finalize_request(ctx, rv)
    # finalize_request and process_response with no hook to run.
    if not request_finished.receivers:
        parts = response_parts(app, ctx, rv, bare(req))
        if parts is not None:
            return parts
    response = app.make_response(rv)
    app._save_session(ctx, response)
    if request_finished.receivers:
        request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)
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
        or request_tearing_down.receivers
        or appcontext_tearing_down.receivers
        or type(app).do_teardown_request is not _own[5]
        or type(app).do_teardown_appcontext is not _own[6]
    ):
        return False
    return hookless(app, None if rule is None else rule.endpoint)


def bare(request: Request) -> bool:
    """Whether ``request`` is not a HEAD request and sent no cookie (so its
    response may need no response object, see :func:`response_parts`)."""
    return request.method != "HEAD" and "HTTP_COOKIE" not in request.environ


def response_parts(
    app: Flask, ctx: AppContext, value: t.Any, bare: bool
) -> tuple[list[tuple[str, str]], bytes] | None:
    """The headers and body of the 200 response for a view's ``value``,
    when making it would run no code but Flask's and no session is to be
    saved: a ``str`` or ``dict`` (see :func:`flask._responses.plain_parts`),
    for a ``bare`` request (see :func:`bare`) with the cookie session
    unused. ``None`` otherwise (nothing done). Called where
    ``make_response`` and the session save would be, with no hook or
    receiver to run."""
    if (
        not bare
        or ctx._session_value is not None
        or type(app.session_interface) is not SecureCookieSessionInterface
    ):
        return None
    parts = plain_parts(app, value)
    if parts is not None:
        ctx._response_done = True  # what saving no session leaves
    return parts
