"""The :class:`Flask` application: WSGI entry point and request pipeline.

The pipeline, top to bottom (see ``wsgi_app``)::

    push AppContext -> request_started -> url value preprocessors
    -> before_request hooks -> view (or a hook's response) -> make_response
    -> after_this_request callbacks -> after_request hooks -> save session
    -> request_finished; on error: handlers, else a 500;
    finally: teardown_request, teardown_appcontext, pop.
"""

from __future__ import annotations

import os
import sys
import typing as t
import warnings
import weakref
from datetime import timedelta
from inspect import CO_COROUTINE
from inspect import iscoroutinefunction
from types import FunctionType

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import RequestRedirect
from werkzeug.routing import RoutingException
from werkzeug.utils import cached_property

from . import _signal_slots as _slots
from ._hooks import CTX_HOOKS
from ._hooks import legacy_hooks_of_class
from ._hooks import legacy_hooks_of_instance
from ._hooks import own_methods
from ._lazy import lazy_names as _lazy_names
from ._lazy import LazyClassAttribute as _LazyClassAttribute
from ._lazy_context import environ_context as _environ_context
from ._plain import finish as _plain_finish
from ._plain import full_dispatch as _plain_full_dispatch
from ._plain import is_plain as _is_plain
from ._plain import PLAIN_METHODS
from ._plain import remember as _remember_plain
from ._plan import remember as _remember_plan
from ._resources import FileAccessMixin
from ._responses import make_response as _make_response
from ._responses import serve
from ._serving import PLAN_INPUTS
from ._serving import ServingMixin
from ._teardown import run_each
from ._teardown import send_each
from ._teardown import teardown_error
from ._template_context import default_template_ctx_processor
from ._urls import build_url
from ._urls import create_url_adapter as _create_url_adapter
from ._websocket_mixin import WebsocketMixin
from .ctx import _sentinel
from .ctx import AppContext
from .globals import _cv_app as _cv_app
from .globals import _cv_app_get
from .globals import g
from .globals import request
from .globals import session
from .helpers import _propagates
from .helpers import get_debug_flag
from .helpers import url_for
from .sansio.app import App
from .sessions import check_cookie_prefix
from .sessions import check_samesite
from .sessions import SecureCookieSessionInterface
from .sessions import SessionInterface
from .wrappers import Request
from .wrappers import Response

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import Map
    from werkzeug.routing import MapAdapter

    from . import typing as ft
    from ._cli_runner import FlaskCliRunner
    from .cli import AppGroup
    from .templating import DispatchingJinjaLoader
    from .templating import Environment
    from .testing import FlaskClient

T_shell = t.TypeVar("T_shell")

#: Default of arguments that the 3.1 calling form leaves out.
_missing: t.Any = object()
#: Attributes whose assignment changes what is derived from them.
#: The view arguments ``wsgi_app`` starts with (read only).
_NO_ARGS: dict[str, t.Any] = {}
_WATCHED = CTX_HOOKS | PLAN_INPUTS | frozenset(PLAIN_METHODS)


class Flask(FileAccessMixin, ServingMixin, WebsocketMixin, App):  # pyright: ignore[reportIncompatibleVariableOverride]
    """A WSGI application: the central object of a Flask project.

    ``import_name`` (usually ``__name__``) locates templates, static files and
    the instance folder relative to the app's package or module.
    """

    #: Every config key and its default value.
    default_config: dict[str, t.Any] = {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
        "WEBSOCKET_MAX_MESSAGE_SIZE": 1024 * 1024,
    }

    request_class: type[Request] = Request
    response_class: type[Response] = Response  # pyright: ignore[reportIncompatibleVariableOverride]
    #: The Jinja environment class (:class:`flask.templating.Environment`,
    #: imported with Jinja when first looked up).
    jinja_environment: type[Environment] = _LazyClassAttribute(  # type: ignore[assignment]
        ".templating:Environment"
    )
    #: Where sessions are loaded from and saved to.
    session_interface: SessionInterface = SecureCookieSessionInterface()

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
            static_url_path=static_url_path,
            static_folder=static_folder,
            static_host=static_host,
            host_matching=host_matching,
            subdomain_matching=subdomain_matching,
            template_folder=template_folder,
            instance_path=instance_path,
            instance_relative_config=instance_relative_config,
            root_path=root_path,
        )
        # The calling form of each dispatch method, decided now for methods
        # patched on the class after it was created (assignments on the app
        # update it in __setattr__).
        self.__dict__["_legacy_hooks"] = legacy_hooks_of_instance(self)
        self.__dict__["_plain_pipeline"] = _is_plain(self, Flask)

        self.template_context_processors[None].append(default_template_ctx_processor)

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError(
                    "'static_host' must be set if and only if 'host_matching'"
                    " is enabled (invalid static_host/host_matching combination)."
                )
            # A weak reference, so the app is not kept alive by its own URL map.
            self_ref = weakref.ref(self)

            def static_view(**kw: t.Any) -> Response:
                app = self_ref()
                assert app is not None
                return app.send_static_file(**kw)

            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=static_view,
            )

    @cached_property
    def cli(self) -> AppGroup:  # type: ignore[override]
        """Click group for this app's commands, run with the ``flask`` command;
        created (and click imported) on first use."""
        from .cli import AppGroup

        group = AppGroup()
        group.name = self.name
        return group

    # -- templates ---------------------------------------------------------

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Build the Jinja environment from :attr:`jinja_options` with Flask's
        globals, the ``tojson`` filter and autoescaping."""
        from .templating import _tojson_filter

        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        rv = self.jinja_environment(self, **options)
        from ._flash import get_flashed_messages

        rv.globals.update(
            url_for=url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        rv.policies["json.dumps_function"] = self.json.dumps
        rv.filters["tojson"] = _tojson_filter
        return rv

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader that searches the app's templates, then blueprints'."""
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape for HTML/XML/SVG templates and template strings."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    @property
    def templates_auto_reload(self) -> bool:
        """Whether templates are reloaded when changed (default: debug)."""
        rv = self.config["TEMPLATES_AUTO_RELOAD"]
        return rv if rv is not None else self.debug

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the values of the context processors that apply to the current
        request's blueprints; values passed explicitly win."""
        ctx = _cv_app_get(None)
        blueprint = None
        if ctx is not None and ctx._request is not None:
            blueprint = ctx._request.blueprint
        orig = context.copy()
        for func in self._hooks("context", blueprint):
            context.update(self.ensure_sync(func)())
        context.update(orig)

    def make_shell_context(self) -> dict[str, t.Any]:
        """Names available in ``flask shell``: ``app``, ``g`` and those of the
        shell context processors."""
        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    @t.overload
    def open_instance_resource(
        self,
        resource: str,
        mode: t.Literal[
            "rb", "wb", "ab", "xb", "r+b", "rb+", "w+b", "wb+", "a+b", "ab+"
        ] = "rb",
        encoding: str | None = ...,
    ) -> t.IO[bytes]: ...
    @t.overload
    def open_instance_resource(
        self,
        resource: str,
        mode: t.Literal["r", "rt", "w", "wt", "a", "at", "x", "xt", "r+", "w+", "a+"],
        encoding: str | None = ...,
    ) -> t.IO[str]: ...
    @t.overload
    def open_instance_resource(
        self, resource: str, mode: str, encoding: str | None = ...
    ) -> t.IO[t.Any]: ...
    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file relative to the instance folder (writing allowed):
        bytes in binary modes, else text in ``encoding`` (UTF-8 unless
        given, whatever the locale)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- running -------------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Run the development server. Not for production: use a WSGI server.

        Does nothing inside a ``flask run`` process, which already serves the
        app. ``options`` go to :func:`werkzeug.serving.run_simple`.
        """
        if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
            from werkzeug.serving import is_running_from_reloader

            if not is_running_from_reloader():
                print(
                    " * Ignoring a call to 'app.run()' that would block"
                    " the current 'flask' CLI command.\n"
                    "   Only call 'app.run()' in an 'if __name__ =="
                    ' "__main__"\' guard.'
                )
            return

        from . import cli as _cli
        from .helpers import get_load_dotenv

        if get_load_dotenv(load_dotenv):
            _cli.load_dotenv()
            if "FLASK_DEBUG" in os.environ:
                self.debug = get_debug_flag()

        if debug is not None:
            self.debug = bool(debug)

        server_name = self.config.get("SERVER_NAME")
        sn_host = sn_port = None
        if server_name:
            sn_host, _, sn_port = server_name.partition(":")
        if not host:
            host = sn_host or "127.0.0.1"
        if port or port == 0:
            port = int(port)
        elif sn_port:
            port = int(sn_port)
        else:
            port = 5000

        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)

        _cli.show_server_banner(self.debug, self.name)

        import werkzeug.serving

        try:
            werkzeug.serving.run_simple(t.cast(str, host), port, self, **options)
        finally:
            # A later request after a reloader restart starts fresh.
            self._got_first_request = False

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """A client that sends requests to the app without a server."""
        cls = self.test_client_class
        if cls is None:
            from .testing import FlaskClient

            cls = FlaskClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> FlaskCliRunner:
        """A runner that invokes the app's CLI commands in tests."""
        cls = self.test_cli_runner_class
        if cls is None:
            from ._cli_runner import FlaskCliRunner

            cls = FlaskCliRunner
        return cls(self, **kwargs)

    # -- contexts ------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A context without a request, e.g. for scripts and CLI commands."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> AppContext:
        """A context for the request described by ``environ``."""
        return AppContext.from_environ(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> AppContext:
        """A context for a request built from :class:`~flask.testing.EnvironBuilder`
        arguments (path, method, data, json, headers, ...)."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    # -- async -----------------------------------------------------------------

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func`` callable from sync code: coroutine functions are
        wrapped with :meth:`async_to_sync`."""
        if (
            type(func) is FunctionType
            and not func.__code__.co_flags & CO_COROUTINE
            and "_is_coroutine_marker" not in func.__dict__
        ):
            # What ``iscoroutinefunction`` decides for a plain function,
            # without its unwrapping calls: not a coroutine function.
            return func
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Wrap a coroutine function to run to completion when called (on
        this thread's event loop, reused across calls)."""
        # Imported here: asyncio is a noticeable part of start-up time and
        # most apps have no async views.
        from ._async import async_to_sync

        return async_to_sync(func)

    # -- URLs --------------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind the URL map for a request, or for ``SERVER_NAME`` without one."""
        return _create_url_adapter(self, request, _bind_to_environ)

    def url_for(
        self,
        endpoint: str,
        /,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build a URL for ``endpoint``; see :func:`flask.url_for`."""
        return build_url(self, endpoint, values, _anchor, _method, _scheme, _external)

    # -- the request pipeline ------------------------------------------------------
    #
    # Since Flask 3.2 the dispatch methods take the context first. A hook
    # overridden with the 3.1 signature (in a subclass or on the instance) is
    # listed in ``_legacy_hooks`` and called without it; the pipeline checks
    # that set at each call, and it is empty for a plain ``Flask``. Our own
    # methods accept both forms (the context omitted when one is active).

    #: Dispatch methods overridden with their 3.1 signature (no ``ctx``).
    _legacy_hooks: t.ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._legacy_hooks = legacy_hooks_of_class(cls)
        if "should_ignore_error" in cls.__dict__:
            warnings.warn(
                f"'{cls.__qualname__}.should_ignore_error' is deprecated and will"
                " be removed in a future version. Teardown functions receive"
                " every error; check for the ones to ignore there.",
                DeprecationWarning,
                stacklevel=2,
            )

    #: Whether the pipeline methods are Flask's own (see ``_plain``); set
    #: per app when it is created and when one is assigned on it.
    _plain_pipeline = False

    def __setattr__(self, name: str, value: t.Any) -> None:
        super().__setattr__(name, value)
        if name in _WATCHED:
            self._attribute_changed(name)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name in _WATCHED:
            self._attribute_changed(name)

    def _attribute_changed(self, name: str) -> None:
        """Decisions derived from this attribute are made again: the 3.1-style
        hook detection, and the ASGI door's per-app plan."""
        attrs = self.__dict__
        if name in CTX_HOOKS or name in PLAIN_METHODS:
            attrs["_legacy_hooks"] = legacy_hooks_of_instance(self)
            attrs["_plain_pipeline"] = _is_plain(self, Flask)
        attrs.pop("_plan", None)

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """The WSGI application; ``__call__`` calls it, so middleware can wrap
        ``app.wsgi_app`` and keep the app object."""
        if self._websocket_handlers and "HTTP_UPGRADE" in environ:
            from ._websocket_wsgi import has_websocket_upgrade
            from ._websocket_wsgi import serve_upgrade

            if has_websocket_upgrade(environ):
                rv = serve_upgrade(self, environ, start_response)
                if rv is not None:
                    return rv
        # A context whose request is built on first use, when the request
        # allows (see flask._lazy_context); with the view to call directly
        # if nothing of the user's runs around it.
        lazy = _environ_context(self, environ)
        view = None
        args: dict[str, t.Any] = _NO_ARGS
        bare = False
        ctx: AppContext
        if lazy is None:
            ctx = self.request_context(environ)
        else:
            ctx, view, args, bare = lazy
        legacy = self._legacy_hooks
        error: BaseException | None = None
        response: Response | tuple[list[tuple[str, str]], bytes]
        try:
            try:
                ctx.push()
                if view is not None:
                    # full_dispatch for a hookless sync view, found so by
                    # environ_context before the push.
                    try:
                        value = view(**args)
                    except Exception as e:
                        value = self.handle_user_exception(ctx, e)
                        response = self.finalize_request(ctx, value)
                    else:
                        response = _plain_finish(self, ctx, value, bare)
                elif "full_dispatch_request" in legacy:
                    response = self.full_dispatch_request()
                elif self._plain_pipeline:
                    response = _plain_full_dispatch(self, ctx)
                else:
                    response = self.full_dispatch_request(ctx)
            except Exception as e:
                error = e
                if "handle_exception" in legacy:
                    response = self.handle_exception(e)  # type: ignore[arg-type]
                else:
                    response = self.handle_exception(ctx, e)
            except BaseException as e:
                error = e
                raise
            if isinstance(response, tuple):
                # A str or dict for which no response object was needed.
                headers, data = response
                start_response("200 OK", headers)
                return [data]
            return serve(response, environ, start_response)
        finally:
            if "werkzeug.debug.preserve_context" in environ:
                environ["werkzeug.debug.preserve_context"](ctx)
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def full_dispatch_request(self, ctx: AppContext | None = None) -> Response:
        """Run the hooks and the view for the request of ``ctx``, and finalize
        the response; handled errors become responses here."""
        if ctx is None:
            ctx = _cv_app_get()
        if not self._got_first_request:
            self._start_serving()
        legacy = self._legacy_hooks
        try:
            if _slots.request_started.receivers:
                _slots.request_started.send(self, _async_wrapper=self.ensure_sync)
            if "preprocess_request" in legacy:
                rv = self.preprocess_request()
            else:
                rv = self.preprocess_request(ctx)
            if rv is None:
                if "dispatch_request" in legacy:
                    rv = self.dispatch_request()
                else:
                    rv = self.dispatch_request(ctx)
        except Exception as e:
            if "handle_user_exception" in legacy:
                rv = self.handle_user_exception(e)  # type: ignore[arg-type]
            else:
                rv = self.handle_user_exception(ctx, e)
        if "finalize_request" in legacy:
            return self.finalize_request(rv)  # type: ignore[arg-type]
        return self.finalize_request(ctx, rv)

    def _start_serving(self) -> None:
        """First-request work: freeze setup, drop stale dispatch caches and
        validate settings that would otherwise fail on some later response."""
        check_samesite(self.config["SESSION_COOKIE_SAMESITE"])
        check_cookie_prefix(self)
        self._got_first_request = True
        self._setup_changed()

    def preprocess_request(
        self, ctx: AppContext | None = None
    ) -> ft.ResponseReturnValue | None:
        """Run URL value preprocessors, then ``before_request`` hooks; return
        the first non-``None`` hook value, which becomes the response."""
        if ctx is None:
            ctx = _cv_app_get()
        req = ctx._request
        assert req is not None
        blueprint = req.blueprint
        for func in self._hooks("url_value", blueprint):
            func(req.endpoint, req.view_args)
        for func in self._hooks("before", blueprint):
            rv = self.ensure_sync(func)()
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        return None

    def dispatch_request(self, ctx: AppContext | None = None) -> ft.ResponseReturnValue:
        """Call the view matched for the request of ``ctx`` (or raise the
        routing error: 404, 405, redirect)."""
        if ctx is None:
            ctx = _cv_app_get()
        req = ctx._request
        assert req is not None
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule = req.url_rule
        assert rule is not None
        if req.method == "OPTIONS" and getattr(
            rule, "provide_automatic_options", False
        ):
            if "make_default_options_response" in self._legacy_hooks:
                return self.make_default_options_response()
            return self.make_default_options_response(ctx)
        view_args: dict[str, t.Any] = req.view_args  # type: ignore[assignment]
        return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)  # type: ignore[no-any-return]

    def finalize_request(
        self,
        ctx: AppContext = _missing,
        rv: ft.ResponseReturnValue | HTTPException = _missing,
        from_error_handler: bool = False,
    ) -> Response:
        """Turn ``rv`` into a response and run response processing. An error
        during processing of an error response is logged, not raised."""
        # 3.1 form: (rv, from_error_handler); typed for the 3.2 form, called in
        # the 3.1 form too.
        if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
            if ctx is not _missing:
                if rv is not _missing:
                    from_error_handler = t.cast(bool, rv)
                rv = ctx
            ctx = _cv_app_get()
        response = self.make_response(rv)
        try:
            if "process_response" in self._legacy_hooks:
                response = self.process_response(response)  # type: ignore[arg-type]
            else:
                response = self.process_response(ctx, response)
            if _slots.request_finished.receivers:
                _slots.request_finished.send(
                    self, _async_wrapper=self.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def make_response(self, rv: ft.ResponseReturnValue | HTTPException) -> Response:
        """Convert a view's return value to a :attr:`response_class` instance.

        Accepts str, bytes, bytearray, dict, list, a generator or iterator,
        a response object, a WSGI callable, or a tuple ``(body, status)``,
        ``(body, headers)`` or ``(body, status, headers)``.
        """
        return _make_response(self, rv)

    def process_response(
        self, ctx: AppContext = _missing, response: Response = _missing
    ) -> Response:
        """Run ``after_this_request`` callbacks and ``after_request`` hooks,
        then save the session."""
        if response is _missing or ctx is _missing:  # 3.1 form: (response)
            if response is _missing:
                response = t.cast(Response, ctx)
            ctx = _cv_app_get()
        req = ctx._request
        assert req is not None
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for func in self._hooks("after", req.blueprint):
            response = self.ensure_sync(func)(response)
        self._save_session(ctx, response)
        return response

    def _save_session(self, ctx: AppContext, response: Response) -> None:
        """The end of :meth:`process_response`: save the session (opening it
        where it must be refreshed or saved anyway) and mark the response
        done. Shared with the ASGI adapter, which runs the hooks itself."""
        req = ctx._request
        assert req is not None
        interface = self.session_interface
        sess = ctx._session_value
        if sess is None and (
            type(interface) is not SecureCookieSessionInterface
            or (
                "HTTP_COOKIE" in req.environ
                and self.config["SESSION_REFRESH_EACH_REQUEST"]
                and interface.get_cookie_name(self) in req.cookies
            )
        ):
            # Not used by this request, but a permanent cookie session is
            # refreshed, and another session interface is opened and saved
            # on every request as it expects.
            sess = ctx.session
        if sess is not None and not interface.is_null_session(sess):
            interface.save_session(self, sess, response)
        ctx._response_done = True

    def make_default_options_response(self, ctx: AppContext | None = None) -> Response:
        """The response to an automatic ``OPTIONS`` request: the ``Allow``
        header lists the methods the URL accepts."""
        if ctx is None:
            ctx = _cv_app_get()
        adapter = ctx.url_adapter
        assert adapter is not None
        rv = self.response_class()
        rv.allow.update(adapter.allowed_methods())
        return rv

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error; in debug mode, a redirect that would drop
        a form body raises an explanatory error instead."""
        exc = request.routing_exception
        assert exc is not None
        if (
            not self.debug
            or not isinstance(exc, RequestRedirect)
            or exc.code in {307, 308}
            or request.method in {"GET", "HEAD", "OPTIONS"}
        ):
            raise exc
        from .debughelpers import FormDataRoutingRedirect

        raise FormDataRoutingRedirect(request)

    # -- error handling -----------------------------------------------------------

    def handle_http_exception(
        self, ctx: AppContext = _missing, e: HTTPException = _missing
    ) -> HTTPException | ft.ResponseReturnValue:
        """Use the registered handler for an HTTP error, or the error itself
        as the response. Redirects from routing are never handled."""
        # 3.1 form: (e); typed for the 3.2 form, called in the 3.1 form too.
        if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
            if e is _missing:
                e = ctx
            ctx = _cv_app_get()
        if e.code is None or isinstance(e, RoutingException):
            return e
        req = ctx._request
        handler = self._find_error_handler(e, req.blueprints if req else [])
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_user_exception(
        self, ctx: AppContext = _missing, e: Exception = _missing
    ) -> HTTPException | ft.ResponseReturnValue:
        """Handle an exception raised by a hook or view: HTTP errors go to
        :meth:`handle_http_exception`, others to a registered handler or are
        re-raised."""
        # 3.1 form: (e); typed for the 3.2 form, called in the 3.1 form too.
        if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
            if e is _missing:
                e = ctx
            ctx = _cv_app_get()
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            if "handle_http_exception" in self._legacy_hooks:
                return self.handle_http_exception(e)  # type: ignore[arg-type]
            return self.handle_http_exception(ctx, e)
        req = ctx._request
        handler = self._find_error_handler(e, req.blueprints if req else [])
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_exception(
        self, ctx: AppContext = _missing, e: Exception = _missing
    ) -> Response:
        """Handle an unhandled exception: propagate it in debug/testing mode
        (``PROPAGATE_EXCEPTIONS``), else log it and respond with a 500."""
        # 3.1 form: (e); typed for the 3.2 form, called in the 3.1 form too.
        if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
            if e is _missing:
                e = ctx
            ctx = _cv_app_get()
        exc_info = sys.exc_info()
        if _slots.got_request_exception.receivers:
            _slots.got_request_exception.send(
                self, _async_wrapper=self.ensure_sync, exception=e
            )
        if _propagates(self):
            if exc_info[1] is e:
                raise
            raise e

        legacy = self._legacy_hooks
        if "log_exception" in legacy:
            self.log_exception(exc_info)  # type: ignore[arg-type]
        else:
            self.log_exception(ctx, exc_info)
        server_error: InternalServerError | ft.ResponseReturnValue
        server_error = InternalServerError(original_exception=e)
        req = ctx._request
        handler = self._find_error_handler(server_error, req.blueprints if req else [])
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        if "finalize_request" in legacy:
            return self.finalize_request(server_error, from_error_handler=True)  # type: ignore[arg-type]
        return self.finalize_request(ctx, server_error, from_error_handler=True)

    def log_exception(
        self,
        ctx: AppContext = _missing,
        exc_info: tuple[type, BaseException, t.Any]
        | tuple[None, None, None] = _missing,
    ) -> None:
        """Log an unhandled exception with the request's path and method."""
        # 3.1 form: (exc_info); typed for the 3.2 form, called in the 3.1 form too.
        if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
            if exc_info is _missing:
                exc_info = ctx
            ctx = _cv_app_get()
        req = ctx.request
        self.logger.error(f"Exception on {req.path} [{req.method}]", exc_info=exc_info)

    # -- teardown ---------------------------------------------------------------

    def do_teardown_request(
        self,
        ctx: AppContext = _sentinel,  # type: ignore[assignment]
        exc: BaseException | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        """Run ``teardown_request`` functions (innermost blueprint first), then
        the ``request_tearing_down`` receivers; all run even if some raise,
        and their errors are raised together afterwards (an exception group,
        or the first error on Python 3.10)."""
        if exc is _sentinel or ctx is _sentinel:  # 3.1 forms, or only (ctx)
            # typed for the 3.2 form, called in the 3.1 form too.
            if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
                if exc is _sentinel:
                    exc = t.cast("BaseException | None", ctx)
                ctx = _cv_app_get()
            if exc is _sentinel:
                exc = sys.exc_info()[1]
        req = ctx._request
        errors: list[Exception] = []
        funcs = self._hooks("teardown", req.blueprint if req else None)
        if funcs:
            run_each(self, funcs, exc, errors)
        if _slots.request_tearing_down.receivers:
            send_each(_slots.request_tearing_down, self, errors, exc=exc)
        if errors:
            raise teardown_error("request teardown", errors)

    def do_teardown_appcontext(
        self,
        ctx: AppContext = _sentinel,  # type: ignore[assignment]
        exc: BaseException | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        """Run ``teardown_appcontext`` functions in reverse registration
        order, then the ``appcontext_tearing_down`` receivers; all run even
        if some raise, and their errors are raised together afterwards."""
        if exc is _sentinel:  # 3.1 forms, or only (ctx)
            # typed for the 3.2 form, called in the 3.1 form too.
            if not isinstance(ctx, AppContext):  # pyright: ignore[reportUnnecessaryIsInstance]
                exc = t.cast("BaseException | None", ctx)
            if exc is _sentinel:
                exc = sys.exc_info()[1]
        errors: list[Exception] = []
        if self.teardown_appcontext_funcs:
            run_each(self, reversed(self.teardown_appcontext_funcs), exc, errors)
        if _slots.appcontext_tearing_down.receivers:
            send_each(_slots.appcontext_tearing_down, self, errors, exc=exc)
        if errors:
            raise teardown_error("app teardown", errors)


def _bind_to_environ(
    url_map: Map, environ: WSGIEnvironment, **kwargs: t.Any
) -> MapAdapter:
    """``url_map.bind_to_environ``, called from this module so werkzeug's
    "Current server name ... doesn't match" warning comes from ``flask.app``,
    as in Flask: warning filters name that module."""
    return url_map.bind_to_environ(environ, **kwargs)


own_methods(Flask)
# Flask's own pipeline methods, kept once to notice one replaced on a class.
_remember_plain(_remember_plan(Flask))

# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "ft": ".typing",
        **{
            name: f".signals:{name}"
            for name in (
                "appcontext_tearing_down",
                "got_request_exception",
                "request_finished",
                "request_started",
                "request_tearing_down",
            )
        },
        "BaseResponse": "werkzeug.wrappers:Response",
        "DispatchingJinjaLoader": ".templating:DispatchingJinjaLoader",
        "Environment": ".templating:Environment",
        "BuildError": "werkzeug.routing:BuildError",
        "Headers": "werkzeug.datastructures:Headers",
        "ImmutableDict": "werkzeug.datastructures:ImmutableDict",
        "MapAdapter": "werkzeug.routing:MapAdapter",
        "RequestContext": ".ctx:RequestContext",
        "Rule": "werkzeug.routing:Rule",
        "T_shell_context_processor": ".sansio.app:T_shell_context_processor",
        "T_teardown": ".sansio.app:T_teardown",
        "T_template_filter": ".sansio.app:T_template_filter",
        "T_template_global": ".sansio.app:T_template_global",
        "T_template_test": ".sansio.app:T_template_test",
        "TracebackType": "types:TracebackType",
        "cabc": "collections.abc",
        "chain": "itertools:chain",
        "cli": ".cli",
        "click": "click",
        "current_app": ".globals:current_app",
        "get_flashed_messages": "._flash:get_flashed_messages",
        "get_host": "werkzeug.wsgi:get_host",
        "get_load_dotenv": ".helpers:get_load_dotenv",
        "is_running_from_reloader": "werkzeug.serving:is_running_from_reloader",
        "request_ctx": ".globals:request_ctx",
        "send_from_directory": ".helpers:send_from_directory",
    },
)
