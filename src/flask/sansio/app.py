"""The registration half of the application: config, URL map, blueprints and
the dispatch tables precomputed from what was registered."""

from __future__ import annotations

import logging
import os
import sys
import typing as t
from datetime import timedelta

from werkzeug.exceptions import Aborter
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.routing import BuildError
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.sansio.response import Response
from werkzeug.utils import cached_property
from werkzeug.utils import redirect as _wz_redirect

from .._builders import defer_builders
from .._lazy import lazy_names as _lazy_names
from .._lazy import typevar_names as _typevar_names
from .._paths import auto_find_instance_path
from ..config import Config
from ..config import ConfigAttribute
from ..ctx import _AppCtxGlobals
from ..helpers import get_debug_flag
from ..json.provider import DefaultJSONProvider
from ..json.provider import JSONProvider
from .scaffold import _endpoint_from_view_func
from .scaffold import Scaffold
from .scaffold import setupmethod
from .scaffold import WEBSOCKET_HANDLER_OPTION

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response as BaseResponse

    from .. import typing as ft
    from .._typevars import T_shell_context_processor
    from .._typevars import T_teardown
    from .._typevars import T_template_filter
    from .._typevars import T_template_global
    from .._typevars import T_template_test
    from ..testing import FlaskClient
    from ..testing import FlaskCliRunner
    from .blueprints import Blueprint


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _blueprint_chain(name: str | None) -> tuple[str, ...]:
    """``"a.b.c"`` -> ``("a.b.c", "a.b", "a")``: innermost blueprint first."""
    if not name:
        return ()
    parts = name.split(".")
    return tuple(".".join(parts[:i]) for i in range(len(parts), 0, -1))


#: Hook kind -> (attribute holding the functions, run innermost first?).
_HOOK_SOURCES: dict[str, tuple[str, bool]] = {
    "before": ("before_request_funcs", False),
    "url_value": ("url_value_preprocessors", False),
    "context": ("template_context_processors", False),
    "url_defaults": ("url_default_functions", False),
    "after": ("after_request_funcs", True),
    "teardown": ("teardown_request_funcs", True),
    "before_websocket": ("before_websocket_funcs", False),
    "after_websocket": ("after_websocket_funcs", True),
    "teardown_websocket": ("teardown_websocket_funcs", True),
}


class App(Scaffold):
    """Application registration state shared by WSGI and other front ends."""

    #: Class used for ``app.aborter`` (what :func:`~flask.abort` raises with).
    aborter_class: type[Aborter] = Aborter
    #: Class used for :data:`~flask.g`.
    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals
    #: Class used for ``app.config``.
    config_class: type[Config] = Config
    #: Class used for ``app.json``.
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: Options passed to the Jinja environment.
    jinja_options: dict[str, t.Any] = {}
    #: Rule and Map classes used for routing.
    url_rule_class: type[Rule] = Rule
    url_map_class: type[Map] = Map
    #: Classes returned by :meth:`test_client` and :meth:`test_cli_runner`.
    test_client_class: type[FlaskClient] | None = None
    test_cli_runner_class: type[FlaskCliRunner] | None = None

    default_config: dict[str, t.Any]
    response_class: type[Response]
    #: Whether a WebSocket handler was registered (``add_websocket``).
    _websocket_handlers: bool = False

    #: The ``TESTING`` config value: exceptions propagate to the test client.
    testing: ConfigAttribute[bool] = ConfigAttribute("TESTING")
    #: The ``SECRET_KEY`` config value, used to sign the session cookie.
    secret_key: ConfigAttribute[str | bytes | None] = ConfigAttribute("SECRET_KEY")
    #: The ``PERMANENT_SESSION_LIFETIME`` config value, as a timedelta.
    permanent_session_lifetime: ConfigAttribute[timedelta] = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME",
        get_converter=_make_timedelta,  # type: ignore[arg-type]
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute."
                " A relative path was given instead."
            )
        #: Folder for files that are not under version control (config, db).
        self.instance_path = instance_path
        #: The app's :class:`~flask.Config`, a dict of settings.
        self.config: Config = self.make_config(instance_relative_config)
        #: The :class:`~werkzeug.exceptions.Aborter` that :func:`flask.abort` calls.
        self.aborter: Aborter = self.make_aborter()
        #: The JSON provider: ``app.json.dumps``, ``app.json.response`` ...
        self.json: JSONProvider = self.json_provider_class(self)
        #: Handlers called by ``url_for`` when building a URL fails.
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = []
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        #: Registered blueprints by their (dotted) name.
        self.blueprints: dict[str, Blueprint] = {}
        #: A place for extensions to keep per-app state.
        self.extensions: dict[str, t.Any] = {}
        #: The :class:`~werkzeug.routing.Map` of all URL rules.
        self.url_map: Map = self.url_map_class(host_matching=host_matching)
        # <int:> and <float:> match ASCII digits only (see flask._converters).
        from .._converters import use_ascii_number_converters

        use_ascii_number_converters(self.url_map)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self._websocket_handlers = False
        # Keyed by (kind, blueprint) for hook tables, by other tuples for
        # the doors' tables, by flask._plain.hooks_key for hookless.
        self._dispatch_cache: dict[t.Any, t.Any] = {}
        self._handler_cache: dict[
            tuple[type[BaseException], tuple[str, ...]],
            ft.ErrorHandlerCallable | None,
        ] = {}

    # -- identity and config ----------------------------------------------

    @cached_property
    def name(self) -> str:  # pyright: ignore[reportIncompatibleVariableOverride]
        """The app's name: the import name, or the script's name for
        ``__main__``."""
        if self.import_name == "__main__":
            fn: str | None = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    @cached_property
    def logger(self) -> logging.Logger:
        """The ``logging`` logger named after the app."""
        # flask.logging is imported when an app first logs, not with flask.
        from ..logging import create_logger

        return create_logger(self)

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create ``app.config`` from :attr:`default_config`, with ``DEBUG``
        taken from the ``FLASK_DEBUG`` environment variable."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create ``app.aborter``, used by :func:`flask.abort`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """The instance folder used when none is passed to the constructor."""
        return auto_find_instance_path(self.import_name, self.root_path)

    @property
    def debug(self) -> bool:
        """Whether debug mode is on (the ``DEBUG`` config key)."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in vars(self):
            self.jinja_env.auto_reload = value  # type: ignore[attr-defined]

    @property
    def got_first_request(self) -> bool:
        """Whether the app has started handling a request."""
        return self._got_first_request

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the"
                " application. It has already handled its first request, any"
                " changes will not be applied consistently.\n"
                "Make sure all imports, decorators, functions, etc. needed to"
                " set up the application are done before running it."
            )

    def _setup_changed(self) -> None:
        self._dispatch_cache.clear()
        self._handler_cache.clear()

    # -- registration ----------------------------------------------------------

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register a blueprint's routes, hooks and handlers on the app.

        Options (``url_prefix``, ``subdomain``, ``url_defaults``, ``name``,
        ``cli_group``) override the blueprint's own for this registration.
        """
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        websocket_handler = options.pop(WEBSOCKET_HANDLER_OPTION, False)
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required_methods: set[str] = set(getattr(view_func, "required_methods", ()))

        if provide_automatic_options is None:
            provide_automatic_options = getattr(
                view_func, "provide_automatic_options", None
            )
        if provide_automatic_options is None:
            provide_automatic_options = (
                "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            )
        if provide_automatic_options:
            # Also when asked for explicitly (argument or view attribute),
            # whatever PROVIDE_AUTOMATIC_OPTIONS says.
            required_methods.add("OPTIONS")

        rule_obj = self.url_rule_class(
            rule, methods=methods | required_methods, **options
        )
        rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
        if websocket_handler:
            # Read by both doors: the view is a WebSocket handler.
            rule_obj.websocket_handler = True  # type: ignore[attr-defined]
            self._websocket_handlers = True
        defer_builders(rule_obj)
        self.url_map.add(rule_obj)
        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint"
                    f" function: {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` whenever an app context is popped (after every
        request and every ``app_context()`` block). Return values are ignored."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(
        self, f: T_shell_context_processor
    ) -> T_shell_context_processor:
        """Register ``f()`` returning names for the ``flask shell`` namespace."""
        self.shell_context_processors.append(f)
        return f

    # -- template helpers (usable with or without parentheses) ----------------

    def _template_decorator(
        self, kind: str, name: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], t.Callable[..., t.Any]] | t.Any:
        add = getattr(self, f"add_template_{kind}")
        if callable(name):
            add(name)
            return name

        def decorator(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
            add(f, name=name)
            return f

        return decorator

    @t.overload
    def template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def template_filter(self, name: t.Any = None) -> t.Any:
        """Register a Jinja filter, named after the function unless ``name``."""
        return self._template_decorator("filter", name)

    @setupmethod
    def add_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_filter`."""
        self.jinja_env.filters[name or f.__name__] = f  # type: ignore[attr-defined]

    @t.overload
    def template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def template_test(self, name: t.Any = None) -> t.Any:
        """Register a Jinja test, named after the function unless ``name``."""
        return self._template_decorator("test", name)

    @setupmethod
    def add_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_test`."""
        self.jinja_env.tests[name or f.__name__] = f  # type: ignore[attr-defined]

    @t.overload
    def template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def template_global(self, name: t.Any = None) -> t.Any:
        """Register a Jinja global, named after the function unless ``name``."""
        return self._template_decorator("global", name)

    @setupmethod
    def add_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f  # type: ignore[attr-defined]

    # -- dispatch tables ------------------------------------------------------

    def _hooks(self, kind: str, blueprint: str | None) -> tuple[t.Any, ...]:
        """The functions of one hook kind that apply to a request in
        ``blueprint``, in call order; computed once per (kind, blueprint).

        Kinds: ``before`` and ``url_value`` run app first, then outer to inner
        blueprint; ``after`` and ``teardown`` run innermost first, each list
        in reverse registration order; ``context`` like ``before``.
        """
        key = (kind, blueprint)
        try:
            found: tuple[t.Any, ...] = self._dispatch_cache[key]
            return found
        except KeyError:
            pass
        attr, innermost_first = _HOOK_SOURCES[kind]
        source: dict[str | None, list[t.Any]] = getattr(self, attr)
        names = _blueprint_chain(blueprint)
        funcs: list[t.Any] = []
        if innermost_first:
            for name in (*names, None):
                funcs.extend(reversed(source.get(name, ())))
        else:
            for name in (None, *reversed(names)):
                funcs.extend(source.get(name, ()))
        result = tuple(funcs)
        self._dispatch_cache[key] = result
        return result

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> ft.ErrorHandlerCallable | None:
        """The handler for ``e``: by status code before class, innermost
        blueprint before the app, nearest class in the MRO first."""
        key = (type(e), tuple(blueprints))
        try:
            return self._handler_cache[key]
        except KeyError:
            pass
        exc_class, code = self._get_exc_class_and_code(type(e))
        handler = None
        spec = self.error_handler_spec
        for c in (code, None) if code is not None else (None,):
            for name in (*blueprints, None):
                handler_map = spec.get(name, {}).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        break
                if handler is not None:
                    break
            if handler is not None:
                break
        self._handler_cache[key] = handler
        return handler

    # -- errors ----------------------------------------------------------------

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should be raised to the caller (for the
        debugger) instead of being turned into an error response."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if (
            trap_bad_request is None
            and self.debug
            and isinstance(e, BadRequestKeyError)
        ):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return ``True`` to hide ``error`` from teardown functions.

        Deprecated since 3.2: overriding it warns; an override is still used.
        """
        return False

    # -- URLs --------------------------------------------------------------------

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Call the ``url_defaults`` functions that apply to ``endpoint`` (app
        ones, then those of its blueprints, outer to inner)."""
        blueprint = endpoint.rpartition(".")[0] if "." in endpoint else None
        for func in self._hooks("url_defaults", blueprint):
            func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Give each ``url_build_error_handlers`` entry a chance to return a
        URL; re-raise the error if none does."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e  # the handler raised a more precise error
                continue
            if rv is not None:  # pyright: ignore[reportUnnecessaryComparison]
                return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    def redirect(self, location: str, code: int = 303) -> BaseResponse:
        """Create a redirect response (``flask.redirect`` calls this)."""
        return _wz_redirect(
            location,
            code=code,
            Response=self.response_class,  # type: ignore[arg-type]
        )


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "ft": ".typing",
        "DispatchingJinjaLoader": ".templating:DispatchingJinjaLoader",
        "Environment": ".templating:Environment",
        "chain": "itertools:chain",
        "find_package": "._paths:find_package",
        "create_logger": ".logging:create_logger",
        **_typevar_names(
            "T_shell_context_processor",
            "T_teardown",
            "T_template_filter",
            "T_template_global",
            "T_template_test",
        ),
    },
)
