"""The application context, which in Flask 3.2 also carries the request.

One :class:`AppContext` is pushed per request (or per ``app_context()``
block). It holds the app, ``g``, the request and its lazily opened session,
the URL adapter and callbacks registered with :func:`after_this_request`.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import update_wrapper
from types import TracebackType

from werkzeug.exceptions import HTTPException

from . import _signal_slots as _slots
from ._plain import teardown as _plain_teardown
from ._teardown import teardown_error as _teardown_error
from ._urls import hostless_adapter as _hostless_adapter
from ._urls import match_rule as _match_rule
from .globals import _cv_app as _cv_app
from .globals import _cv_app_get
from .globals import _cv_app_reset
from .globals import _cv_app_set

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import MapAdapter

    from . import typing as ft
    from ._typevars import T_after_request
    from .app import Flask
    from .sessions import SessionMixin
    from .wrappers import Request

_sentinel = object()
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class _AppCtxGlobals:
    """The ``g`` namespace: a plain object for data scoped to one app context.

    Behaves like an object for attribute access and offers the dict-like
    helpers ``get``, ``pop``, ``setdefault``, ``in`` and iteration.
    """

    # Attribute access is typed as Any so that ``g.user`` type-checks.
    def __getattr__(self, name: str) -> t.Any:
        raise AttributeError(name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """Return the attribute ``name``, or ``default`` if it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove and return ``name``; raise ``KeyError`` if missing and no
        default was given."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """Return ``name``, first setting it to ``default`` if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app_get(None)
        if ctx is not None:
            return f"<flask.g of {ctx.app.name!r}>"
        return object.__repr__(self)


class AppContext:
    """The state of one app context, optionally bound to a request.

    ``request`` and ``session`` raise ``RuntimeError`` when the context has no
    request, so ``flask.request`` outside a request fails with a clear message.
    The session is opened from the request on first access, not on push.
    """

    #: Set once the response was processed (the session saved or skipped);
    #: a class default, so contexts pay for it only when it is set.
    _response_done = False
    #: Whether a push may have to match the request's URL (a context whose
    #: request always comes matched says not; see ``flask._lazy_context``).
    _may_match = True

    def __init__(
        self,
        app: Flask,
        *,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        self.g: _AppCtxGlobals = app.app_ctx_globals_class()
        self._request = request
        self._session_value = session
        self.url_adapter: MapAdapter | None = None
        if request is None:
            self.url_adapter = app.create_url_adapter(None)
        else:
            self.url_adapter = _request_adapter(app, request)
        self.flashes: list[tuple[str, str]] | None = None
        self._after_request_functions: list[ft.AfterRequestCallable[t.Any]] = []
        self._cv_tokens: list[contextvars.Token[AppContext]] = []

    @classmethod
    def from_environ(cls, app: Flask, environ: WSGIEnvironment, /) -> AppContext:
        """Create a context for the request described by a WSGI environ."""
        request = app.request_class(environ)
        request.json_module = app.json
        return cls(app, request=request)

    @property
    def has_request(self) -> bool:
        """Whether this context is bound to a request."""
        return self._request is not None

    @property
    def request(self) -> Request:
        """The request bound to this context."""
        if self._request is None:
            from .globals import _no_req_msg

            raise RuntimeError(_no_req_msg)
        return self._request

    @property
    def session(self) -> SessionMixin:
        """The session for the request, opened on first access."""
        session = self._session_value
        if session is None:
            request = self.request
            interface = self.app.session_interface
            session = interface.open_session(self.app, request)
            if session is None:
                session = interface.make_null_session(self.app)
            self._session_value = session
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session_value = value

    @property
    def _session(self) -> SessionMixin | None:
        """The session if it was opened, else ``None``; after the response
        was processed it is a session object in any case.

        Code written for Flask 3.2 (which opens the session on every request)
        inspects it after a request. Here the session is still opened only on
        first use, so one the view never touched is opened on this read,
        with ``accessed`` and ``modified`` false, and costs nothing if no one
        looks.
        """
        session = self._session_value
        if session is None and self._response_done and self._request is not None:
            session = self.session
        return session

    @_session.setter
    def _session(self, value: SessionMixin | None) -> None:
        self._session_value = value

    @property
    def _used_session(self) -> SessionMixin:
        """The session, marked as accessed: what the ``session`` proxy gives.

        Any use through the proxy (comparison, ``str``, ``len``, iteration...)
        marks it, whatever the session class, so the response gets
        ``Vary: Cookie`` and a shared cache never serves it to another user.
        A session class whose ``accessed`` cannot be set is left as it is.
        """
        session = self._session_value
        if session is None:
            session = self.session
        try:
            session.accessed = True
        except AttributeError:
            pass
        return session

    def match_request(self) -> None:
        """Match the request URL, setting ``url_rule`` and ``view_args`` on the
        request, or ``routing_exception`` if nothing matched."""
        request = self._request
        if request is None:
            request = self.request  # raises: no request to match
        adapter = self.url_adapter
        if adapter is None:
            return
        try:
            rule, args = _match_rule(adapter)
            request.url_rule, request.view_args = rule, args
        except HTTPException as e:
            request.routing_exception = e

    def copy(self) -> AppContext:
        """A new context sharing this one's app, request and session (with a
        fresh ``g``), for use in another thread or greenlet."""
        session = self._session_value
        if session is None and self._request is not None:
            # Open it now so both contexts see the same session object.
            session = self.session
        return self.__class__(self.app, request=self._request, session=session)

    def push(self) -> None:
        """Make this the active context. May be pushed more than once; teardown
        runs when the last push is popped."""
        self._cv_tokens.append(_cv_app_set(self))
        if len(self._cv_tokens) == 1:
            if _slots.appcontext_pushed.receivers:
                _slots.appcontext_pushed.send(
                    self.app, _async_wrapper=self.app.ensure_sync
                )
            if self._may_match:
                self._match_on_push()

    def _match_on_push(self) -> None:
        """Match the request's URL when it is first pushed, unless that was
        done or failed already."""
        request = self._request
        if request is not None and request.routing_exception is None:
            if request.url_rule is None:
                self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Deactivate this context, running teardown functions on the last pop.

        ``exc`` is the error that ended the request, passed to teardown
        functions; by default the exception being handled, if any.
        """
        if not self._cv_tokens:
            raise RuntimeError("Popped an app context that was not pushed.")
        errors: list[Exception] = []
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self._teardown(exc, errors)
        finally:
            token = self._cv_tokens.pop()
            current = _cv_app_get(None)
            try:
                _cv_app_reset(token)
            except ValueError:
                # Popped in another context than it was pushed in.
                _cv_app_set(token.old_value)
            if current is not self:
                raise AssertionError(
                    f"Popped the wrong app context ({current!r} instead of {self!r})."
                )
            if not self._cv_tokens and _slots.appcontext_popped.receivers:
                try:
                    _slots.appcontext_popped.send(
                        self.app, _async_wrapper=self.app.ensure_sync
                    )
                except Exception as e:
                    errors.append(e)
        if errors:
            raise _teardown_error("context teardown", errors)

    def _teardown(self, exc: BaseException | None, errors: list[Exception]) -> None:
        """Request teardown, close the request, app teardown: each step runs
        even if an earlier one raised; their errors are added to ``errors``,
        raised together by :meth:`pop`."""
        if _plain_teardown(self, errors):
            return
        app = self.app
        legacy = app._legacy_hooks
        try:
            if self._request is not None:
                try:
                    if "do_teardown_request" in legacy:
                        app.do_teardown_request(exc)  # type: ignore[arg-type]
                    else:
                        app.do_teardown_request(self, exc)
                except Exception as e:
                    errors.append(e)
                finally:
                    try:
                        self._request.close()
                    except Exception as e:
                        errors.append(e)
        finally:
            try:
                if "do_teardown_appcontext" in legacy:
                    app.do_teardown_appcontext(exc)  # type: ignore[arg-type]
                else:
                    app.do_teardown_appcontext(self, exc)
            except Exception as e:
                errors.append(e)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        if self._request is not None:
            r = self._request
            return f"<{type(self).__name__} {r.url!r} [{r.method}] of {self.app.name}>"
        return f"<{type(self).__name__} of {self.app.name}>"


def _request_adapter(app: Flask, request: Request) -> MapAdapter | None:
    """The URL adapter for a request's context. A malformed or untrusted
    Host is reported when dispatching (``routing_exception``), with an
    adapter still bound so ``url_for`` works in handlers."""
    try:
        return app.create_url_adapter(request)
    except HTTPException as e:
        request.routing_exception = e
        return _hostless_adapter(app, request)


def has_app_context() -> bool:
    """Whether an app context is active (``current_app`` and ``g`` work)."""
    return _cv_app_get(None) is not None


def has_request_context() -> bool:
    """Whether a request is being handled (``request`` and ``session`` work)."""
    ctx = _cv_app_get(None)
    return ctx is not None and ctx._request is not None


def after_this_request(f: T_after_request) -> T_after_request:
    """Run ``f(response)`` after this request's view, before the app's
    ``after_request`` hooks; it must return a response."""
    ctx = _cv_app_get(None)
    if ctx is None or ctx._request is None:
        raise RuntimeError(
            "'after_this_request' can only be used while a request is being"
            " handled (inside a view or a before_request hook)."
        )
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so it runs in a copy of the current request's context,
    e.g. in a thread started from a view."""
    ctx = _cv_app_get(None)
    if ctx is None or ctx._request is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used while a request is"
            " being handled, so there is a context to copy."
        )
    copied = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def __getattr__(name: str) -> t.Any:
    # Names Flask's module has, not needed at run time here: made on use.
    if name == "ft":
        import importlib

        return importlib.import_module("flask.typing")
    if name == "T_after_request":
        from ._typevars import T_after_request

        return T_after_request
    if name in _SIGNALS:
        from . import signals

        return getattr(signals, name)
    if name == "RequestContext":
        import warnings

        warnings.warn(
            "'RequestContext' is deprecated: the request is part of 'AppContext'"
            " since Flask 3.2. Use 'AppContext' instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return AppContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The signals Flask's module imports, which load blinker here on first use.
_SIGNALS = frozenset({"appcontext_popped", "appcontext_pushed"})


def __dir__() -> list[str]:
    return sorted({*globals(), *_SIGNALS, "RequestContext", "ft", "T_after_request"})
