"""What the WSGI and ASGI doors decide once per app, not on every request.

Whether the app overrides the pipeline's methods (in a subclass or on the
instance), uses its own request, response or session classes, or wraps
``wsgi_app``, decides where each step of a request may run. :func:`plan_of`
works it out on first use and keeps it on the app; assigning or deleting
any attribute it depends on (``Flask.__setattr__`` / ``__delattr__``, see
``flask._serving.PLAN_INPUTS``) drops it, so the next request decides again.
A method is Flask's own only if it is the function Flask was created
with: one replaced on ``Flask`` itself (monkeypatched) is not, as one
overridden in a subclass is not. A method or class replaced on the app's
*class* after the plan was made is noticed when the plan is next fetched
with :func:`plan_of` (as the ASGI door does for each request): it compares
the class's attributes with those the plan was made from, in one call,
and makes the plan again if one differs. (The WSGI door checks the few
methods it stands in for itself, ``flask._plain``.) What can change
without an assignment (signal receivers, teardown functions, hooks) is
checked per request, cheaply.

The 3.1-style hook detection does not see a method replaced on the class
after the class was created.
"""

from __future__ import annotations

import operator
import typing as t

if t.TYPE_CHECKING:
    from .app import Flask

from ._serving import CLASS_PLAN_INPUTS
from ._serving import INLINE_METHODS


class Plan:
    """The per-app decisions (see the module docstring)."""

    __slots__ = (
        "splittable",
        "split_before",
        "split_after",
        "own_dispatch",
        "own_handlers",
        "inline",
        "lean",
        "lazy",
        "direct",
        "class_inputs",
    )

    def __init__(self, app: Flask) -> None:
        from .sessions import SecureCookieSessionInterface
        from .wrappers import Request
        from .wrappers import Response

        cls = type(app)
        own_names = app.__dict__
        #: The class attributes this plan was made from (see :func:`plan_of`).
        self.class_inputs: tuple[t.Any, ...] = _class_inputs(cls)

        def own(name: str) -> bool:
            return name not in own_names and getattr(cls, name) is _flask_value(name)

        legacy = app._legacy_hooks
        own_async = own("ensure_sync") and own("async_to_sync")
        #: The adapter can drive the steps itself (else: the whole request
        #: through the WSGI entry point, in a worker thread).
        self.splittable = (
            own("wsgi_app") and own("__call__") and own("full_dispatch_request")
        )
        #: ``preprocess_request`` may run hook by hook (async hooks awaited
        #: on the loop).
        self.split_before = (
            own("preprocess_request")
            and "preprocess_request" not in legacy
            and own_async
        )
        #: ``finalize_request`` and ``process_response`` may run hook by hook.
        self.split_after = (
            own("finalize_request")
            and own("process_response")
            and "finalize_request" not in legacy
            and "process_response" not in legacy
            and own_async
        )
        #: The view given to ``dispatch_request`` may be deferred to the loop.
        self.own_dispatch = own("dispatch_request")
        #: The handler chosen by ``handle_user_exception`` may be deferred.
        self.own_handlers = own("handle_user_exception") and own(
            "handle_http_exception"
        )
        #: The framework steps around an async view run no user code (once
        #: serving started, and unless signal receivers or app teardown
        #: functions are added: checked per request).
        self.inline = (
            app._got_first_request
            and not legacy
            and app.request_class is Request
            and app.response_class is Response
            and type(app.session_interface) is SecureCookieSessionInterface
            and all(own(name) for name in INLINE_METHODS)
        )
        #: Requests may take the ASGI door's lean path (``flask.asgi._lean``).
        self.lean = self.splittable and self.inline
        #: A WSGI request's context may build its request on first use
        #: (``flask._lazy_context``): the context, the URL adapter and the
        #: request are made by Flask's own code.
        self.lazy = (
            own("request_context")
            and own("create_url_adapter")
            and app.request_class is Request
        )
        #: A WSGI request to a sync view with no hook may have its view
        #: called by ``Flask.wsgi_app`` itself (then ``flask._plain.finish``),
        #: once serving started.
        self.direct = (
            self.lazy
            and app._plain_pipeline
            and app._got_first_request
            and own("dispatch_request")
            and own("ensure_sync")
        )


def own(app: Flask, name: str) -> bool:
    """Whether ``app.<name>`` is Flask's own method (not overridden in a
    subclass, replaced on a class, or assigned on the instance)."""
    return name not in app.__dict__ and getattr(type(app), name) is _flask_value(name)


#: Flask's own values of :data:`~flask._serving.CLASS_PLAN_INPUTS`, kept
#: when the class is made (:func:`remember`), before anything could
#: replace one.
_original: dict[str, t.Any] = {}


#: Methods :func:`own` is asked about besides the plan's inputs (by the
#: WebSocket door, per connection).
_OTHER_OWN = ("websocket_context", "do_teardown_websocket")

#: WSGI's entry point: the ASGI door does not call it, so Flask's current
#: one counts as Flask's own (instrumentation such as Sentry's replaces
#: ``Flask.__call__`` and instruments the ASGI door separately).
_WSGI_ENTRY = "__call__"


def _flask_value(name: str) -> t.Any:
    """What ``name`` must be on the app's class for a plan to count it as
    Flask's own: the value :func:`remember` kept (a method replaced on
    ``Flask`` itself is not Flask's own), but for WSGI's entry point."""
    if name == _WSGI_ENTRY:
        from .app import Flask

        return Flask.__call__
    return _original[name]


def remember(base: type) -> t.Mapping[str, t.Any]:
    """Keep ``base``'s (Flask's) values of the plan's class inputs and of
    :data:`_OTHER_OWN`; return them (``flask._plain`` keeps some too)."""
    _original.update(zip(CLASS_PLAN_INPUTS, _class_inputs(base), strict=True))
    _original.update((name, getattr(base, name)) for name in _OTHER_OWN)
    return _original


#: The app class's attributes a plan depends on, as a tuple, in one call.
_class_inputs = operator.attrgetter(*CLASS_PLAN_INPUTS)


def plan_of(app: Flask) -> Plan:
    """The app's plan: made on first use, and again when one of the class
    attributes it was made from has been replaced since (compared by
    identity first, then equality, as tuples compare)."""
    plan: Plan | None = app.__dict__.get("_plan")
    if plan is None or _class_inputs(type(app)) != plan.class_inputs:
        plan = app.__dict__["_plan"] = Plan(app)
    return plan
