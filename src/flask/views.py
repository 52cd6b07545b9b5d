"""Class-based views: :class:`View` and the per-method :class:`MethodView`.

``as_view`` turns a class into an ordinary view function for
``add_url_rule``; the function carries ``view_class``, ``methods`` and
``provide_automatic_options`` so routing reads them like any other view.
"""

from __future__ import annotations

import typing as t

from . import typing as ft
from .globals import _cv_app_get
from .globals import current_app
from .globals import request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The handler names :class:`MethodView` looks for, one per HTTP method.
http_method_funcs: frozenset[str] = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


def _ensure_sync(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """``current_app.ensure_sync(func)``, reading the context variable
    directly on the hot path and using the proxy (for its error message) when
    no app context is active."""
    ctx = _cv_app_get(None)
    app = current_app if ctx is None else ctx.app
    return app.ensure_sync(func)


class View:
    """Subclass and implement :meth:`dispatch_request`, then register
    ``MyView.as_view("name")`` as a view function.

    Class attributes configure the generated function: ``methods`` (the
    allowed HTTP methods), ``provide_automatic_options``, ``decorators``
    (applied in order, innermost first) and ``init_every_request``. With
    ``init_every_request = False`` one instance serves every request, so it
    must not keep per-request state on ``self``.
    """

    #: HTTP methods the view accepts; ``None`` leaves the choice to the rule.
    methods: t.ClassVar[t.Collection[str] | None] = None

    #: Whether the route answers ``OPTIONS`` itself; ``None`` uses the app's
    #: default.
    provide_automatic_options: t.ClassVar[bool | None] = None

    #: Decorators applied to the generated view function, first one innermost.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []

    #: Create a new instance for every request (``True``) or once, when
    #: ``as_view`` is called (``False``, cheaper).
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self, *args: t.Any, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Handle the request; URL variables arrive as keyword arguments.
        Must be implemented by subclasses."""
        raise NotImplementedError()

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> ft.RouteCallable:
        """Return a view function named ``name`` for this class.

        ``class_args`` and ``class_kwargs`` are passed to the constructor,
        either per request or once (see ``init_every_request``). The function
        runs ``dispatch_request`` through ``app.ensure_sync``, so it may be a
        coroutine function.
        """
        if cls.init_every_request:

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                # Read the class from the outermost function so that a later
                # ``view.view_class = Other`` takes effect.
                instance = outer.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return _ensure_sync(instance.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        else:
            shared = cls(*class_args, **class_kwargs)

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                return _ensure_sync(shared.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        outer: t.Callable[..., t.Any] = view
        if cls.decorators:
            # Decorators using functools.wraps copy these, e.g. for endpoints.
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                outer = decorator(outer)

        # Set on the outermost function, which is what gets registered.
        outer.view_class = cls  # type: ignore[attr-defined]
        outer.__name__ = name
        outer.__doc__ = cls.__doc__
        outer.__module__ = cls.__module__
        outer.methods = cls.methods  # type: ignore[attr-defined]
        outer.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return outer


class MethodView(View):
    """A view that dispatches each request to the method named after the
    HTTP method (``get``, ``post``, ...).

    ``methods`` is filled in when a subclass is defined, from the handlers it
    has and the ``methods`` of its bases, unless the subclass sets it. HEAD
    falls back to ``get``. Handlers may be ``async def``.
    """

    methods: t.ClassVar[t.Collection[str] | None]

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            base_methods = getattr(base, "methods", None)
            if base_methods:
                methods.update(base_methods)
        for name in http_method_funcs:
            if hasattr(cls, name):
                methods.add(name.upper())
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Call the handler for the request's method with the URL variables.

        Raises ``AssertionError`` when the class has no handler for it, which
        only happens if ``methods`` lists a method without one.
        """
        ctx = _cv_app_get(None)
        method = (request if ctx is None else ctx.request).method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            raise AssertionError(f"Unimplemented method {method!r}")
        app = current_app if ctx is None else ctx.app
        return app.ensure_sync(handler)(**kwargs)  # type: ignore[no-any-return]
