"""The built-in ``flask run``, ``flask shell`` and ``flask routes`` commands.

Re-exported by :mod:`flask.cli`, which imports this module after defining the
helpers used here.
"""

from __future__ import annotations

import os
import sys
import traceback
import typing as t
from operator import itemgetter

import click

from .cli import _debug_option
from .cli import pass_script_info
from .cli import ScriptInfo
from .cli import with_appcontext
from .globals import current_app
from .helpers import get_debug_flag

if t.TYPE_CHECKING:
    import ssl

    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask

# -- flask run --------------------------------------------------------------------


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on; skipped in
    the reloader's child process, which would repeat it."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return
    if app_import_path is not None:
        click.echo(f" * Serving Flask app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


if t.TYPE_CHECKING:
    _ParamTypeBase = click.ParamType[t.Any]
else:  # click < 8.3 has no generic ParamType
    _ParamTypeBase = click.ParamType


class CertParamType(_ParamTypeBase):
    """The ``--cert`` value: a certificate file, ``adhoc``, or the import
    path of an :class:`ssl.SSLContext`."""

    name = "path"

    def __init__(self) -> None:
        self.path_type: click.Path = click.Path(
            exists=True, dir_okay=False, resolve_path=True
        )

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            import ssl
        except ImportError:  # pragma: no cover - Python built without ssl
            raise click.BadParameter(
                'Using "--cert" requires Python to be compiled with SSL support.',
                ctx,
                param,
            ) from None

        try:
            return self.path_type(value, param, ctx)  # pyright: ignore[reportUnknownVariableType]
        except click.BadParameter:
            text: str = click.STRING(value, param, ctx).lower()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if text == "adhoc":
                try:
                    import cryptography  # noqa: F401  # pyright: ignore[reportMissingImports, reportUnusedImport]
                except ImportError:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography library.",
                        ctx,
                        param,
                    ) from None
                return text

            from werkzeug.utils import import_string

            obj = import_string(value, silent=True)
            if isinstance(obj, ssl.SSLContext):
                return obj
            # Neither: report the file error, the most likely intent.
            raise


def _validate_key(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """Check ``--key`` against ``--cert`` and combine them into the
    ``(cert, key)`` pair the server expects."""
    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    is_context = False
    if cert is not None and not isinstance(cert, str):
        import ssl

        is_context = isinstance(cert, ssl.SSLContext)

    if value is not None:
        if is_adhoc:
            raise click.BadParameter(
                'When "--cert" is "adhoc", "--key" is not used.', ctx, param
            )
        if is_context:
            raise click.BadParameter(
                'When "--cert" is an SSLContext object, "--key" is not used.',
                ctx,
                param,
            )
        if not cert:
            raise click.BadParameter('"--cert" must also be specified.', ctx, param)
        ctx.params["cert"] = cert, value
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    return value


class SeparatedPathType(click.Path):
    """A list of paths in one value, separated like ``PATH`` entries
    (``:``, or ``;`` on Windows); each is checked as a :class:`click.Path`."""

    def convert(  # type: ignore[override]
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> list[t.Any]:
        items = self.split_envvar_value(value)
        return [super(SeparatedPathType, self).convert(i, param, ctx) for i in items]


def _run_simple(*args: t.Any, **kwargs: t.Any) -> t.Any:
    # Looked up on each call so tests can patch ``werkzeug.serving.run_simple``
    # or ``flask.cli.run_simple``.
    import werkzeug.serving

    func = vars(sys.modules["flask.cli"]).get("run_simple")
    if func is None or getattr(func, "__module__", None) == "werkzeug.serving":
        func = werkzeug.serving.run_simple
    return func(*args, **kwargs)


@click.command("run", short_help="Start the development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The address to listen on.")
@click.option("--port", "-p", default=5000, help="The port to listen on.")
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    help="Serve HTTPS with this certificate file, 'adhoc', or an SSLContext.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The private key file for '--cert'.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart the server when code changes. On by default in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Show the interactive debugger on errors. On by default in debug mode.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Handle each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=(
        "More files whose changes restart the server, separated by"
        f" {os.path.pathsep!r}."
    ),
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=(
        "fnmatch patterns of files the reloader ignores, separated by"
        f" {os.path.pathsep!r}."
    ),
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with Werkzeug's development server.

    For development only: use a production WSGI server to deploy. In debug
    mode the reloader and the interactive debugger are on by default.
    """
    app: WSGIApplication  # pyright: ignore[reportRedeclaration]
    try:
        app = info.load_app()
    except Exception as e:
        if os.environ.get("WERKZEUG_RUN_MAIN") != "true":
            # Fail the command now, as a usage error when it is one.
            raise e from None
        # In the reloader's child, keep serving so that fixing the code
        # reloads it: show the error now and raise it for each request.
        traceback.print_exc()
        error = e

        def app(environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
            raise error from None

    debug = get_debug_flag()
    if reload is None:
        reload = debug
    if debugger is None:
        debugger = debug

    show_server_banner(debug, info.app_import_path)
    _run_simple(
        host,
        port,
        app,
        use_reloader=reload,
        use_debugger=debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


# "flask run --debug" works like "flask --debug run".
run_command.params.insert(0, _debug_option)


# -- flask shell ------------------------------------------------------------------


@click.command("shell", short_help="Start a Python shell with the app loaded.")
@with_appcontext
def shell_command() -> None:
    """Start an interactive Python shell in the app's context.

    The namespace holds 'app', 'g' and the names returned by the app's shell
    context processors. The file in PYTHONSTARTUP runs first, as in the
    plain interpreter.
    """
    import code

    app = t.cast("Flask", current_app._get_current_object())  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}

    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            exec(compile(f.read(), startup, "exec"), namespace)

    namespace.update(app.make_shell_context())

    # The interpreter's own start-up hook (history, tab completion), which
    # code.interact does not run by itself.
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # Complete names from the shell's namespace, not __main__'s.
            readline.set_completer(Completer(namespace).complete)
        hook()

    code.interact(banner=banner, local=namespace)


# -- flask routes -----------------------------------------------------------------


@click.command("routes", short_help="List the app's URL rules.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help=(
        "Order of the rows; 'match' is the order in which URLs are matched"
        " against the rules."
    ),
)
@click.option("--all-methods", is_flag=True, help="Also list HEAD and OPTIONS.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """List the app's URL rules: endpoint, methods and rule."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden: set[str] = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = url_map.host_matching

    def domain_of(rule: t.Any) -> str:
        return (rule.host if host_matching else rule.subdomain) or ""

    show_domain = any(domain_of(rule) for rule in rules)

    headers = ["Endpoint", "Methods"]
    columns = ["endpoint", "methods"]
    if show_domain:
        headers.append("Host" if host_matching else "Subdomain")
        columns.append("domain")
    headers.append("Rule")
    columns.append("rule")

    rows: list[list[str]] = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden))]
        if show_domain:
            row.append(domain_of(rule))
        row.append(rule.rule)
        rows.append(row)

    # "match" keeps the map's order; so does sorting by a column not shown.
    if sort in columns:
        rows.sort(key=itemgetter(columns.index(sort)))

    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    click.echo(line.format(*headers))
    click.echo(line.format(*("-" * w for w in widths)))
    for row in rows:
        click.echo(line.format(*row))
