"""Registration shared by :class:`~flask.Flask` and :class:`~flask.Blueprint`.

Decorators here only record functions in dicts keyed by blueprint name
(``None`` is the app itself); the app turns them into per-request lists once.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from functools import cached_property
from functools import update_wrapper

from werkzeug.exceptions import default_exceptions
from werkzeug.exceptions import HTTPException

from .._lazy import lazy_names as _lazy_names
from .._lazy import typevar_names as _typevar_names
from .._paths import get_root_path

if t.TYPE_CHECKING:
    from click import Group
    from jinja2 import BaseLoader

    from .. import typing as ft
    from .._typevars import T_after_request
    from .._typevars import T_after_websocket
    from .._typevars import T_before_request
    from .._typevars import T_before_websocket
    from .._typevars import T_error_handler
    from .._typevars import T_route
    from .._typevars import T_teardown
    from .._typevars import T_template_context_processor
    from .._typevars import T_url_defaults
    from .._typevars import T_url_value_preprocessor
    from .._typevars import T_websocket

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_sentinel = object()

#: The ``add_url_rule`` option that marks a rule added by ``add_websocket``
#: (its view is a WebSocket handler, not a plain view that upgrades itself).
WEBSOCKET_HANDLER_OPTION = "_websocket_handler"

if t.TYPE_CHECKING:
    #: Error handlers: blueprint name -> status code (or None) -> class ->
    #: handler (an annotation only: flask.typing is not imported at run time).
    ErrorHandlerSpec = dict[
        ft.AppOrBlueprintKey,
        dict[int | None, dict[type[Exception], ft.ErrorHandlerCallable]],
    ]


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it once the app has handled a
    request (or the blueprint was registered) is an error, and calling it
    invalidates the app's precomputed dispatch tables."""
    f_name = f.__name__

    def wrapper_func(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(f_name)
        self._setup_changed()
        return f(self, *args, **kwargs)

    return update_wrapper(wrapper_func, f)  # type: ignore[return-value]


def _endpoint_from_view_func(view_func: ft.RouteCallable | None) -> str:  # pyright: ignore[reportUnusedFunction]
    """The default endpoint of a view: its function name."""
    if view_func is None:
        raise AssertionError("expected view func if endpoint is not provided.")
    return view_func.__name__


def _hooks_dict() -> dict[ft.AppOrBlueprintKey, list[t.Any]]:
    return defaultdict(list)


class Scaffold:
    """What an app and a blueprint have in common: routes, hooks, error
    handlers, template context processors, static and template folders."""

    cli: Group
    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        #: The name of the package or module this object belongs to.
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: Template folder relative to ``root_path``.
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        #: Absolute folder that relative paths are resolved against.
        self.root_path = root_path

        #: Endpoint name -> view function.
        self.view_functions: dict[str, ft.RouteCallable] = {}
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(
            lambda: defaultdict(dict)
        )
        self.before_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.BeforeRequestCallable]
        ] = _hooks_dict()
        self.after_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.AfterRequestCallable[t.Any]]
        ] = _hooks_dict()
        self.teardown_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.TeardownCallable]
        ] = _hooks_dict()
        self.template_context_processors: dict[
            ft.AppOrBlueprintKey, list[ft.TemplateContextProcessorCallable]
        ] = _hooks_dict()
        self.url_value_preprocessors: dict[
            ft.AppOrBlueprintKey, list[ft.URLValuePreprocessorCallable]
        ] = _hooks_dict()
        self.url_default_functions: dict[
            ft.AppOrBlueprintKey, list[ft.URLDefaultCallable]
        ] = _hooks_dict()
        self.before_websocket_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.BeforeWebsocketCallable]
        ] = _hooks_dict()
        self.after_websocket_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.AfterWebsocketCallable[t.Any]]
        ] = _hooks_dict()
        self.teardown_websocket_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.TeardownCallable]
        ] = _hooks_dict()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    def _setup_changed(self) -> None:
        """Called by every setup method; the app drops its dispatch caches."""

    # -- folders ---------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """Absolute path of the static folder, or ``None``."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set (it need not exist)."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """URL prefix of the static route; defaults to the folder's name."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """A loader for this object's template folder, if it has one."""
        if self.template_folder is not None:
            from jinja2 import FileSystemLoader

            return FileSystemLoader(os.path.join(self.root_path, self.template_folder))
        return None

    # -- routes ------------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> t.Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Shortcut for ``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``.

        ``options`` go to :meth:`add_url_rule` (``endpoint``, ``methods``,
        ``defaults``, ``strict_slashes``, ...).
        """

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule and, if given, its view function."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view for ``endpoint``,
        for a rule added without a view function."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- WebSockets ------------------------------------------------------------

    @setupmethod
    def websocket(
        self, rule: str, **options: t.Any
    ) -> t.Callable[[T_websocket], T_websocket]:
        """Register the decorated function as the WebSocket handler for
        ``rule``; see :meth:`add_websocket`."""

        def decorator(f: T_websocket) -> T_websocket:
            endpoint = options.pop("endpoint", None)
            self.add_websocket(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_websocket(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.WebsocketCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Register a WebSocket handler for ``rule``: a werkzeug rule with
        ``websocket=True``, so the same path may also have an HTTP route,
        and plain HTTP requests to a WebSocket-only path get 400.

        The handler talks to the client through :data:`flask.websocket`.
        ``options`` go to :meth:`add_url_rule` (``defaults``,
        ``strict_slashes``, ``subdomain``, ...); ``methods`` is not allowed.
        """
        if "methods" in options:
            raise TypeError("WebSocket routes do not take 'methods'.")
        options[WEBSOCKET_HANDLER_OPTION] = True
        self.add_url_rule(
            rule,
            endpoint,
            view_func,  # type: ignore[arg-type]
            provide_automatic_options=False,
            methods=("GET",),
            websocket=True,
            **options,
        )

    @setupmethod
    def before_websocket(self, f: T_before_websocket) -> T_before_websocket:
        """Run ``f()`` before each WebSocket handler; a value other than
        ``None`` is the response that rejects the handshake, and the
        handler does not run."""
        self.before_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_websocket(self, f: T_after_websocket) -> T_after_websocket:
        """Run ``f(response)`` when a WebSocket handler has returned:
        ``response`` is the response that will reject the handshake, or
        ``None`` (the connection was accepted); ``f`` returns it, or
        another one. Not called when an unhandled exception ends the
        connection."""
        self.after_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_websocket(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` once when a WebSocket connection ends, however
        it ends, with the unhandled exception or ``None``."""
        self.teardown_websocket_funcs.setdefault(None, []).append(f)
        return f

    # -- request hooks -------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each request; a non-``None`` return value is used
        as the response and the view is skipped."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each request; it must return a response.
        Not called when an unhandled exception ends the request."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` when the request's context is popped, always, with
        the unhandled exception or ``None``. Return values are ignored."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Register ``f()`` returning a dict merged into every template context."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Register ``f(endpoint, view_args)``, run before ``before_request``
        hooks; it may pop values from ``view_args``."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Register ``f(endpoint, values)`` to fill in URL values, in place,
        when building URLs."""
        self.url_default_functions[None].append(f)
        return f

    # -- error handlers --------------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function to handle an HTTP status code or an
        exception class (and its subclasses)."""

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self,
        code_or_exception: type[Exception] | int,
        f: ft.ErrorHandlerCallable,
    ) -> None:
        """Non-decorator form of :meth:`errorhandler`."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        """Normalise a handler key to ``(exception class, status code)``."""
        exc_class: type[Exception]
        if isinstance(exc_class_or_code, int):
            try:
                exc_class = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code."
                    " Use a subclass of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code

        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only"
                " be registered for Exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):  # pyright: ignore[reportUnnecessaryIsInstance]
            name = getattr(exc_class, "__name__", repr(exc_class))
            raise ValueError(
                f"'{name}' is not a subclass of Exception. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "ft": ".typing",
        "BaseLoader": "jinja2:BaseLoader",
        "FileSystemLoader": "jinja2:FileSystemLoader",
        "find_package": "._paths:find_package",
        "importlib": "importlib",
        "pathlib": "pathlib",
        "sys": "sys",
        **_typevar_names(
            "T_after_request",
            "T_before_request",
            "T_error_handler",
            "T_teardown",
            "T_template_context_processor",
            "T_url_defaults",
            "T_url_value_preprocessor",
            "T_route",
            "T_websocket",
            "T_before_websocket",
            "T_after_websocket",
        ),
    },
)
