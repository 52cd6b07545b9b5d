"""Every public name of Flask 3.1.3's modules is importable from ours.

The reference lists below are ``dir()`` of each Flask 3.1.3 module without
underscore names, taken from the real package: names those modules only
import (``Rule`` in ``flask.app``) count too, since extensions import them
from there.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

import flask

# Generated with Flask 3.1.3: sorted(n for n in dir(module) if n[0] != '_').
FLASK_3_1_3_NAMES: dict[str, str] = {
    "flask": (
        "Blueprint Config Flask Request Response abort after_this_request "
        "annotations app appcontext_popped appcontext_pushed "
        "appcontext_tearing_down before_render_template blueprints cli config "
        "copy_current_request_context ctx current_app flash g "
        "get_flashed_messages get_template_attribute globals "
        "got_request_exception has_app_context has_request_context helpers json "
        "jsonify logging make_response message_flashed redirect render_template "
        "render_template_string request request_finished request_started "
        "request_tearing_down sansio send_file send_from_directory session "
        "sessions signals stream_template stream_template_string "
        "stream_with_context t template_rendered templating typing url_for "
        "wrappers"
    ),
    "flask.app": (
        "App AppContext BadRequestKeyError BaseResponse BuildError Environment "
        "Flask HTTPException Headers ImmutableDict InternalServerError "
        "MapAdapter Request RequestContext RequestRedirect Response "
        "RoutingException Rule SecureCookieSessionInterface SessionInterface "
        "T_shell_context_processor T_teardown T_template_filter "
        "T_template_global T_template_test TracebackType annotations "
        "appcontext_tearing_down cabc chain cli click current_app ft g "
        "get_debug_flag get_flashed_messages get_host get_load_dotenv "
        "got_request_exception is_running_from_reloader iscoroutinefunction os "
        "request request_ctx request_finished request_started "
        "request_tearing_down send_from_directory session sys t timedelta "
        "weakref"
    ),
    "flask.blueprints": (
        "AppGroup Blueprint BlueprintSetupState SansioBlueprint annotations "
        "current_app os send_from_directory t timedelta"
    ),
    "flask.cli": (
        "AppGroup CertParamType F FlaskGroup ModuleType NoAppException "
        "ParameterSource ScriptInfo SeparatedPathType annotations ast cabc cli "
        "click current_app find_app_by_string find_best_app get_debug_flag "
        "get_load_dotenv get_version import_string importlib inspect "
        "is_running_from_reloader itemgetter load_dotenv locate_app main os "
        "pass_script_info platform prepare_import re routes_command run_command "
        "run_simple shell_command show_server_banner sys t traceback "
        "update_wrapper version_option with_appcontext"
    ),
    "flask.config": (
        "Config ConfigAttribute T annotations errno import_string json os t types"
    ),
    "flask.ctx": (
        "AppContext F HTTPException RequestContext TracebackType "
        "after_this_request annotations appcontext_popped appcontext_pushed "
        "contextvars copy_current_request_context ft has_app_context "
        "has_request_context sys t update_wrapper"
    ),
    "flask.globals": (
        "ContextVar LocalProxy annotations app_ctx current_app g request "
        "request_ctx session t"
    ),
    "flask.helpers": (
        "BaseResponse abort annotations cache current_app datetime flash "
        "get_debug_flag get_flashed_messages get_load_dotenv get_root_path "
        "get_template_attribute importlib make_response message_flashed os "
        "redirect request request_ctx send_file send_from_directory session "
        "stream_with_context sys t update_wrapper url_for werkzeug"
    ),
    "flask.json": (
        "annotations current_app dump dumps jsonify load loads provider t tag"
    ),
    "flask.json.provider": (
        "DefaultJSONProvider JSONProvider annotations dataclasses date decimal "
        "http_date json t uuid weakref"
    ),
    "flask.json.tag": (
        "JSONTag Markup PassDict PassList TagBytes TagDateTime TagDict "
        "TagMarkup TagTuple TagUUID TaggedJSONSerializer UUID annotations "
        "b64decode b64encode datetime dumps http_date loads parse_date t"
    ),
    "flask.logging": (
        "LocalProxy annotations create_logger default_handler has_level_handler "
        "logging request sys t wsgi_errors_stream"
    ),
    "flask.sansio": ("app blueprints scaffold"),
    "flask.sansio.app": (
        "Aborter App BadRequest BadRequestKeyError BuildError Config "
        "ConfigAttribute DefaultJSONProvider DispatchingJinjaLoader Environment "
        "JSONProvider Map Response Rule Scaffold T_shell_context_processor "
        "T_teardown T_template_filter T_template_global T_template_test "
        "annotations cached_property chain create_logger find_package ft "
        "get_debug_flag logging os setupmethod sys t timedelta"
    ),
    "flask.sansio.blueprints": (
        "Blueprint BlueprintSetupState DeferredSetupFunction Scaffold "
        "T_after_request T_before_request T_error_handler T_teardown "
        "T_template_context_processor T_template_filter T_template_global "
        "T_template_test T_url_defaults T_url_value_preprocessor annotations "
        "defaultdict ft os setupmethod t update_wrapper"
    ),
    "flask.sansio.scaffold": (
        "BaseLoader F FileSystemLoader HTTPException Scaffold T_after_request "
        "T_before_request T_error_handler T_route T_teardown "
        "T_template_context_processor T_url_defaults T_url_value_preprocessor "
        "annotations cached_property default_exceptions defaultdict "
        "find_package ft get_root_path importlib os pathlib setupmethod sys t "
        "update_wrapper"
    ),
    "flask.sessions": (
        "BadSignature CallbackDict MutableMapping NullSession "
        "SecureCookieSession SecureCookieSessionInterface SessionInterface "
        "SessionMixin TaggedJSONSerializer URLSafeTimedSerializer annotations c "
        "datetime hashlib session_json_serializer t timezone"
    ),
    "flask.signals": (
        "Namespace annotations appcontext_popped appcontext_pushed "
        "appcontext_tearing_down before_render_template got_request_exception "
        "message_flashed request_finished request_started request_tearing_down "
        "template_rendered"
    ),
    "flask.templating": (
        "BaseEnvironment BaseLoader DispatchingJinjaLoader Environment Template "
        "TemplateNotFound annotations before_render_template current_app "
        "render_template render_template_string request stream_template "
        "stream_template_string stream_with_context t template_rendered"
    ),
    "flask.typing": (
        "AfterRequestCallable AppOrBlueprintKey BeforeFirstRequestCallable "
        "BeforeRequestCallable ErrorHandlerCallable HeaderValue HeadersValue "
        "ResponseClass ResponseReturnValue ResponseValue RouteCallable "
        "ShellContextProcessorCallable TeardownCallable "
        "TemplateContextProcessorCallable TemplateFilterCallable "
        "TemplateGlobalCallable TemplateTestCallable URLDefaultCallable "
        "URLValuePreprocessorCallable annotations cabc t"
    ),
    "flask.wrappers": (
        "BadRequest HTTPException Request RequestBase Response ResponseBase "
        "annotations current_app json t"
    ),
    "flask.views": (
        "F MethodView View annotations current_app ft http_method_funcs request t"
    ),
    "flask.testing": (
        "BaseRequest CliRunner Client EnvironBuilder ExitStack FlaskCliRunner "
        "FlaskClient Result ScriptInfo SessionMixin TracebackType annotations "
        "contextmanager copy importlib t urlsplit werkzeug"
    ),
    "flask.debughelpers": (
        "App BaseLoader Blueprint DebugFilesKeyError FormDataRoutingRedirect "
        "RequestRedirect UnexpectedUnicodeError annotations "
        "attach_enctype_error_multidict explain_template_loading_attempts "
        "request_ctx t"
    ),
}


def _module(name: str) -> object:
    """The module reached by attribute access from the package, as user code
    that only did ``import flask`` would reach it."""
    module: object = flask
    for part in name.split(".")[1:]:
        module = getattr(module, part)
    assert module is importlib.import_module(name)
    return module


@pytest.mark.parametrize("module_name", sorted(FLASK_3_1_3_NAMES))
def test_names_of_flask_3_1_3_are_available(module_name: str) -> None:
    module = _module(module_name)
    listed = set(dir(module))
    missing = []
    with warnings.catch_warnings():
        # A few names are deprecated since 3.2 and warn when used.
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in FLASK_3_1_3_NAMES[module_name].split():
            if name not in listed or not hasattr(module, name):
                missing.append(name)
    assert missing == []


def test_lazy_names_are_the_real_objects() -> None:
    from werkzeug.routing import Rule

    from flask.app import Rule as app_rule
    from flask.blueprints import AppGroup
    from flask.cli import AppGroup as cli_group

    assert app_rule is Rule
    assert AppGroup is cli_group
    assert flask.app.cli is flask.cli
    assert flask.sessions.BadSignature.__module__.startswith("itsdangerous")


def test_deprecated_names_still_warn_every_time() -> None:
    for _ in range(2):
        with pytest.warns(DeprecationWarning, match="RequestContext"):
            assert flask.app.RequestContext is flask.ctx.AppContext


def test_names_flask_32_removed_are_kept_deprecated_and_documented() -> None:
    """``flask.__version__`` and ``flask.globals._cv_request`` (removed by
    Flask 3.2) still work with a warning, and the differences page says so."""
    import importlib.metadata
    from pathlib import Path

    from flask import globals as flask_globals

    with pytest.warns(DeprecationWarning, match="__version__"):
        version = flask.__version__
    assert version == importlib.metadata.version("flask")
    with pytest.warns(DeprecationWarning, match="_cv_request"):
        assert flask_globals._cv_request is flask_globals._cv_app
    with pytest.warns(DeprecationWarning, match="request_ctx"):
        assert flask_globals.request_ctx is flask_globals.app_ctx
    page = Path(__file__).parent.parent / "docs" / "differences.rst"
    text = page.read_text(encoding="utf-8")
    for name in ("``flask.__version__``", "``flask.globals._cv_request``"):
        assert f"\n{name}\n    Flask 3.2 " in text, name


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        flask.app.nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        flask.nope  # noqa: B018
    with pytest.raises(ImportError):
        from flask.app import nope  # noqa: F401


SUBMODULES = (
    "app blueprints cli config ctx debughelpers globals helpers json logging"
    " sansio sessions signals templating testing typing views wrappers"
).split()


def test_submodules_are_attributes_after_bare_import() -> None:
    # A fresh interpreter: in this one, other tests imported them already.
    code = (
        "import flask, types\n"
        f"for name in {SUBMODULES!r}:\n"
        "    assert isinstance(getattr(flask, name), types.ModuleType), name\n"
        "    assert name in dir(flask), name\n"
        "group = flask.cli.AppGroup('extension')\n"
        "print(type(group).__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "flask.cli"
