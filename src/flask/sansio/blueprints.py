"""Blueprints: groups of routes and hooks recorded now, applied to an app when
the blueprint is registered (possibly several times, possibly nested)."""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict

from werkzeug.utils import cached_property

from .._lazy import lazy_names as _lazy_names
from .._lazy import typevar_names as _typevar_names
from .scaffold import _endpoint_from_view_func
from .scaffold import _sentinel
from .scaffold import Scaffold
from .scaffold import setupmethod

if t.TYPE_CHECKING:
    from .. import typing as ft
    from .._typevars import T_after_request
    from .._typevars import T_after_websocket
    from .._typevars import T_before_request
    from .._typevars import T_error_handler
    from .._typevars import T_teardown
    from .._typevars import T_template_context_processor
    from .._typevars import T_template_filter
    from .._typevars import T_template_global
    from .._typevars import T_template_test
    from .._typevars import T_url_defaults
    from .._typevars import T_url_value_preprocessor
    from .app import App


def _join_prefix(outer: str | None, inner: str | None) -> str | None:
    """Join two URL prefixes with exactly one slash between them."""
    if outer is not None and inner is not None:
        return outer.rstrip("/") + "/" + inner.lstrip("/")
    return inner if inner is not None else outer


def _join_subdomain(outer: str | None, inner: str | None) -> str | None:
    """A nested blueprint's subdomain goes in front of its parent's."""
    if outer is not None and inner is not None:
        return f"{inner}.{outer}"
    return inner if inner is not None else outer


class BlueprintSetupState:
    """What a deferred setup function sees when its blueprint is registered:
    the app and the options of this registration."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: App,
        options: t.Any,
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        #: Whether this is the first time this blueprint is registered.
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain: str | None = (
            blueprint.subdomain if subdomain is None else subdomain
        )
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = (
            blueprint.url_prefix if url_prefix is None else url_prefix
        )
        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults: dict[str, t.Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with this registration's prefix, subdomain,
        defaults and dotted endpoint name."""
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else self.url_prefix
            )
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


#: What ``Blueprint.record`` takes: called with the setup state on registration.
DeferredSetupFunction = t.Callable[[BlueprintSetupState], None]


class Blueprint(Scaffold):
    """A set of routes, hooks, error handlers and templates to register on
    an app, under a name that prefixes its endpoints (``"bp.view"``)."""

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults: dict[str, t.Any] = url_defaults or {}
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the"
                f" blueprint '{self.name}'. It has already been registered at"
                " least once, any changes will not be applied consistently.\n"
                "Make sure all imports, decorators, functions, etc. needed to"
                " set up the blueprint are done before registering it."
            )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` each time the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` only on the blueprint's first registration."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def make_setup_state(
        self, app: App, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state passed to deferred setup functions."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: it is registered, with prefixes and
        subdomains joined, whenever this blueprint is."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: App, options: dict[str, t.Any]) -> None:
        """Apply the blueprint to ``app`` (called by ``app.register_blueprint``)."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")

        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            where = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {which}"
                f" blueprint{where}. Use 'name=' to provide a unique name."
            )

        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        app._setup_changed()
        state = self.make_setup_state(app, options, first_bp_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,  # type: ignore[attr-defined]
                endpoint="static",
            )

        self._merge_blueprint_funcs(app, name)

        for deferred in self.deferred_functions:
            deferred(state)

        self._register_cli(app, name, options)

        for blueprint, bp_options in self._blueprints:
            bp_options = bp_options.copy()
            bp_options["subdomain"] = _join_subdomain(
                state.subdomain,
                bp_options.get("subdomain") or blueprint.subdomain,
            )
            inner_prefix = bp_options.get("url_prefix")
            if inner_prefix is None:
                inner_prefix = blueprint.url_prefix
            bp_options["url_prefix"] = _join_prefix(state.url_prefix, inner_prefix)
            bp_options["name_prefix"] = name
            blueprint.register(app, bp_options)

    def _register_cli(self, app: App, name: str, options: dict[str, t.Any]) -> None:
        cli_group = options.get("cli_group", self.cli_group)
        # The group is created on first access: one never accessed is empty.
        if "cli" not in vars(self) and isinstance(
            getattr(type(self), "cli", None), cached_property
        ):
            return
        if not self.cli.commands:
            return
        if cli_group is None:
            app.cli.commands.update(self.cli.commands)
            return
        self.cli.name = name if cli_group is _sentinel else cli_group
        app.cli.add_command(self.cli)

    def _merge_blueprint_funcs(self, app: App, name: str) -> None:
        """Copy this blueprint's hooks and handlers into the app's dicts under
        the blueprint's registered name."""

        def key_for(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[key_for(key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )

        app.view_functions.update(self.view_functions)

        for attr in (
            "before_request_funcs",
            "after_request_funcs",
            "teardown_request_funcs",
            "url_default_functions",
            "url_value_preprocessors",
            "template_context_processors",
            "before_websocket_funcs",
            "after_websocket_funcs",
            "teardown_websocket_funcs",
        ):
            bp_dict = getattr(self, attr)
            app_dict = getattr(app, attr)
            for key, funcs in bp_dict.items():
                merged = app_dict.setdefault(key_for(key), [])
                for f in funcs:
                    if f not in merged:
                        merged.append(f)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a URL rule, added to the app under ``"<bp name>.<endpoint>"``
        when the blueprint is registered."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # -- app-wide template helpers ---------------------------------------------

    def _app_template_decorator(self, kind: str, name: t.Any) -> t.Any:
        add = getattr(self, f"add_app_template_{kind}")
        if callable(name):
            add(name)
            return name

        def decorator(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
            add(f, name=name)
            return f

        return decorator

    def _add_app_jinja(
        self, kind: str, f: t.Callable[..., t.Any], name: str | None
    ) -> None:
        def register(state: BlueprintSetupState) -> None:
            getattr(state.app.jinja_env, kind)[name or f.__name__] = f  # type: ignore[attr-defined]

        self.record_once(register)

    @t.overload
    def app_template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def app_template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def app_template_filter(self, name: t.Any = None) -> t.Any:
        """Register a Jinja filter for the whole app."""
        return self._app_template_decorator("filter", name)

    @setupmethod
    def add_app_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`app_template_filter`."""
        self._add_app_jinja("filters", f, name)

    @t.overload
    def app_template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def app_template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def app_template_test(self, name: t.Any = None) -> t.Any:
        """Register a Jinja test for the whole app."""
        return self._app_template_decorator("test", name)

    @setupmethod
    def add_app_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`app_template_test`."""
        self._add_app_jinja("tests", f, name)

    @t.overload
    def app_template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def app_template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def app_template_global(self, name: t.Any = None) -> t.Any:
        """Register a Jinja global for the whole app."""
        return self._app_template_decorator("global", name)

    @setupmethod
    def add_app_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`app_template_global`."""
        self._add_app_jinja("globals", f, name)

    # -- app-wide hooks --------------------------------------------------------

    def _on_app(self, attr: str, f: t.Any, key: str | None = None) -> None:
        def register(state: BlueprintSetupState) -> None:
            target = getattr(state.app, attr)
            if isinstance(target, list):
                target.append(f)  # pyright: ignore[reportUnknownMemberType]
            else:
                target.setdefault(key, []).append(f)

        self.record_once(register)

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like ``before_request``, for every request of the app."""
        self._on_app("before_request_funcs", f)
        return f

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like ``after_request``, for every request of the app."""
        self._on_app("after_request_funcs", f)
        return f

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like ``teardown_request``, for every request of the app."""
        self._on_app("teardown_request_funcs", f)
        return f

    @setupmethod
    def before_app_websocket(self, f: T_before_request) -> T_before_request:
        """Like ``before_websocket``, for every WebSocket of the app."""
        self._on_app("before_websocket_funcs", f)
        return f

    @setupmethod
    def after_app_websocket(self, f: T_after_websocket) -> T_after_websocket:
        """Like ``after_websocket``, for every WebSocket of the app."""
        self._on_app("after_websocket_funcs", f)
        return f

    @setupmethod
    def teardown_app_websocket(self, f: T_teardown) -> T_teardown:
        """Like ``teardown_websocket``, for every WebSocket of the app."""
        self._on_app("teardown_websocket_funcs", f)
        return f

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like ``context_processor``, for every template of the app."""
        self._on_app("template_context_processors", f)
        return f

    @setupmethod
    def app_errorhandler(
        self, code: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Like ``errorhandler``, for errors anywhere in the app."""

        def decorator(f: T_error_handler) -> T_error_handler:
            def register(state: BlueprintSetupState) -> None:
                state.app.errorhandler(code)(f)

            self.record_once(register)
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Like ``url_value_preprocessor``, for every request of the app."""
        self._on_app("url_value_preprocessors", f)
        return f

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like ``url_defaults``, for every endpoint of the app."""
        self._on_app("url_default_functions", f)
        return f


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "ft": ".typing",
        "update_wrapper": "functools:update_wrapper",
        **_typevar_names(
            "T_after_request",
            "T_after_websocket",
            "T_before_request",
            "T_error_handler",
            "T_teardown",
            "T_template_context_processor",
            "T_template_filter",
            "T_template_global",
            "T_template_test",
            "T_url_defaults",
            "T_url_value_preprocessor",
        ),
    },
)
