"""The ``flask`` command line: app discovery, the groups, dotenv, and the
``run``, ``shell`` and ``routes`` commands.

Most tests drive click in-process; the ones at the end run ``python -m
flask`` (and the ``flask`` script) as real subprocesses. Apps loaded by
``--app`` live in tests/apps/.
"""

from __future__ import annotations

import contextlib
import os
import signal
import ssl
import subprocess
import sys
import time
import types
import typing as t
import urllib.request
from importlib.metadata import EntryPoint

import click
import pytest
import server_process
from click.testing import CliRunner

import flask
from flask import Blueprint
from flask import current_app
from flask import Flask
from flask.cli import AppGroup
from flask.cli import CertParamType
from flask.cli import find_app_by_string
from flask.cli import find_best_app
from flask.cli import FlaskGroup
from flask.cli import get_version
from flask.cli import load_dotenv
from flask.cli import locate_app
from flask.cli import NoAppException
from flask.cli import pass_script_info
from flask.cli import prepare_import
from flask.cli import routes_command
from flask.cli import run_command
from flask.cli import ScriptInfo
from flask.cli import SeparatedPathType
from flask.cli import shell_command
from flask.cli import show_server_banner
from flask.cli import version_option
from flask.cli import with_appcontext

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
APPS_DIR = os.path.join(TESTS_DIR, "apps")
DOTENV_DIR = os.path.join(APPS_DIR, "dotenv_proj")
SRC_DIR = os.path.dirname(os.path.dirname(os.path.abspath(flask.__file__)))
NO_APP_MSG = (
    "Could not locate a Flask application. Use the 'flask --app' option,"
    " 'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the"
    " current directory."
)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any) -> t.Iterator[None]:
    """Undo what loading apps does to the process: ``sys.path`` entries,
    imported app modules, and the variables the CLI sets."""
    for name in ("FLASK_RUN_FROM_CLI", "WERKZEUG_RUN_MAIN", "PYTHONSTARTUP"):
        monkeypatch.delenv(name, raising=False)
    # Only the plugins a test declares.
    monkeypatch.setattr("importlib.metadata.entry_points", lambda **kw: [])
    old_path = sys.path[:]
    old_modules = set(sys.modules)
    yield
    sys.path[:] = old_path
    roots = (APPS_DIR, str(tmp_path))
    for name in set(sys.modules) - old_modules:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if file.startswith(roots):
            del sys.modules[name]
    for name in ("FLASK_RUN_FROM_CLI", "FLASK_DEBUG"):
        os.environ.pop(name, None)


@pytest.fixture
def in_apps(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(APPS_DIR)
    return APPS_DIR


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()


def _module(name: str, **attrs: t.Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


# -- find_best_app ---------------------------------------------------------------


def test_find_best_app_prefers_app_then_application() -> None:
    a, b, c = Flask("a"), Flask("b"), Flask("c")
    assert find_best_app(_module("m", app=a, application=b, other=c)) is a
    assert find_best_app(_module("m", application=b, other=c)) is b


def test_find_best_app_single_instance_any_name() -> None:
    a = Flask("a")
    assert find_best_app(_module("m", myapp=a, value=1)) is a


def test_find_best_app_subclass() -> None:
    class MyFlask(Flask):
        pass

    a = MyFlask("a")
    assert find_best_app(_module("m", thing=a)) is a


def test_find_best_app_multiple() -> None:
    mod = _module("mod", one=Flask("a"), two=Flask("b"))
    with pytest.raises(NoAppException) as e:
        find_best_app(mod)
    assert e.value.format_message() == (
        "Detected multiple Flask applications in module 'mod'."
        " Use 'mod:name' to specify the correct one."
    )
    # The same app under two names also counts twice.
    same = Flask("s")
    with pytest.raises(NoAppException, match="Detected multiple"):
        find_best_app(_module("mod", one=same, two=same))


@pytest.mark.parametrize("factory_name", ["create_app", "make_app"])
def test_find_best_app_factories(factory_name: str) -> None:
    made = Flask("made")
    assert find_best_app(_module("m", **{factory_name: lambda: made})) is made


def test_find_best_app_create_app_before_make_app() -> None:
    first, second = Flask("first"), Flask("second")
    mod = _module("m", create_app=lambda: first, make_app=lambda: second)
    assert find_best_app(mod) is first
    # A factory that returns something else is passed over.
    mod = _module("m", create_app=lambda: None, make_app=lambda: second)
    assert find_best_app(mod) is second


def test_find_best_app_factory_needs_arguments() -> None:
    def create_app(config: str) -> Flask:
        return Flask(config)

    with pytest.raises(NoAppException) as e:
        find_best_app(_module("mod", create_app=create_app))
    assert e.value.format_message() == (
        "Detected factory 'create_app' in module 'mod', but could not call it"
        " without arguments. Use 'mod:create_app(args)' to specify arguments."
    )
    assert isinstance(e.value.__cause__, TypeError)


def test_find_best_app_type_error_inside_factory_propagates() -> None:
    def create_app() -> Flask:
        raise TypeError("raised by the factory body")

    with pytest.raises(TypeError, match="raised by the factory body"):
        find_best_app(_module("mod", create_app=create_app))


def test_find_best_app_nothing_found() -> None:
    mod = _module("mod", create_app="not a function", value=Flask)
    with pytest.raises(NoAppException) as e:
        find_best_app(mod)
    assert e.value.format_message() == (
        "Failed to find Flask application or factory in module 'mod'."
        " Use 'mod:name' to specify one."
    )


# -- find_app_by_string ----------------------------------------------------------


def _factory_module() -> types.ModuleType:
    def create_app(name: str = "default", *, suffix: str = "") -> Flask:
        return Flask(name + suffix)

    def needs_two(a: t.Any, b: t.Any) -> Flask:
        return Flask(f"{a}{b}")

    def broken() -> Flask:
        raise TypeError("inside")

    return _module(
        "mod",
        app=Flask("plain"),
        create_app=create_app,
        needs_two=needs_two,
        broken=broken,
        returns_none=lambda: None,
        text="not an app",
        Flask=Flask,
    )


@pytest.mark.parametrize(
    ("expr", "name"),
    [
        ("app", "plain"),
        (" app ", "plain"),
        ("create_app", "default"),
        ("create_app()", "default"),
        ("create_app('dev')", "dev"),
        ("create_app( 'dev' )", "dev"),
        ("create_app('a', suffix='b')", "ab"),
        ("create_app(name='kw')", "kw"),
        ('needs_two(1, b="2")', "12"),
        ("needs_two([1], (2,))", "[1](2,)"),
        # "**mapping" has no keyword name and is skipped.
        ("create_app('x', **{'suffix': 'y'})", "x"),
        # Parentheses after an app instance are ignored.
        ("app()", "plain"),
    ],
)
def test_find_app_by_string(expr: str, name: str) -> None:
    assert find_app_by_string(_factory_module(), expr).name == name


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("1 + 1", "Failed to parse '1 + 1' as an attribute name or function call."),
        ("create_app(", "Failed to parse 'create_app(' as an attribute name or"),
        ("", "Failed to parse '' as an attribute name or function call."),
        ("a.b", "Failed to parse 'a.b' as an attribute name or function call."),
        ("lambda: 1", "Failed to parse 'lambda: 1' as an attribute name"),
        ("a.b()", "Function reference must be a simple name: 'a.b()'."),
        (
            "create_app('a')()",
            "Function reference must be a simple name: \"create_app('a')()\".",
        ),
        (
            "create_app(x)",
            "Failed to parse arguments as literal values: 'create_app(x)'.",
        ),
        (
            "create_app(*['a'])",
            "Failed to parse arguments as literal values: \"create_app(*['a'])\".",
        ),
        ("nope", "Failed to find attribute 'nope' in 'mod'."),
        ("nope()", "Failed to find attribute 'nope' in 'mod'."),
        (
            "needs_two(1)",
            "The factory 'needs_two(1)' in module 'mod' could not be called"
            " with the specified arguments.",
        ),
        (
            "returns_none",
            "A valid Flask application was not obtained from 'mod:returns_none'.",
        ),
        ("text", "A valid Flask application was not obtained from 'mod:text'."),
        # A class is not a factory function.
        (
            "Flask('x')",
            "A valid Flask application was not obtained from 'mod:Flask('x')'.",
        ),
    ],
)
def test_find_app_by_string_errors(expr: str, message: str) -> None:
    with pytest.raises(NoAppException) as e:
        find_app_by_string(_factory_module(), expr)
    assert e.value.format_message().startswith(message)


def test_find_app_by_string_type_error_inside_factory_propagates() -> None:
    with pytest.raises(TypeError, match="inside"):
        find_app_by_string(_factory_module(), "broken")


# -- prepare_import and locate_app -----------------------------------------------


def test_prepare_import_file(tmp_path: t.Any) -> None:
    (tmp_path / "hello.py").write_text("")
    assert prepare_import(str(tmp_path / "hello.py")) == "hello"
    assert sys.path[0] == str(tmp_path)
    # Not inserted twice.
    assert prepare_import(str(tmp_path / "hello")) == "hello"
    assert sys.path.count(str(tmp_path)) == 1


def test_prepare_import_packages(tmp_path: t.Any) -> None:
    pkg = tmp_path / "project" / "pkg" / "inner"
    pkg.mkdir(parents=True)
    (tmp_path / "project" / "pkg" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text("")
    project = str(tmp_path / "project")

    assert prepare_import(str(pkg / "mod.py")) == "pkg.inner.mod"
    assert sys.path[0] == project
    assert prepare_import(str(pkg / "__init__.py")) == "pkg.inner"
    assert prepare_import(str(pkg) + os.sep) == "pkg.inner"
    assert prepare_import(str(tmp_path / "project" / "pkg")) == "pkg"


def test_prepare_import_dotted_name(in_apps: str) -> None:
    # A dotted name is relative to the working directory.
    assert prepare_import("pkg.web") == "pkg.web"
    assert sys.path[0] == in_apps


def test_locate_app(in_apps: str) -> None:
    assert locate_app(prepare_import("simple_app"), None).name == "simple_app"
    assert locate_app(prepare_import("pkg"), None).name == "pkg"
    assert locate_app(prepare_import("pkg/web.py"), "app").name == "pkg.web"
    app = locate_app(prepare_import("factory_app"), "create_named('n', suffix='!')")
    assert app.name == "n!"


def test_locate_app_missing_module(in_apps: str) -> None:
    with pytest.raises(NoAppException) as e:
        locate_app("not_a_module_xyz", None)
    assert e.value.format_message() == "Could not import 'not_a_module_xyz'."
    assert locate_app("not_a_module_xyz", None, raise_if_not_found=False) is None
    prepare_import("pkg")
    with pytest.raises(NoAppException, match=r"^Could not import 'pkg\.nosuch'\.$"):
        locate_app("pkg.nosuch", None)


def test_locate_app_import_error_inside_module(in_apps: str) -> None:
    prepare_import("import_error_app.py")
    with pytest.raises(NoAppException) as e:
        # Even when missing modules are allowed: this one exists but fails.
        locate_app("import_error_app", None, raise_if_not_found=False)
    message = e.value.format_message()
    assert message.startswith(
        "While importing 'import_error_app', an ImportError was raised:\n\n"
        "Traceback (most recent call last):\n"
    )
    assert "import_error_app.py" in message
    assert message.rstrip().endswith(
        "ModuleNotFoundError: No module named 'a_module_that_does_not_exist_xyz'"
    )


# -- ScriptInfo ------------------------------------------------------------------


def test_script_info_create_app_and_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def create_app() -> Flask:
        calls.append(1)
        return Flask("made")

    info = ScriptInfo(create_app=create_app)
    assert info.data == {}
    app = info.load_app()
    assert app.name == "made"
    assert info.load_app() is app
    assert calls == [1]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("simple_app", "simple_app"),
        ("simple_app.py", "simple_app"),
        ("application_attr", "application_attr"),
        ("single_other", "single_other"),
        ("make_factory", "made_by_make_app"),
        ("multi_app:second", "multi_second"),
        ("factory_app:create_named('x', suffix='y')", "xy"),
        ("factory_app: create_app", "factory_default"),
        ("pkg", "pkg"),
        ("pkg/", "pkg"),
        ("pkg.web", "pkg.web"),
        ("pkg/web.py:app", "pkg.web"),
        (os.path.join(APPS_DIR, "simple_app.py"), "simple_app"),
        (os.path.join(APPS_DIR, "multi_app.py") + ":first", "multi_first"),
    ],
)
def test_script_info_import_path(in_apps: str, path: str, name: str) -> None:
    assert ScriptInfo(app_import_path=path).load_app().name == name


@pytest.mark.parametrize(
    ("folder", "name"),
    [("default_wsgi", "default_wsgi_app"), ("default_app", "default_app_app")],
)
def test_script_info_default_files(
    monkeypatch: pytest.MonkeyPatch, folder: str, name: str
) -> None:
    monkeypatch.chdir(os.path.join(APPS_DIR, folder))
    assert ScriptInfo().load_app().name == name


def test_script_info_nothing_to_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoAppException) as e:
        ScriptInfo().load_app()
    assert e.value.format_message() == NO_APP_MSG
    with pytest.raises(NoAppException, match="^Could not locate"):
        ScriptInfo(create_app=lambda: None).load_app()


def test_script_info_debug_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    def create_app() -> Flask:
        app = Flask("d")
        app.debug = True
        return app

    # FLASK_DEBUG decides, even against the app's own setting.
    assert ScriptInfo(create_app=create_app).load_app().debug is False
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert ScriptInfo(create_app=lambda: Flask("d")).load_app().debug is True
    monkeypatch.setenv("FLASK_DEBUG", "0")
    info = ScriptInfo(create_app=create_app, set_debug_flag=False)
    assert info.load_app().debug is True


def test_script_info_skip_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_SKIP_DOTENV")
    assert ScriptInfo().load_dotenv_defaults is True
    assert ScriptInfo(load_dotenv_defaults=False).load_dotenv_defaults is False
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    assert ScriptInfo().load_dotenv_defaults is False
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "false")
    assert ScriptInfo().load_dotenv_defaults is True


# -- with_appcontext, AppGroup ---------------------------------------------------


def test_with_appcontext(cli_runner: CliRunner) -> None:
    app = Flask("ctx_app")

    @click.command()
    @with_appcontext
    def show() -> None:
        """Show the app."""
        click.echo(current_app.name)

    assert show.name == "show"
    assert show.help == "Show the app."
    result = cli_runner.invoke(show, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0
    assert result.output == "ctx_app\n"

    # An active context is used as is.
    with app.app_context():
        result = cli_runner.invoke(show, obj=ScriptInfo(create_app=lambda: None))
    assert result.output == "ctx_app\n"


def test_with_appcontext_no_app(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any
) -> None:
    monkeypatch.chdir(tmp_path)

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    result = cli_runner.invoke(show)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {NO_APP_MSG}\n")


def test_app_group(cli_runner: CliRunner) -> None:
    app = Flask("group_app")
    group = AppGroup("main")

    @group.command()
    def with_ctx() -> None:
        click.echo(f"with {current_app.name}")

    @group.command(with_appcontext=False)
    def without_ctx() -> None:
        click.echo(f"without {bool(current_app)}")

    @group.command
    def bare() -> None:
        click.echo(f"bare {current_app.name}")

    @group.command("renamed", help="Custom help.")
    def some_function() -> None:
        click.echo("renamed")

    @group.group()
    def sub() -> None:
        """A nested group."""

    assert isinstance(sub, AppGroup)

    @sub.command()
    def inner() -> None:
        click.echo(f"inner {current_app.name}")

    assert isinstance(bare, click.Command)
    assert sorted(group.commands) == [
        "bare",
        "renamed",
        "sub",
        "with-ctx",
        "without-ctx",
    ]
    assert group.commands["renamed"].help == "Custom help."
    obj = ScriptInfo(create_app=lambda: app)
    for args, output in [
        (["with-ctx"], "with group_app\n"),
        (["without-ctx"], "without False\n"),
        (["bare"], "bare group_app\n"),
        (["renamed"], "renamed\n"),
        (["sub", "inner"], "inner group_app\n"),
    ]:
        result = cli_runner.invoke(group, args, obj=obj)
        assert result.exit_code == 0, result.output
        assert result.output == output


def test_pass_script_info(cli_runner: CliRunner) -> None:
    @click.command()
    @pass_script_info
    def show(info: ScriptInfo) -> None:
        click.echo(f"{type(info).__name__} {info.app_import_path}")

    result = cli_runner.invoke(show, obj=ScriptInfo(app_import_path="x:y"))
    assert result.output == "ScriptInfo x:y\n"
    # Created when missing.
    assert cli_runner.invoke(show).output == "ScriptInfo None\n"


def test_app_cli_through_test_cli_runner(app: Flask) -> None:
    @app.cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        click.echo(f"hi {name} from {current_app.name}")

    result = app.test_cli_runner().invoke(args=["greet", "Ann"])
    assert result.exit_code == 0
    assert result.output == "hi Ann from flask_test\n"
    assert app.cli.name == app.name


def test_blueprint_cli_groups(cli_runner: CliRunner) -> None:
    app = Flask("bp_app")
    nested = Blueprint("students", __name__)
    renamed = Blueprint("other_bp", __name__, cli_group="teachers")
    merged = Blueprint("merged", __name__, cli_group=None)
    for bp in (nested, renamed, merged):

        @bp.cli.command("create")
        @click.argument("name")
        def create(name: str, _bp: Blueprint = bp) -> None:
            click.echo(f"{_bp.name} {name} {current_app.name}")

    app.register_blueprint(nested)
    app.register_blueprint(renamed)
    app.register_blueprint(merged)
    group = FlaskGroup(create_app=lambda: app)
    for args, output in [
        (["students", "create", "ann"], "students ann bp_app\n"),
        (["teachers", "create", "bob"], "other_bp bob bp_app\n"),
        (["create", "cy"], "merged cy bp_app\n"),
    ]:
        result = cli_runner.invoke(group, args)
        assert result.exit_code == 0, result.output
        assert result.output == output


# -- FlaskGroup ------------------------------------------------------------------


def test_flask_group_create_app(cli_runner: CliRunner) -> None:
    app = Flask("group_factory")

    @app.cli.command()
    def hello() -> None:
        """Say hello."""
        click.echo(f"hello {current_app.name}")

    group = FlaskGroup(create_app=lambda: app)
    result = cli_runner.invoke(group, ["hello"])
    assert result.exit_code == 0
    assert result.output == "hello group_factory\n"
    assert os.environ["FLASK_RUN_FROM_CLI"] == "true"

    result = cli_runner.invoke(group, ["--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    for name in ("hello", "routes", "run", "shell"):
        assert f"\n  {name} " in result.output
    for option in ("-e, --env-file FILE", "-A, --app IMPORT", "--debug / --no-debug"):
        assert option in result.output
    assert "--version" in result.output


def test_flask_group_options(cli_runner: CliRunner) -> None:
    group = FlaskGroup(
        name="custom",
        help="My custom help.",
        create_app=lambda: Flask("x"),
        add_default_commands=False,
        add_version_option=False,
        params=[click.Option(["--extra"], expose_value=False)],
    )
    assert group.commands == {}
    result = cli_runner.invoke(group, ["--help"])
    assert result.exit_code == 0
    assert "My custom help." in result.output
    assert "--extra" in result.output
    assert "--version" not in result.output
    assert group.context_settings["auto_envvar_prefix"] == "FLASK"

    group = FlaskGroup(context_settings={"auto_envvar_prefix": "MINE"})
    assert group.context_settings == {"auto_envvar_prefix": "MINE"}


def test_flask_group_app_context_for_app_commands(cli_runner: CliRunner) -> None:
    app = Flask("ctx")

    @app.cli.command(with_appcontext=False)
    def check() -> None:
        # Pushed by the group when it looked the command up in app.cli.
        click.echo(current_app.name)

    result = cli_runner.invoke(FlaskGroup(create_app=lambda: app), ["check"])
    assert result.output == "ctx\n"


def test_flask_group_custom_obj(cli_runner: CliRunner) -> None:
    group = FlaskGroup()

    @group.command()
    @pass_script_info
    def show(info: ScriptInfo) -> None:
        click.echo(str(info.data.get("mark")))

    info = ScriptInfo(create_app=lambda: Flask("x"))
    info.data["mark"] = "given"
    assert cli_runner.invoke(group, ["show"], obj=info).output == "given\n"


def test_flask_group_app_option_and_envvar(
    cli_runner: CliRunner, in_apps: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = FlaskGroup()
    result = cli_runner.invoke(group, ["--app", "simple_app", "hello"])
    assert result.exit_code == 0
    assert result.output == "Hello, World from simple_app!\n"
    result = cli_runner.invoke(group, ["-A", "simple_app", "hello", "--name", "Al"])
    assert result.output == "Hello, Al from simple_app!\n"

    monkeypatch.setenv("FLASK_APP", "simple_app")
    result = cli_runner.invoke(FlaskGroup(), ["hello"])
    assert result.output == "Hello, World from simple_app!\n"
    # The env var shows the app's commands in the help too.
    result = cli_runner.invoke(FlaskGroup(), ["--help"])
    assert "\n  hello " in result.output


def test_flask_group_missing_app_messages(cli_runner: CliRunner, in_apps: str) -> None:
    group = FlaskGroup()
    result = cli_runner.invoke(group, ["--app", "nope_xyz", "hello"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Could not import 'nope_xyz'.\n\n")
    assert "Error: No such command 'hello'." in result.stderr
    assert "Traceback" not in result.output

    # Help still works, after saying why the app's commands are missing.
    result = cli_runner.invoke(group, ["--app", "nope_xyz", "--help"])
    assert result.exit_code == 0
    assert "Error: Could not import 'nope_xyz'." in result.stderr
    assert "\n  run " in result.stdout

    # Built-in commands fail with a usage error.
    result = cli_runner.invoke(group, ["--app", "multi_app", "routes"])
    assert result.exit_code == 2
    assert "Usage: " in result.stderr
    assert result.stderr.endswith(
        "Error: Detected multiple Flask applications in module 'multi_app'."
        " Use 'multi_app:name' to specify the correct one.\n"
    )


def test_flask_group_help_shows_load_errors(
    cli_runner: CliRunner, in_apps: str
) -> None:
    result = cli_runner.invoke(FlaskGroup(), ["--app", "factory_typeerror", "--help"])
    assert result.exit_code == 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "TypeError: unsupported operand type(s)" in result.stderr
    assert "\n  shell " in result.stdout


def test_flask_group_no_args_shows_help(cli_runner: CliRunner, in_apps: str) -> None:
    result = cli_runner.invoke(FlaskGroup(), [], env={"FLASK_APP": "simple_app"})
    # click >= 8.2 exits with 2 here, older versions with 0.
    assert result.exit_code in (0, 2)
    assert "Usage: " in result.output
    assert "\n  hello " in result.output


def test_flask_group_version(cli_runner: CliRunner) -> None:
    import platform
    from importlib.metadata import version

    import werkzeug

    result = cli_runner.invoke(FlaskGroup(), ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines == [
        f"Python {platform.python_version()}",
        f"Flask {version('flask')}",
        f"Werkzeug {version('werkzeug')}",
    ]
    assert werkzeug is not None
    assert version_option.callback is get_version


def test_version_without_metadata(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    real = metadata.version

    def fake(name: str) -> str:
        if name == "flask":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", fake)
    result = cli_runner.invoke(FlaskGroup(), ["--version"])
    assert "\nFlask 3.2.0.dev0\n" in result.output


def test_module_cli_and_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import runpy

    from flask import cli as cli_module

    assert isinstance(cli_module.cli, FlaskGroup)
    assert cli_module.cli.name == "flask"
    assert {"run", "shell", "routes"} <= set(cli_module.cli.commands)

    # main() is the console script; "python -m flask" runs the same.
    monkeypatch.setattr(sys, "argv", ["flask", "--version"])
    with pytest.raises(SystemExit) as e:
        cli_module.main()
    assert e.value.code == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("Flask ")

    monkeypatch.setattr(sys, "argv", ["python -m flask", "--version"])
    with pytest.raises(SystemExit) as e:
        runpy.run_module("flask", run_name="__main__")
    assert e.value.code == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("Werkzeug ")


def test_flask_group_debug_option(cli_runner: CliRunner) -> None:
    seen = []
    group = FlaskGroup(create_app=lambda: Flask("dbg"))

    @group.command()
    def show() -> None:
        seen.append((os.environ.get("FLASK_DEBUG"), current_app.debug))

    cli_runner.invoke(group, ["--debug", "show"])
    cli_runner.invoke(group, ["--no-debug", "show"])
    assert seen == [("1", True), ("0", False)]

    # FLASK_DEBUG is the option's variable: read as a boolean, written back.
    seen.clear()
    cli_runner.invoke(group, ["show"], env={"FLASK_DEBUG": "yes"})
    cli_runner.invoke(group, ["show"], env={"FLASK_DEBUG": "false"})
    assert seen == [("1", True), ("0", False)]
    # Not given: the environment is left alone.
    seen.clear()
    os.environ.pop("FLASK_DEBUG", None)
    cli_runner.invoke(group, ["show"])
    assert seen == [(None, False)]


def test_flask_group_set_debug_flag_false(cli_runner: CliRunner) -> None:
    def create_app() -> Flask:
        app = Flask("dbg")
        app.debug = True
        return app

    group = FlaskGroup(create_app=create_app, set_debug_flag=False)

    @group.command()
    def show() -> None:
        click.echo(str(current_app.debug))

    assert cli_runner.invoke(group, ["show"]).output == "True\n"


def _entry_point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group="flask.commands")


def test_plugin_commands(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch, modules_tmp_path: t.Any
) -> None:
    (modules_tmp_path / "my_plugin.py").write_text(
        "import click\n\n"
        "@click.command()\n"
        "def cmd():\n"
        "    '''From a plugin.'''\n"
        "    click.echo('plugin ran')\n"
    )
    eps = [_entry_point("plugged", "my_plugin:cmd")]
    monkeypatch.setattr("importlib.metadata.entry_points", lambda **kw: eps)
    group = FlaskGroup(create_app=lambda: Flask("x"))
    result = cli_runner.invoke(group, ["plugged"])
    assert result.exit_code == 0
    assert result.output == "plugin ran\n"
    result = cli_runner.invoke(group, ["--help"])
    assert "plugged  From a plugin." in result.output


def test_broken_plugin_is_reported_not_fatal(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    eps = [_entry_point("broken", "no_such_plugin_module_xyz:cmd")]
    monkeypatch.setattr("importlib.metadata.entry_points", lambda **kw: eps)
    group = FlaskGroup(create_app=lambda: Flask("x"))
    result = cli_runner.invoke(group, ["routes"])
    assert result.exit_code == 0
    assert "could not load the 'flask.commands' entry point 'broken'" in result.stderr
    assert "No module named 'no_such_plugin_module_xyz'" in result.stderr


def test_app_run_inside_cli_is_a_no_op(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import werkzeug.serving

    def fail(*args: t.Any, **kwargs: t.Any) -> None:
        raise AssertionError("app.run() started a server")

    monkeypatch.setattr(werkzeug.serving, "run_simple", fail)
    app = Flask("runner")

    @app.cli.command()
    def start() -> None:
        current_app.run()
        click.echo("returned")

    result = cli_runner.invoke(FlaskGroup(create_app=lambda: app), ["start"])
    assert result.exit_code == 0, result.output
    assert "returned" in result.output


# -- dotenv ----------------------------------------------------------------------


DOTENV_KEYS = ("FOO", "BAR", "SPAM", "EGGS", "HAM")


@pytest.fixture
def dotenv_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """Clean dotenv test variables; ``BAR`` is already set by the "user"."""
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    for key in DOTENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("BAR", "from the environment")
    yield t.cast(dict[str, str | None], os.environ)
    for key in DOTENV_KEYS:
        os.environ.pop(key, None)


def _values() -> dict[str, str | None]:
    return {key: os.environ.get(key) for key in DOTENV_KEYS}


def test_load_dotenv_defaults(
    dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DOTENV_DIR)
    assert load_dotenv() is True
    assert _values() == {
        "FOO": "env",  # .env wins over .flaskenv
        "BAR": "from the environment",  # never overridden
        "SPAM": "flaskenv",
        "EGGS": "env",
        "HAM": None,
    }
    assert os.getcwd() == DOTENV_DIR


def test_load_dotenv_searches_upwards(
    dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = os.path.join(DOTENV_DIR, "sub")
    monkeypatch.chdir(sub)
    assert load_dotenv() is True
    assert os.environ["SPAM"] == "flaskenv"
    # The working directory is not changed.
    assert os.getcwd() == sub


def test_load_dotenv_path(dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOTENV_DIR)
    assert load_dotenv("extra.env") is True
    assert _values() == {
        "FOO": "extra",
        "BAR": "from the environment",
        "SPAM": "flaskenv",
        "EGGS": "env",
        "HAM": "extra",
    }


def test_load_dotenv_path_only(
    dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DOTENV_DIR)
    assert load_dotenv(os.path.join(DOTENV_DIR, "extra.env"), load_defaults=False)
    assert _values()["SPAM"] is None
    assert _values()["HAM"] == "extra"


def test_load_dotenv_nothing(
    dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_dotenv() is False
    assert load_dotenv("missing.env") is False
    assert load_dotenv(None, load_defaults=False) is False


def test_load_dotenv_keys_without_value(
    dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("FOO\nEGGS=\n")
    assert load_dotenv() is True
    assert "FOO" not in os.environ
    assert os.environ["EGGS"] == ""


def test_load_dotenv_without_python_dotenv(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: t.Any
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    tip = " * Tip: There are .env files present. Install python-dotenv to use them.\n"
    monkeypatch.chdir(tmp_path)
    assert load_dotenv() is False
    assert capsys.readouterr().err == ""
    assert load_dotenv("some.env") is False
    assert capsys.readouterr().err == tip
    monkeypatch.chdir(DOTENV_DIR)
    assert load_dotenv() is False
    assert capsys.readouterr().err == tip


def test_env_file_option(
    cli_runner: CliRunner, dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DOTENV_DIR)
    group = FlaskGroup(create_app=lambda: Flask("x"))

    @group.command()
    def show() -> None:
        click.echo(repr(_values()))

    result = cli_runner.invoke(group, ["-e", "extra.env", "show"])
    assert result.exit_code == 0
    assert eval(result.output) == {
        "FOO": "extra",
        "BAR": "from the environment",
        "SPAM": "flaskenv",
        "EGGS": "env",
        "HAM": "extra",
    }

    result = cli_runner.invoke(group, ["--env-file", "missing.env", "show"])
    assert result.exit_code == 2
    assert "Invalid value for '-e' / '--env-file'" in result.stderr


def test_env_file_option_skip_defaults(
    cli_runner: CliRunner, dotenv_env: t.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DOTENV_DIR)
    group = FlaskGroup(create_app=lambda: Flask("x"), load_dotenv=False)

    @group.command()
    def show() -> None:
        click.echo(repr(_values()))

    assert eval(cli_runner.invoke(group, ["show"]).output)["FOO"] is None
    # An explicit file is still loaded.
    values = eval(cli_runner.invoke(group, ["-e", "extra.env", "show"]).output)
    assert values["FOO"] == "extra"
    assert values["SPAM"] is None


def test_env_file_sets_flask_app(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: t.Any
) -> None:
    monkeypatch.delenv("FLASK_SKIP_DOTENV")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".flaskenv").write_text(f"FLASK_APP={APPS_DIR}/simple_app.py\n")
    result = cli_runner.invoke(FlaskGroup(), ["hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, World from simple_app!\n"


def test_env_file_needs_python_dotenv(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    group = FlaskGroup(create_app=lambda: Flask("x"))
    env_file = os.path.join(DOTENV_DIR, "extra.env")
    result = cli_runner.invoke(group, ["--env-file", env_file, "routes"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '-e' / '--env-file': python-dotenv must be"
        " installed to load an env file.\n"
    )


# -- flask run -------------------------------------------------------------------


class RunRecorder:
    """Stands in for ``run_simple`` and records how it was called."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[t.Any, ...], dict[str, t.Any]]] = []

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.calls.append((args, kwargs))

    @property
    def last(self) -> dict[str, t.Any]:
        (host, port, app), kwargs = self.calls[-1]
        return {"host": host, "port": port, "app": app, **kwargs}


@pytest.fixture
def run_recorder(monkeypatch: pytest.MonkeyPatch) -> RunRecorder:
    recorder = RunRecorder()
    monkeypatch.setattr("flask.cli.run_simple", recorder)
    return recorder


def test_run_defaults(
    cli_runner: CliRunner, run_recorder: RunRecorder, in_apps: str
) -> None:
    result = cli_runner.invoke(FlaskGroup(), ["--app", "simple_app", "run"])
    assert result.exit_code == 0, result.output
    assert result.output == " * Serving Flask app 'simple_app'\n * Debug mode: off\n"
    last = run_recorder.last
    assert last["app"].name == "simple_app"
    assert {k: v for k, v in last.items() if k != "app"} == {
        "host": "127.0.0.1",
        "port": 5000,
        "use_reloader": False,
        "use_debugger": False,
        "threaded": True,
        "ssl_context": None,
        "extra_files": None,
        "exclude_patterns": None,
    }


def test_run_options(cli_runner: CliRunner, run_recorder: RunRecorder) -> None:
    group = FlaskGroup(create_app=lambda: Flask("opts"))
    args = ["run", "-h", "0.0.0.0", "-p", "8001", "--without-threads"]
    args += ["--extra-files", os.pathsep.join(["a.cfg", "b.cfg"])]
    args += ["--exclude-patterns", os.pathsep.join(["*.tmp", "*.swp"])]
    result = cli_runner.invoke(group, args)
    assert result.exit_code == 0, result.output
    # No import path: only the debug line.
    assert result.output == " * Debug mode: off\n"
    last = run_recorder.last
    assert (last["host"], last["port"], last["threaded"]) == ("0.0.0.0", 8001, False)
    assert last["extra_files"] == ["a.cfg", "b.cfg"]
    assert last["exclude_patterns"] == ["*.tmp", "*.swp"]

    result = cli_runner.invoke(group, ["run", "--port", "http"])
    assert result.exit_code == 2
    assert "Invalid value for '--port' / '-p'" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "banner", "reload", "debugger"),
    [
        (["--debug", "run"], {}, "on", True, True),
        (["run", "--debug"], {}, "on", True, True),
        (["run", "--debug", "--no-reload"], {}, "on", False, True),
        (["run", "--debug", "--no-debugger"], {}, "on", True, False),
        (["--debug", "run", "--no-debug"], {}, "off", False, False),
        (["--no-debug", "run", "--debug"], {}, "on", True, True),
        (["run", "--reload"], {}, "off", True, False),
        (["run"], {"FLASK_DEBUG": "1"}, "on", True, True),
        (["run"], {"FLASK_DEBUG": "0", "FLASK_RUN_RELOAD": "1"}, "off", True, False),
        (["run", "--no-debugger"], {"FLASK_DEBUG": "true"}, "on", True, False),
    ],
)
def test_run_debug_defaults(
    cli_runner: CliRunner,
    run_recorder: RunRecorder,
    args: list[str],
    env: dict[str, str],
    banner: str,
    reload: bool,
    debugger: bool,
) -> None:
    group = FlaskGroup(create_app=lambda: Flask("dbg"))
    result = cli_runner.invoke(group, args, env=env)
    assert result.exit_code == 0, result.output
    assert result.output == f" * Debug mode: {banner}\n"
    last = run_recorder.last
    assert (last["use_reloader"], last["use_debugger"]) == (reload, debugger)
    assert last["app"].debug is (banner == "on")


def test_run_env_vars(cli_runner: CliRunner, run_recorder: RunRecorder) -> None:
    group = FlaskGroup(create_app=lambda: Flask("envs"))
    env = {
        "FLASK_RUN_HOST": "0.0.0.0",
        "FLASK_RUN_PORT": "9999",
        "FLASK_RUN_EXTRA_FILES": os.pathsep.join(["x", "y"]),
        "FLASK_RUN_WITH_THREADS": "false",
    }
    assert cli_runner.invoke(group, ["run"], env=env).exit_code == 0
    last = run_recorder.last
    assert (last["host"], last["port"]) == ("0.0.0.0", 9999)
    assert last["extra_files"] == ["x", "y"]
    assert last["threaded"] is False
    # The command line wins over the environment.
    assert cli_runner.invoke(group, ["run", "-p", "1"], env=env).exit_code == 0
    assert run_recorder.last["port"] == 1


def test_run_long_options(cli_runner: CliRunner, run_recorder: RunRecorder) -> None:
    group = FlaskGroup(create_app=lambda: Flask("long"))
    args = ["run", "--host", "::1", "--port", "8123", "--with-threads"]
    args += ["--reload", "--debugger"]
    result = cli_runner.invoke(group, args)
    assert result.exit_code == 0, result.output
    last = run_recorder.last
    assert (last["host"], last["port"], last["threaded"]) == ("::1", 8123, True)
    # Both forced on while debug mode stays off.
    assert (last["use_reloader"], last["use_debugger"]) == (True, True)
    assert result.output == " * Debug mode: off\n"

    args = ["run", "--no-reload", "--no-debugger", "--without-threads"]
    assert cli_runner.invoke(group, args, env={"FLASK_DEBUG": "1"}).exit_code == 0
    last = run_recorder.last
    assert (last["use_reloader"], last["use_debugger"], last["threaded"]) == (
        False,
        False,
        False,
    )


def test_run_patching_werkzeug(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import werkzeug.serving

    recorder = RunRecorder()
    monkeypatch.setattr(werkzeug.serving, "run_simple", recorder)
    group = FlaskGroup(create_app=lambda: Flask("wz"))
    assert cli_runner.invoke(group, ["run"]).exit_code == 0
    assert recorder.last["port"] == 5000


def test_run_load_error(cli_runner: CliRunner, run_recorder: RunRecorder) -> None:
    result = cli_runner.invoke(FlaskGroup(), ["--app", "not_a_module_xyz", "run"])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Could not import 'not_a_module_xyz'.\n")
    assert "Usage: " in result.stderr
    assert run_recorder.calls == []


def test_run_load_error_in_reloader_child(
    cli_runner: CliRunner, run_recorder: RunRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the reloader's child the server keeps running so a fix reloads it.
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    result = cli_runner.invoke(FlaskGroup(), ["--app", "not_a_module_xyz", "run"])
    assert result.exit_code == 0
    assert "NoAppException: Could not import 'not_a_module_xyz'." in result.stderr
    # No banner in the child: the parent printed it.
    assert " * Serving" not in result.stdout
    wsgi_app = run_recorder.last["app"]
    with pytest.raises(NoAppException, match="Could not import"):
        wsgi_app({}, lambda *a: None)


def test_show_server_banner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    show_server_banner(True, "hello:create_app()")
    assert capsys.readouterr().out == (
        " * Serving Flask app 'hello:create_app()'\n * Debug mode: on\n"
    )
    show_server_banner(False, None)
    assert capsys.readouterr().out == " * Debug mode: off\n"
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    show_server_banner(True, "hello")
    assert capsys.readouterr().out == ""


def _run_params(args: list[str]) -> dict[str, t.Any]:
    ctx = run_command.make_context("run", args)
    return ctx.params


@pytest.fixture
def cert_files(tmp_path: t.Any) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("cert")
    key.write_text("key")
    return str(cert), str(key)


def test_run_cert_path(cert_files: tuple[str, str]) -> None:
    cert, key = cert_files
    assert _run_params(["--cert", cert, "--key", key])["cert"] == (cert, key)
    # --cert is processed first whatever the order.
    assert _run_params(["--key", key, "--cert", cert])["cert"] == (cert, key)

    with pytest.raises(click.BadParameter, match='Required when using "--cert".'):
        _run_params(["--cert", cert])
    with pytest.raises(click.BadParameter, match='"--cert" must also be specified.'):
        _run_params(["--key", key])
    with pytest.raises(click.BadParameter, match="does not exist"):
        _run_params(["--cert", cert + ".missing"])
    with pytest.raises(click.BadParameter, match="is a directory"):
        _run_params(["--cert", os.path.dirname(cert)])


def test_run_cert_adhoc(
    monkeypatch: pytest.MonkeyPatch, cert_files: tuple[str, str]
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(
        click.BadParameter,
        match="Using ad-hoc certificates requires the cryptography library.",
    ):
        _run_params(["--cert", "adhoc"])

    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    assert _run_params(["--cert", "adhoc"])["cert"] == "adhoc"
    assert _run_params(["--cert", "ADHOC"])["cert"] == "adhoc"
    with pytest.raises(click.BadParameter, match='When "--cert" is "adhoc"'):
        _run_params(["--cert", "adhoc", "--key", cert_files[1]])


def test_run_cert_ssl_context_import(
    modules_tmp_path: t.Any, cert_files: tuple[str, str]
) -> None:
    (modules_tmp_path / "ssl_ctx_mod.py").write_text(
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\nnot_ctx = 1\n"
    )
    for spec in ("ssl_ctx_mod:ctx", "ssl_ctx_mod.ctx"):
        assert isinstance(_run_params(["--cert", spec])["cert"], ssl.SSLContext)
    with pytest.raises(click.BadParameter, match="an SSLContext object"):
        _run_params(["--cert", "ssl_ctx_mod:ctx", "--key", cert_files[1]])
    # Anything else is reported as a missing file.
    with pytest.raises(click.BadParameter, match="does not exist"):
        _run_params(["--cert", "ssl_ctx_mod:not_ctx"])
    assert CertParamType().name == "path"


def test_run_cert_passed_to_server(
    cli_runner: CliRunner, run_recorder: RunRecorder, cert_files: tuple[str, str]
) -> None:
    cert, key = cert_files
    group = FlaskGroup(create_app=lambda: Flask("tls"))
    result = cli_runner.invoke(group, ["run", "--cert", cert, "--key", key])
    assert result.exit_code == 0, result.output
    assert run_recorder.last["ssl_context"] == (cert, key)


def test_separated_path_type(tmp_path: t.Any) -> None:
    (tmp_path / "a").write_text("")
    value = os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])
    assert SeparatedPathType().convert(value, None, None) == [
        str(tmp_path / "a"),
        str(tmp_path / "b"),
    ]
    with pytest.raises(click.BadParameter, match="does not exist"):
        SeparatedPathType(exists=True).convert(value, None, None)


# -- flask shell -----------------------------------------------------------------


@pytest.fixture
def interact(monkeypatch: pytest.MonkeyPatch) -> dict[str, t.Any]:
    import code

    seen: dict[str, t.Any] = {}

    def fake_interact(
        banner: str | None = None, local: t.Any = None, **kw: t.Any
    ) -> None:
        seen.update(banner=banner, local=local, app=current_app.name)

    monkeypatch.setattr(code, "interact", fake_interact)
    return seen


def test_shell(cli_runner: CliRunner, interact: dict[str, t.Any], in_apps: str) -> None:
    result = cli_runner.invoke(FlaskGroup(), ["--app", "simple_app", "shell"])
    assert result.exit_code == 0, result.output
    app = interact["local"]["app"]
    assert interact["app"] == "simple_app"
    assert interact["banner"] == (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: simple_app\n"
        f"Instance: {app.instance_path}"
    )
    assert interact["local"]["answer"] == 42
    assert interact["local"]["g"] is flask.g
    assert sorted(k for k in interact["local"] if not k.startswith("__")) == [
        "answer",
        "app",
        "g",
    ]


def test_shell_pythonstartup(
    cli_runner: CliRunner,
    interact: dict[str, t.Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: t.Any,
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("FROM_STARTUP = 'yes'\napp = 'replaced by the app'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    app = Flask("shell_app")
    app.shell_context_processor(lambda: {"extra": 1})
    result = cli_runner.invoke(shell_command, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    local = interact["local"]
    assert local["FROM_STARTUP"] == "yes"
    assert local["app"] is app
    assert local["extra"] == 1

    # A missing file is ignored.
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "missing.py"))
    result = cli_runner.invoke(shell_command, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0


def test_shell_completion_hook(
    cli_runner: CliRunner, interact: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    readline = pytest.importorskip("readline")
    # Imported first: importing rlcompleter sets a completer of its own,
    # which would land in ``completers`` when the shell imports it first.
    pytest.importorskip("rlcompleter")
    calls = []
    completers = []
    monkeypatch.setattr(
        sys, "__interactivehook__", lambda: calls.append(1), raising=False
    )
    monkeypatch.setattr(readline, "set_completer", completers.append)
    app = Flask("complete")
    app.shell_context_processor(lambda: {"unique_name_xyz": 1})
    cli_runner.invoke(shell_command, obj=ScriptInfo(create_app=lambda: app))
    assert calls == [1]
    (complete,) = completers
    assert complete("unique_na", 0) == "unique_name_xyz"


# -- flask routes ----------------------------------------------------------------


def _routes_app(**kwargs: t.Any) -> Flask:
    subdomain = kwargs.pop("subdomain", False)
    app = Flask("routes_app", **kwargs)
    if subdomain:
        app.config["SERVER_NAME"] = "example.com"

    @app.route("/b", methods=["GET", "POST", "DELETE"])
    def zeta() -> str:
        return ""

    @app.route("/a")
    def alpha() -> str:
        return ""

    if subdomain:
        app.add_url_rule("/c", "beta", lambda: "", subdomain="api")
    if app.url_map.host_matching:
        app.add_url_rule("/c", "beta", lambda: "", host="api.local")
    return app


def _routes(app: Flask, *args: str) -> list[str]:
    result = CliRunner().invoke(
        routes_command, list(args), obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Columns are padded, so every line has the same width.
    assert len({len(line) for line in lines}) == 1
    return [line.rstrip() for line in lines]


def test_routes_default_sort() -> None:
    assert _routes(_routes_app()) == [
        "Endpoint  Methods            Rule",
        "--------  -----------------  -----------------------",
        "alpha     GET                /a",
        "static    GET                /static/<path:filename>",
        "zeta      DELETE, GET, POST  /b",
    ]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("endpoint", ["alpha", "static", "zeta"]),
        ("rule", ["alpha", "zeta", "static"]),
        ("methods", ["zeta", "static", "alpha"]),
        ("match", ["static", "zeta", "alpha"]),
        # No domain column: the match order is kept.
        ("domain", ["static", "zeta", "alpha"]),
    ],
)
def test_routes_sort(sort: str, order: list[str]) -> None:
    lines = _routes(_routes_app(), "--sort", sort)
    assert [line.split()[0] for line in lines[2:]] == order
    assert _routes(_routes_app(), "-s", sort) == lines


def test_routes_all_methods() -> None:
    assert _routes(_routes_app(), "--all-methods") == [
        "Endpoint  Methods                           Rule",
        "--------  --------------------------------  -----------------------",
        "alpha     GET, HEAD, OPTIONS                /a",
        "static    GET, HEAD, OPTIONS                /static/<path:filename>",
        "zeta      DELETE, GET, HEAD, OPTIONS, POST  /b",
    ]


def test_routes_subdomain() -> None:
    app = _routes_app(subdomain=True)
    assert _routes(app) == [
        "Endpoint  Methods            Subdomain  Rule",
        "--------  -----------------  ---------  -----------------------",
        "alpha     GET                           /a",
        "beta      GET                api        /c",
        "static    GET                           /static/<path:filename>",
        "zeta      DELETE, GET, POST             /b",
    ]
    lines = _routes(app, "--sort", "domain")
    assert [line.split()[0] for line in lines[2:]] == [
        "static",
        "zeta",
        "alpha",
        "beta",
    ]


def test_routes_host_matching() -> None:
    app = _routes_app(host_matching=True, static_host="static.local")
    assert _routes(app) == [
        "Endpoint  Methods            Host          Rule",
        "--------  -----------------  ------------  -----------------------",
        "alpha     GET                              /a",
        "beta      GET                api.local     /c",
        "static    GET                static.local  /static/<path:filename>",
        "zeta      DELETE, GET, POST                /b",
    ]
    lines = _routes(app, "--sort", "domain")
    assert [line.split()[0] for line in lines[2:]] == [
        "zeta",
        "alpha",
        "beta",
        "static",
    ]


def test_routes_empty_and_bad_sort(cli_runner: CliRunner) -> None:
    app = Flask("empty", static_folder=None)
    obj = ScriptInfo(create_app=lambda: app)
    result = cli_runner.invoke(routes_command, [], obj=obj)
    assert result.exit_code == 0
    assert result.output == "No routes were registered.\n"
    result = cli_runner.invoke(routes_command, ["--sort", "bogus"], obj=obj)
    assert result.exit_code == 2
    assert (
        "Invalid value for '--sort' / '-s': 'bogus' is not one of 'endpoint',"
        " 'methods', 'domain', 'rule', 'match'."
    ) in result.stderr


# -- real subprocesses -----------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLASK_", "WERKZEUG_")) and k != "PYTHONSTARTUP"
    }
    env["PYTHONPATH"] = os.pathsep.join([SRC_DIR, env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def _flask(
    *args: str, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=APPS_DIR,
        env=_env(**env),
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_subprocess_routes() -> None:
    proc = _flask("--app", "simple_app", "routes")
    assert proc.returncode == 0, proc.stderr
    assert [line.rstrip() for line in proc.stdout.splitlines()] == [
        "Endpoint     Methods  Rule",
        "-----------  -------  -----------------------",
        "index        GET      /",
        "static       GET      /static/<path:filename>",
        "update_item  POST     /items/<int:item_id>",
    ]


def test_subprocess_app_command_and_env_var() -> None:
    proc = _flask("hello", "--name", "Sub", FLASK_APP="simple_app")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello, Sub from simple_app!\n"


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("not_a_module_xyz", "Error: Could not import 'not_a_module_xyz'."),
        (
            "no_app",
            "Error: Failed to find Flask application or factory in module"
            " 'no_app'. Use 'no_app:name' to specify one.",
        ),
        (
            "factory_needs_args",
            "Error: Detected factory 'create_app' in module 'factory_needs_args',"
            " but could not call it without arguments. Use"
            " 'factory_needs_args:create_app(args)' to specify arguments.",
        ),
        (
            "factory_app:needs_two(1)",
            "Error: The factory 'needs_two(1)' in module 'factory_app' could not"
            " be called with the specified arguments.",
        ),
    ],
)
def test_subprocess_user_errors_have_no_traceback(app: str, message: str) -> None:
    proc = _flask("--app", app, "routes")
    assert proc.returncode == 2
    assert proc.stderr.startswith("Usage: python -m flask routes [OPTIONS]\n")
    assert proc.stderr.endswith(message + "\n")
    assert "Traceback" not in proc.stderr


def test_subprocess_import_error_inside_app() -> None:
    proc = _flask("--app", "import_error_app", "routes")
    assert proc.returncode == 2
    assert (
        "Error: While importing 'import_error_app', an ImportError was raised:"
        in proc.stderr
    )
    assert (
        "ModuleNotFoundError: No module named 'a_module_that_does_not_exist_xyz'"
        in proc.stderr
    )


def test_subprocess_error_in_user_code_keeps_traceback() -> None:
    proc = _flask("--app", "factory_typeerror", "routes")
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert 'return 1 + "one"' in proc.stderr


def test_subprocess_no_app(tmp_path: t.Any) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "routes"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.endswith(f"Error: {NO_APP_MSG}\n")


def test_subprocess_version_and_console_script() -> None:
    proc = _flask("--version")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[1].startswith("Flask ")

    script = os.path.join(os.path.dirname(sys.executable), "flask")
    if not os.path.exists(script):
        pytest.skip("the 'flask' console script is not installed here")
    proc = subprocess.run(
        [script, "--app", "simple_app", "hello"],
        cwd=APPS_DIR,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello, World from simple_app!\n"


def test_subprocess_shell() -> None:
    code = (
        "print(sorted(k for k in dir() if not k.startswith('__')))\n"
        "print(app.name, g, answer)\n"
        "import flask; print(flask.current_app.name)\n"
    )
    proc = _flask("--app", "simple_app", "shell", input=code)
    assert proc.returncode == 0, proc.stderr
    assert "['answer', 'app', 'g']" in proc.stdout
    assert "simple_app <flask.g of 'simple_app'> 42" in proc.stdout
    assert proc.stdout.count("simple_app") >= 2
    assert proc.stderr.startswith(f"Python {sys.version} on {sys.platform}\n")
    assert "App: simple_app\nInstance: " in proc.stderr


@contextlib.contextmanager
def _server(*args: str) -> t.Iterator[tuple[int, str]]:
    port = server_process.free_port()
    log_path = os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"flask-run-test-{port}.log"
    )
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", *args, "--port", str(port)],
            cwd=APPS_DIR,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        body = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/"
                with urllib.request.urlopen(url, timeout=5) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        yield port, body
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        with open(log_path, encoding="utf-8", errors="replace") as f:
            _server_output[port] = f.read()
        os.remove(log_path)


_server_output: dict[int, str] = {}


def test_subprocess_run_serves_requests() -> None:
    with _server("--app", "simple_app", "run") as (port, body):
        assert body == "simple index"
    output = _server_output.pop(port)
    assert " * Serving Flask app 'simple_app'\n * Debug mode: off\n" in output
    assert f"Running on http://127.0.0.1:{port}" in output


def test_subprocess_run_debug_reloader() -> None:
    with _server("--app", "simple_app", "--debug", "run") as (port, body):
        assert body == "simple index"
    output = _server_output.pop(port)
    # The banner is printed once, by the parent, not again by the child.
    assert output.count(" * Serving Flask app 'simple_app'") == 1
    assert " * Debug mode: on" in output
    assert "Restarting with" in output
    assert "Debugger is active!" in output
