"""Sphinx configuration for the documentation in this folder."""

from __future__ import annotations

import os
import sys

# Document the package in this repository, never another installed "flask".
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

project = "Flask (independent reimplementation)"
copyright = "the project's contributors"
author = "the project's contributors"
release = "3.2.0.dev0"
version = "3.2"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]

# Every cross-reference must resolve (the test suite builds with -n -W).
nitpicky = True

# Links to other projects' documentation. The build has no network, so the
# inventories are files in _inventories/, generated from the installed
# packages by _inventories/make_inventories.py; the URLs are the projects'
# online documentation.
_INV = os.path.join(HERE, "_inventories")
intersphinx_mapping = {
    name: (url, os.path.join(_INV, f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "werkzeug": "https://werkzeug.palletsprojects.com/en/stable/",
        "jinja": "https://jinja.palletsprojects.com/en/stable/",
        "click": "https://click.palletsprojects.com/en/stable/",
        "markupsafe": "https://markupsafe.palletsprojects.com/en/stable/",
        "itsdangerous": "https://itsdangerous.palletsprojects.com/en/stable/",
        "blinker": "https://blinker.readthedocs.io/en/stable/",
    }.items()
}

exclude_patterns = ["_build"]
default_role = "code"
pygments_style = "sphinx"

# API reference: members in the order the source defines them, type hints in
# the signatures, shortened to the class names.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autoclass_content = "both"

html_theme = "alabaster"
html_theme_options = {
    "description": (
        "An independent reimplementation of the Flask web framework."
        " Not the official Flask documentation."
    ),
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {
    "**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]
}
html_static_path: list[str] = []
html_title = "flask (independent reimplementation) documentation"


# References that autodoc writes the way the source spells them, mapped to
# where they are documented:
# - module aliases of the source (``import typing as t``, ``ft`` for
#   ``flask.typing``);
_ALIASES = {
    "t.": "typing.",
    # typing_extensions names used here are all in typing on Python 3.10+.
    "te.": "typing.",
    "ft.": "flask.typing.",
    "cabc.": "collections.abc.",
}
# - names imported only for type checking, which autodoc cannot evaluate
#   and so leaves unqualified.
_NAMES = {
    "HTTPException": "werkzeug.exceptions.HTTPException",
    "Context": "click.Context",
    "Command": "click.Command",
    "Group": "click.Group",
    "MultiDict": "werkzeug.datastructures.MultiDict",
    "Rule": "werkzeug.routing.Rule",
    "MapAdapter": "werkzeug.routing.MapAdapter",
    "BaseResponse": "werkzeug.wrappers.Response",
    "SansioRequest": "werkzeug.sansio.request.Request",
    "SansioResponse": "werkzeug.sansio.response.Response",
    "WSGIEnvironment": "wsgiref.types.WSGIEnvironment",
    "StartResponse": "wsgiref.types.StartResponse",
    "WSGIApplication": "wsgiref.types.WSGIApplication",
    "TestResponse": "werkzeug.test.TestResponse",
    "URLSafeTimedSerializer": "itsdangerous.URLSafeTimedSerializer",
    "datetime": "datetime.datetime",
    "timedelta": "datetime.timedelta",
    # Werkzeug's own docstring (inherited by FlaskClient.open) names it so.
    "werkzeug.FileWrapper": "werkzeug.wsgi.FileWrapper",
    "TestResponse.history": "werkzeug.test.TestResponse.history",
    # (``Scaffold.jinja_loader``'s return type; jinja2 is imported lazily.)
    "BaseLoader": "jinja2.BaseLoader",
    # ``App.aborter``'s annotation, unqualified as older Sphinx renders it.
    "Aborter": "werkzeug.exceptions.Aborter",
    "Map": "werkzeug.routing.Map",
    # Serving helpers, imported for type checking only.
    "BackgroundTasks": "flask._background.BackgroundTasks",
    "TestApp": "flask.testing.TestApp",
    "WorkerPool": "flask.asgi._pool.WorkerPool",
    "ASGIApp": "flask.asgi.ASGIApp",
    "FlaskClient": "flask.testing.FlaskClient",
}

# Names that exist only in typeshed (the type checkers' stubs), so no
# documentation anywhere describes them.
nitpick_ignore = [
    ("py:class", "ReadableBuffer"),
    # Werkzeug's own docstrings, shown for the members Request and Response
    # inherit, refer to these names, which Werkzeug documents nowhere (or
    # under another spelling): nothing here can link them.
    ("py:class", "t_parse_result"),
    ("py:meth", "werkzeug.wsgi.wrap_file"),
    ("py:attr", "implicity_sequence_conversion"),
    ("py:meth", "get_response"),
    ("py:func", "responder"),
    ("py:attr", "self.root_path"),
    ("py:attr", "CORSResponseMixin.access_control_allow_origin"),
    ("py:attr", "CORSResponseMixin.access_control_allow_methods"),
    ("py:attr", "CORSResponseMixin.access_control_allow_headers"),
    ("py:attr", "accept_charset"),
]


def _lookup(app, env, node, contnode, target):  # type: ignore[no-untyped-def]
    """Resolve ``target`` in this project's objects, then through intersphinx."""
    from sphinx.ext import intersphinx

    node = node.deepcopy()
    node["reftarget"] = target
    node["refspecific"] = False
    domain = env.get_domain("py")
    # Annotations are class references, but type aliases are documented as
    # data; older Sphinx versions only look for classes, so retry with "obj".
    for reftype in (node["reftype"], "obj"):
        found = domain.resolve_xref(
            env, node["refdoc"], app.builder, reftype, target, node, contnode
        )
        if found is not None:
            return found
    return intersphinx.missing_reference(app, env, node, contnode)


def _import(path):  # type: ignore[no-untyped-def]
    """The object a dotted path names, or None."""
    import importlib

    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for part in parts[i:]:
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return obj
    return None


def _resolve(app, env, node, contnode):  # type: ignore[no-untyped-def]
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    for alias, real in _ALIASES.items():
        if target.startswith(alias):
            return _lookup(app, env, node, contnode, real + target[len(alias) :])
    if target in _NAMES:
        return _lookup(app, env, node, contnode, _NAMES[target])
    # Type variables (T, F, T_route, ...) are placeholders, not objects with
    # documentation: show them as plain text.
    import typing

    module = node.get("py:module") or ""
    homes = [m for m in sorted(sys.modules) if m.split(".")[0] == "flask"]
    for path in [target] + [f"{home}.{target}" for home in homes]:
        obj = _import(path)
        if isinstance(obj, typing.TypeVar | typing.ParamSpec):
            return contnode
    if len(target) == 1 and target.isupper():  # P, R: local to a stub
        return contnode
    # A docstring inherited from Click or Werkzeug refers to names relative
    # to its own class or module: look there.
    cls_name = node.get("py:class")
    cls = _import(f"{module}.{cls_name}") if cls_name else None
    if isinstance(cls, type):
        for base in cls.__mro__[1:]:
            home = base.__module__
            if home.startswith("flask") or home == "builtins":
                continue
            for candidate in (
                f"{home}.{base.__qualname__}.{target}",
                f"{home.split('.')[0]}.{base.__qualname__}.{target}",
                f"{home.split('.')[0]}.{target}",
                f"{home}.{target}",
            ):
                found = _lookup(app, env, node, contnode, candidate)
                if found is not None:
                    return found
    return None


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("missing-reference", _resolve, priority=400)
