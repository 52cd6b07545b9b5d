"""The context variable holding the active :class:`~flask.ctx.AppContext` and
the proxies (``current_app``, ``g``, ``request``, ``session``) that read it.

Every proxy reads one ``ContextVar``, so contexts are isolated per thread and
per asyncio task without any locking.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

if t.TYPE_CHECKING:
    from ._websocket import Websocket
    from .app import Flask
    from .ctx import _AppCtxGlobals
    from .ctx import AppContext
    from .sessions import SessionMixin
    from .wrappers import Request

_no_app_msg = """\
Working outside of application context.

Something needed the current application ('current_app', 'g', 'url_for', ...)
but no application context is active. Push one with 'with app.app_context():',
or do the work inside a request (a view, a hook, a CLI command run by 'flask').\
"""

_no_req_msg = """\
Working outside of request context.

Something needed the active HTTP request ('request', 'session', ...) but no
request is being handled. In tests, use 'with app.test_request_context():'
or make a request through 'app.test_client()'.\
"""

_no_ws_msg = """\
Working outside of WebSocket context.

Something needed the active WebSocket connection ('websocket') but none is
being handled: it is only available in a handler registered with
'@app.websocket', in 'before_websocket'/'after_websocket'/'teardown_websocket'
functions and in what they call. In tests, connect with
'with app.test_client().websocket("/path") as ws:'.\
"""

_cv_app: ContextVar[AppContext] = ContextVar("flask.app_ctx")

# Its methods, bound once. CPython 3.11 compiles a call on an attribute of
# an imported name (``_cv_app.get(None)`` in a module that imports
# ``_cv_app``) without its method-call shortcut, as for a module's
# function: each call then looks the method up and makes a bound method.
# Calling these names directly does neither.
_cv_app_get = _cv_app.get
_cv_app_set = _cv_app.set
_cv_app_reset = _cv_app.reset


class _Proxy(LocalProxy[t.Any]):
    """werkzeug's ``LocalProxy`` with the most used operations (attribute
    get and set, item get and set, ``in``) as plain methods: werkzeug looks
    each one up through a descriptor that builds a bound callable per use.
    Each does what werkzeug's does: the operation on the current object."""

    __slots__ = ()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._get_current_object(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self._get_current_object(), name, value)

    def __getitem__(self, key: t.Any) -> t.Any:
        return self._get_current_object()[key]

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        self._get_current_object()[key] = value

    def __contains__(self, item: t.Any) -> bool:
        return item in self._get_current_object()


# werkzeug's "unbound" repr names the proxy's class: keep Flask's spelling,
# "<LocalProxy unbound>", which tests and logs compare against.
_Proxy.__name__ = _Proxy.__qualname__ = "LocalProxy"


app_ctx: AppContext = _Proxy(  # type: ignore[assignment]
    _cv_app, unbound_message=_no_app_msg
)
current_app: Flask = _Proxy(  # type: ignore[assignment]
    _cv_app, "app", unbound_message=_no_app_msg
)
g: _AppCtxGlobals = _Proxy(  # type: ignore[assignment]
    _cv_app, "g", unbound_message=_no_app_msg
)
request: Request = _Proxy(  # type: ignore[assignment]
    _cv_app, "request", unbound_message=_no_req_msg
)

# Through ``_used_session``: every use marks the session as accessed.
session: SessionMixin = _Proxy(  # type: ignore[assignment]
    _cv_app, "_used_session", unbound_message=_no_req_msg
)


def _current_websocket() -> Websocket:
    # Only a WebsocketContext has ``_websocket``.
    ws: Websocket | None = getattr(_cv_app.get(None), "_websocket", None)
    if ws is None:
        raise RuntimeError(_no_ws_msg)
    return ws


#: The WebSocket connection being handled (see :class:`flask.wrappers.Websocket`).
websocket: Websocket = _Proxy(_current_websocket)  # type: ignore[assignment]


def __getattr__(name: str) -> t.Any:
    # Names from Flask < 3.2, where the request had a context of its own.
    import warnings

    if name in {"_cv_request", "request_ctx"}:
        warnings.warn(
            f"'flask.globals.{name}' is deprecated: the request context was"
            " merged into the app context. Use '_cv_app' or 'app_ctx'.",
            DeprecationWarning,
            stacklevel=2,
        )
        return _cv_app if name == "_cv_request" else app_ctx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "_cv_request", "request_ctx"})
