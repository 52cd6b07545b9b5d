"""The ``flask`` command: app discovery, ``run``, ``shell``, ``routes`` and
the click groups apps and blueprints add their own commands to.

``Flask()`` imports this module for ``app.cli``, so it imports only click at
load time; the dev server, dotenv and ``ssl`` are imported when used.
"""

from __future__ import annotations

import os
import platform
import re
import traceback
import typing as t
from functools import update_wrapper

import click
from click.core import ParameterSource

from ._cli_discovery import find_app_by_string as find_app_by_string
from ._cli_discovery import find_best_app as find_best_app
from ._cli_discovery import locate_app as locate_app
from ._cli_discovery import NoAppException as NoAppException
from ._cli_discovery import prepare_import as prepare_import
from ._lazy import lazy_names as _lazy_names
from .globals import current_app
from .helpers import get_debug_flag
from .helpers import get_load_dotenv

if t.TYPE_CHECKING:
    from .app import Flask

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_NO_APP_MESSAGE = (
    "Could not locate a Flask application. Use the 'flask --app' option,"
    " 'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the"
    " current directory."
)

# ``module:name``, but not the colon of a Windows drive (``C:\...``).
_APP_PATH_SPLIT = re.compile(r":(?![\\/])")


class ScriptInfo:
    """What the ``flask`` command knows about the app it should load.

    Stored as the click context's ``obj``, so commands get it with
    :data:`pass_script_info`. :meth:`load_app` loads the app once and caches
    it.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Flask] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        #: The ``--app`` value: ``module``, ``module:name`` or a file path.
        self.app_import_path = app_import_path
        #: A function returning the app; used instead of the import path.
        self.create_app = create_app
        #: Free storage for commands and extensions.
        self.data: dict[t.Any, t.Any] = {}
        #: Set ``app.debug`` from ``FLASK_DEBUG`` after loading.
        self.set_debug_flag = set_debug_flag
        #: Load ``.env`` and ``.flaskenv``; off when ``FLASK_SKIP_DOTENV`` is set.
        self.load_dotenv_defaults: bool = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Flask | None = None

    def load_app(self) -> Flask:
        """Load the app (once): from :attr:`create_app`, the import path, or
        ``wsgi.py`` / ``app.py`` in the working directory."""
        if self._loaded_app is not None:
            return self._loaded_app

        app: Flask | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, *rest = _APP_PATH_SPLIT.split(self.app_import_path, maxsplit=1)
            name = rest[0] if rest else None
            app = locate_app(prepare_import(path), name)
        else:
            for default_file in ("wsgi.py", "app.py"):
                import_name = prepare_import(default_file)
                app = locate_app(import_name, None, raise_if_not_found=False)
                if app is not None:
                    break

        if app is None:
            raise NoAppException(_NO_APP_MESSAGE)

        if self.set_debug_flag:
            # Through the property, so settings that follow debug update too.
            app.debug = get_debug_flag()

        self._loaded_app = app
        return app


#: Decorator passing the context's :class:`ScriptInfo` as the first argument.
pass_script_info: t.Callable[[t.Callable[..., t.Any]], t.Callable[..., t.Any]] = (
    click.make_pass_decorator(ScriptInfo, ensure=True)
)


def with_appcontext(f: F) -> F:
    """Run the decorated click command inside the app's context, loading the
    app through the :class:`ScriptInfo` if no context is active.

    Commands registered with ``app.cli`` or an :class:`AppGroup` get this
    automatically.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run in the app context.

    ``command()`` accepts ``with_appcontext=False`` to opt out, and
    ``group()`` creates nested :class:`AppGroup` instances.
    """

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.command`, wrapping the callback with
        :func:`with_appcontext` unless ``with_appcontext=False`` is given."""
        wrap = kwargs.pop("with_appcontext", True)
        func: t.Callable[..., t.Any] | None = None
        if args and callable(args[0]):
            # Used bare: ``@app.cli.command``.
            func, args = args[0], args[1:]

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        if func is not None:
            return decorator(func)
        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.group`, defaulting ``cls`` to
        :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


# -- options of the ``flask`` group -------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return None
    ctx.ensure_object(ScriptInfo).app_import_path = value
    return None


def _set_debug(
    ctx: click.Context, param: click.Parameter, value: bool | None
) -> bool | None:
    # The flag defaults to None so "not given" is visible on every click
    # version; a value from default_map is not a user choice either.
    if value is None:
        return None
    source = ctx.get_parameter_source(param.name or "debug")
    if source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    # Through the environment, so the app factory sees it and app.debug is
    # set from it when the app is loaded.
    os.environ["FLASK_DEBUG"] = "1" if value else "0"
    return value


def _env_file_callback(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    try:
        import dotenv  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file.",
                ctx=ctx,
                param=param,
            ) from None

    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


# Declared before --app so that FLASK_APP can come from a dotenv file.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file. They override '.env' and"
        " '.flaskenv', but not variables already set in the environment."
        " Needs python-dotenv."
    ),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)

_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The app or app factory to load, as 'module:name'. The module is a"
        " dotted import name or a file path. The name may be left out when it"
        " is 'app', 'application', 'create_app' or 'make_app', and may be"
        " 'factory(args)' to call a factory with literal arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)

_debug_option: click.Option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    help="Turn debug mode on or off.",
    expose_value=False,
    callback=_set_debug,
)


def get_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Print the Python, Flask and Werkzeug versions and exit (the
    ``--version`` option's callback)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        flask_version = version("flask")
    except PackageNotFoundError:
        flask_version = "3.2.0.dev0"
    try:
        werkzeug_version = version("werkzeug")
    except PackageNotFoundError:  # pragma: no cover - werkzeug is required
        import werkzeug

        werkzeug_version = getattr(werkzeug, "__version__", "unknown")

    click.echo(
        f"Python {platform.python_version()}\n"
        f"Flask {flask_version}\n"
        f"Werkzeug {werkzeug_version}",
        color=ctx.color,
    )
    ctx.exit()


version_option: click.Option = click.Option(
    ["--version"],
    help="Print the Python, Flask and Werkzeug versions and exit.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


_LISTING_KEY = "flask.cli.listing_commands"


class FlaskGroup(AppGroup):
    """The ``flask`` command as a reusable click group.

    Adds ``--env-file``, ``--app`` and ``--debug`` (and ``--version``), the
    built-in commands, commands from the ``flask.commands`` entry points,
    and the loaded app's ``app.cli`` commands. Pass ``create_app`` to build a
    custom script for one app instead of using ``--app``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Flask] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)

        settings = extra.setdefault("context_settings", {})
        settings.setdefault("auto_envvar_prefix", "FLASK")

        super().__init__(params=params, **extra)

        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag

        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)

        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        """Add the commands that installed packages declare in the
        ``flask.commands`` entry point group (once)."""
        if self._loaded_plugin_commands:
            return
        self._loaded_plugin_commands = True

        from importlib.metadata import entry_points

        for ep in entry_points(group="flask.commands"):
            try:
                command = ep.load()
            except Exception as e:
                # One broken plugin must not take the whole CLI down.
                click.secho(
                    f"Warning: could not load the 'flask.commands' entry point"
                    f" {ep.name!r} ({ep.value}): {type(e).__name__}: {e}",
                    err=True,
                    fg="yellow",
                )
                continue
            self.add_command(command, ep.name)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:  # pyright: ignore[reportIncompatibleMethodOverride]
        self._load_plugin_commands()
        rv = super().get_command(ctx, name)
        if rv is not None:
            return rv

        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            # Say why the app's commands are missing before click says
            # "No such command".
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None

        # The app's commands (and their parameter callbacks) run in its
        # context. Not when the help lists them: click may never close the
        # context then (no arguments), which would leave the app pushed.
        listing = ctx.meta.get(_LISTING_KEY, False)
        if not listing and (
            not current_app or current_app._get_current_object() is not app  # type: ignore[attr-defined]
        ):
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        ctx.meta[_LISTING_KEY] = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            ctx.meta[_LISTING_KEY] = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            # Still show the help for the built-in commands.
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # Tells app.run() that it is inside "flask run" and must not start a
        # second server.
        os.environ["FLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Help is printed before the options are processed: apply the
            # dotenv files and FLASK_APP first so the app's commands show up.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


# -- dotenv ---------------------------------------------------------------------


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Set environment variables from dotenv files, without overriding
    variables that are already set.

    With ``load_defaults``, the nearest ``.flaskenv`` and ``.env`` (searched
    from the working directory upwards) are read, ``.env`` winning; the file
    at ``path`` wins over both. Returns whether any variable was read.
    Without python-dotenv, prints a tip if dotenv files are present and
    returns ``False``.
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".flaskenv"):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv"
                " to use them.",
                fg="yellow",
                err=True,
            )
        return False

    values: dict[str, str | None] = {}
    if load_defaults:
        for default_name in (".flaskenv", ".env"):
            found = dotenv.find_dotenv(default_name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))

    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)


# The built-in commands live in their own module; it imports the helpers
# above, so it is imported after them.
from ._cli_commands import CertParamType as CertParamType  # noqa: E402
from ._cli_commands import routes_command as routes_command  # noqa: E402
from ._cli_commands import run_command as run_command  # noqa: E402
from ._cli_commands import SeparatedPathType as SeparatedPathType  # noqa: E402
from ._cli_commands import shell_command as shell_command  # noqa: E402
from ._cli_commands import show_server_banner as show_server_banner  # noqa: E402

cli: FlaskGroup = FlaskGroup(
    name="flask",
    help=(
        "Run commands for a Flask application.\n\n"
        "Say which app to load with the '--app' option or the 'FLASK_APP'"
        " environment variable; without them, a 'wsgi.py' or 'app.py' file in"
        " the current directory is used."
    ),
)


def main() -> None:
    """Entry point of the ``flask`` console script and ``python -m flask``."""
    cli.main()


# ``flask.cli.run_simple`` resolves to Werkzeug's without importing the server
# module when the CLI is loaded just for ``app.cli``; the other names are ones
# Flask's module of the same name also exposes.
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "run_simple": "werkzeug.serving:run_simple",
        "ModuleType": "types:ModuleType",
        "ast": "ast",
        "cabc": "collections.abc",
        "import_string": "werkzeug.utils:import_string",
        "importlib": "importlib",
        "inspect": "inspect",
        "is_running_from_reloader": "werkzeug.serving:is_running_from_reloader",
        "itemgetter": "operator:itemgetter",
        "sys": "sys",
    },
)
