"""Finding the Flask app that ``--app`` / ``FLASK_APP`` points at.

Every way the lookup can go wrong because of what the user typed raises
:class:`NoAppException` with a one-line explanation, which click prints as a
usage error instead of a traceback. Errors raised by the user's own code (an
import error inside the module, a ``TypeError`` inside a factory) are left
alone or quoted in full, so their real cause stays visible.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
import types
import typing as t

import click

if t.TYPE_CHECKING:
    from .app import Flask

#: Attribute names checked, in order, for an app instance, then for a factory.
_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")


class NoAppException(click.UsageError):
    """The app to load could not be found, imported or created."""


def _flask_class() -> type[Flask]:
    # Imported on use: this module is loaded by ``flask.cli``, which ``Flask``
    # itself imports while being defined.
    from .app import Flask

    return Flask


def _called_with_wrong_args(f: t.Callable[..., t.Any]) -> bool:
    """Whether the ``TypeError`` being handled came from calling ``f`` with
    arguments it does not accept, rather than from code inside ``f``.

    When the arguments do not bind, Python raises before ``f``'s body starts,
    so no frame of ``f``'s code appears in the traceback.
    """
    code = getattr(f, "__code__", None)
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is code:
                return False
            tb = tb.tb_next
        return True
    finally:
        # Break the frame -> traceback reference cycle.
        del tb


def find_best_app(module: types.ModuleType) -> Flask:
    """Find the one app in ``module``, or create it with a known factory.

    Looks for ``app`` and ``application``, then for a single ``Flask``
    instance under any name, then calls ``create_app`` or ``make_app``
    without arguments.
    """
    flask_cls = _flask_class()
    mod_name = module.__name__

    for attr in _APP_NAMES:
        candidate = getattr(module, attr, None)
        if isinstance(candidate, flask_cls):
            return candidate

    found = [v for v in vars(module).values() if isinstance(v, flask_cls)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NoAppException(
            f"Detected multiple Flask applications in module '{mod_name}'."
            f" Use '{mod_name}:name' to specify the correct one."
        )

    for attr in _FACTORY_NAMES:
        factory = getattr(module, attr, None)
        if not inspect.isfunction(factory):
            continue
        try:
            created = factory()
        except TypeError as e:
            if not _called_with_wrong_args(factory):
                raise
            raise NoAppException(
                f"Detected factory '{attr}' in module '{mod_name}', but could"
                " not call it without arguments. Use"
                f" '{mod_name}:{attr}(args)' to specify arguments."
            ) from e
        if isinstance(created, flask_cls):
            return created

    raise NoAppException(
        f"Failed to find Flask application or factory in module '{mod_name}'."
        f" Use '{mod_name}:name' to specify one."
    )


def _parse_app_expression(
    app_name: str,
) -> tuple[str, list[t.Any] | None, dict[str, t.Any] | None]:
    """Split ``name`` or ``name(args)`` into the name and the literal
    arguments; the arguments are ``None`` when there are no parentheses."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        ) from None

    if isinstance(expr, ast.Name):
        return expr.id, None, None
    if not isinstance(expr, ast.Call):
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        )
    if not isinstance(expr.func, ast.Name):
        raise NoAppException(f"Function reference must be a simple name: {app_name!r}.")
    try:
        args = [ast.literal_eval(node) for node in expr.args]
        # ``**mapping`` entries have no keyword name; they are not supported
        # and are skipped.
        kwargs = {
            kw.arg: ast.literal_eval(kw.value)
            for kw in expr.keywords
            if kw.arg is not None
        }
    except ValueError:
        raise NoAppException(
            f"Failed to parse arguments as literal values: {app_name!r}."
        ) from None
    return expr.func.id, args, kwargs


def find_app_by_string(module: types.ModuleType, app_name: str) -> Flask:
    """Get the app named by ``app_name`` in ``module``: an attribute holding
    an app, or a factory function called with the literal arguments given,
    as in ``create_app('dev', debug=True)``."""
    flask_cls = _flask_class()
    name, args, kwargs = _parse_app_expression(app_name)

    try:
        attr = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Failed to find attribute {name!r} in {module.__name__!r}."
        ) from None

    if inspect.isfunction(attr):
        try:
            app = attr(*(args or ()), **(kwargs or {}))
        except TypeError as e:
            if not _called_with_wrong_args(attr):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could"
                " not be called with the specified arguments."
            ) from e
    else:
        app = attr

    if isinstance(app, flask_cls):
        return app
    raise NoAppException(
        "A valid Flask application was not obtained from"
        f" '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str) -> str:
    """Turn a file path or dotted name into an importable module name, and
    put the folder it must be imported from first on ``sys.path``.

    ``src/hello.py`` becomes ``hello`` with ``src`` on the path; a file inside
    packages (folders with ``__init__.py``) becomes the full dotted name with
    the folder above the top package on the path.
    """
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []
    while True:
        path, part = os.path.split(path)
        parts.append(part)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Flask: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = ...
) -> Flask | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Flask | None:
    """Import ``module_name`` and find the app in it, by ``app_name`` if
    given, else by :func:`find_best_app`.

    A missing module raises :class:`NoAppException` (or returns ``None`` when
    ``raise_if_not_found`` is false); an ``ImportError`` raised by the
    module's own code is reported with its full traceback.
    """
    try:
        __import__(module_name)
    except ImportError:
        tb = sys.exc_info()[2]
        # Only this frame in the traceback: the module itself was not found.
        # More frames: the module was found and its code failed to import.
        from_inside = tb is not None and tb.tb_next is not None
        del tb
        if from_inside:
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was"
                f" raised:\n\n{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)
