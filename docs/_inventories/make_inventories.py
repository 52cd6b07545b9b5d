"""Build the intersphinx inventories this documentation links against.

The docs build runs with no network, so ``conf.py`` cannot download the
``objects.inv`` files of Python, Werkzeug, Jinja, Click and the other
libraries the API reference mentions. This script writes equivalent
inventories by introspecting the installed packages: every public module,
class, function, method and attribute becomes an entry whose URL points at
the page of the library's online documentation that describes it.

Run it again (with Python 3.11 or newer, which has ``wsgiref.types``)
after upgrading one of those libraries::

    .venv/bin/python docs/_inventories/make_inventories.py

Only names are taken from the packages; no documentation text is copied.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.metadata
import inspect
import pkgutil
import sys
import types
import warnings
import zlib
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Standard library modules the docs refer to (their members are included).
STDLIB = [
    "asyncio",
    "base64",
    "collections",
    "collections.abc",
    "concurrent.futures",
    "contextlib",
    "contextvars",
    "cProfile",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "functools",
    "hashlib",
    "hmac",
    "http",
    "importlib",
    "inspect",
    "io",
    "json",
    "logging",
    "logging.config",
    "logging.handlers",
    "os",
    "os.path",
    "pathlib",
    "pdb",
    "secrets",
    "smtplib",
    "sqlite3",
    "ssl",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "tomllib",
    "types",
    "typing",
    "unittest.mock",
    "uuid",
    "warnings",
    "wsgiref",
    "wsgiref.types",
    "zlib",
]

# Standard library modules documented on another module's page.
STDLIB_PAGES = {"wsgiref.types": "wsgiref"}

# Werkzeug documents its modules on pages named after them, with a few
# modules grouped onto another page.
WERKZEUG_PAGES = {
    "werkzeug.sansio.request": "wrappers/",
    "werkzeug.sansio.response": "wrappers/",
    "werkzeug.sansio.multipart": "http/",
    "werkzeug.sansio.http": "http/",
    "werkzeug.sansio.utils": "utils/",
    "werkzeug.formparser": "http/",
    "werkzeug.security": "utils/",
    "werkzeug.user_agent": "utils/",
    "werkzeug.middleware.proxy_fix": "middleware/proxy_fix/",
    "werkzeug.middleware.dispatcher": "middleware/dispatcher/",
    "werkzeug.middleware.shared_data": "middleware/shared_data/",
    "werkzeug.middleware.profiler": "middleware/profiler/",
    "werkzeug.middleware.http_proxy": "middleware/http_proxy/",
    "werkzeug.middleware.lint": "middleware/lint/",
    "werkzeug.debug": "debug/",
}


def werkzeug_page(module: str) -> str:
    for prefix, page in WERKZEUG_PAGES.items():
        if module == prefix or module.startswith(prefix + "."):
            return page
    parts = module.split(".")
    return f"{parts[1]}/" if len(parts) > 1 else ""


def itsdangerous_page(module: str) -> str:
    name = module.split(".")[-1]
    return {
        "itsdangerous": "",
        "signer": "signer/",
        "serializer": "serializer/",
        "timed": "timed/",
        "url_safe": "url_safe/",
        "exc": "exceptions/",
        "encoding": "encoding/",
    }.get(name, "")


# project -> (packages to walk, function mapping a module to its page)
PROJECTS: dict[str, tuple[list[str], Callable[[str], str], str]] = {
    "werkzeug": (["werkzeug"], werkzeug_page, "Werkzeug"),
    "jinja": (["jinja2"], lambda m: "api/", "Jinja"),
    "click": (["click"], lambda m: "api/", "Click"),
    "markupsafe": (["markupsafe"], lambda m: "escaping/", "MarkupSafe"),
    "itsdangerous": (["itsdangerous"], itsdangerous_page, "ItsDangerous"),
    "blinker": (["blinker"], lambda m: "", "Blinker"),
}


# Instance attributes, which introspecting the class cannot see.
EXTRA = {
    "werkzeug": [
        (
            "werkzeug.test.TestResponse.history",
            "attribute",
            "test/#werkzeug.test.TestResponse.history",
        ),
    ],
}


def role_of(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if isinstance(obj, type):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isroutine(obj):
        return "function"
    return "data"


def walk(package: str) -> list[types.ModuleType]:
    """The package and its importable, non-private submodules."""
    root = importlib.import_module(package)
    modules = [root]
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), package + "."):
        if any(p.startswith("_") for p in info.name.split(".")[1:]):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                modules.append(importlib.import_module(info.name))
        except Exception:  # optional dependencies missing: skip the module
            continue
    return modules


def public(
    module: types.ModuleType, everything: bool = False
) -> Iterable[tuple[str, object]]:
    """The public names of ``module``: its ``__all__``, or all of them."""
    names = getattr(module, "__all__", None)
    if names is None or everything:
        # Some stdlib modules leave documented names out of __all__
        # (os.PathLike), so for them every non-private name counts.
        names = sorted(set(names or ()) | {n for n in vars(module) if n[0] != "_"})
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield name, getattr(module, name)
        except AttributeError:
            continue


class Inventory:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def add(self, name: str, role: str, uri: str) -> None:
        self.entries.setdefault((name, f"py:{role}"), uri)

    def add_members(self, name: str, cls: type, uri: str) -> None:
        """Add the members of ``cls``, inherited ones included."""
        page, _, anchor = uri.partition("#")
        for attr in dir(cls):
            if attr.startswith("_") and attr not in ("__call__", "__init__"):
                continue
            try:
                value = inspect.getattr_static(cls, attr)
            except AttributeError:
                continue
            member_uri = f"{page}#{anchor}.{attr}" if anchor else uri
            if isinstance(value, staticmethod | classmethod):
                role = "method"
            elif inspect.isroutine(value):
                role = "method"
            else:
                role = "attribute"
            self.add(f"{name}.{attr}", role, member_uri)
            if role == "attribute":
                # Properties are referenced with :attr: or :meth:.
                self.add(f"{name}.{attr}", "property", member_uri)

    def write(self, path: Path, project: str, version: str) -> None:
        lines = []
        for (name, role), uri in sorted(self.entries.items()):
            if uri.endswith("#" + name):
                uri = uri[: -len(name)] + "$"
            lines.append(f"{name} {role} 1 {uri} -")
        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {project}\n"
            f"# Version: {version}\n"
            "# The remainder of this file is compressed using zlib.\n"
        )
        body = zlib.compress(("\n".join(lines) + "\n").encode("utf8"), 9)
        path.write_bytes(header.encode("utf8") + body)


def build_project(key: str, out_dir: Path = HERE) -> None:
    packages, page_of, title = PROJECTS[key]
    inv = Inventory()
    # First pass: the public name each object is documented under (the
    # shortest module path that exports it).
    canonical: dict[int, tuple[str, str]] = {}
    modules = [m for p in packages for m in walk(p)]
    # Werkzeug documents the names its package root re-exports under their
    # submodules (werkzeug.wrappers.Response), the others under the root.
    root_last = key == "werkzeug"

    def depth(m: types.ModuleType) -> int:
        n = m.__name__.count(".")
        return 99 if root_last and n == 0 else n

    for module in sorted(modules, key=depth):
        page = page_of(module.__name__)
        inv.add(module.__name__, "module", f"{page}#module-{module.__name__}")
        for name, obj in public(module):
            if isinstance(obj, types.ModuleType):
                continue
            if isinstance(obj, type) or inspect.isroutine(obj):
                home = getattr(obj, "__module__", None) or ""
                if not home.startswith(packages[0]):
                    continue
                # A module that merely imports the name for its own use
                # (werkzeug.debug imports Response) is not where it is
                # documented; its home module or a package above it is.
                exported = name in getattr(module, "__all__", ())
                above = home == module.__name__ or home.startswith(
                    module.__name__ + "."
                )
                if not (exported or above):
                    continue
                # The page follows the module that defines the object
                # (itsdangerous documents URLSafeTimedSerializer on its
                # url_safe page though it is imported from the root).
                obj_page = page_of(home)
            else:
                obj_page = page
            canonical.setdefault(id(obj), (f"{module.__name__}.{name}", obj_page))
    # Second pass: every path an object is reachable under points at the
    # canonical anchor, so annotations naming the defining module resolve.
    for module in modules:
        for name, obj in public(module):
            if id(obj) not in canonical or isinstance(obj, types.ModuleType):
                continue
            target, page = canonical[id(obj)]
            uri = f"{page}#{target}"
            role = role_of(obj)
            paths = {f"{module.__name__}.{name}"}
            if isinstance(obj, type) or inspect.isroutine(obj):
                paths.add(f"{obj.__module__}.{obj.__qualname__}")
            for path in paths:
                inv.add(path, role, uri)
                if role == "exception":
                    inv.add(path, "class", uri)
                if isinstance(obj, type):
                    inv.add_members(path, obj, uri)
    for name, role, uri in EXTRA.get(key, ()):
        inv.add(name, role, uri)
    version = importlib.metadata.version(
        {"jinja": "jinja2"}.get(key, key)  # distribution names
    )
    inv.write(out_dir / f"{key}.inv", title, version)


def build_python() -> None:
    inv = Inventory()
    for name, obj in vars(builtins).items():
        if name.startswith("_"):
            continue
        if isinstance(obj, type) and issubclass(obj, BaseException):
            uri = f"library/exceptions.html#{name}"
            inv.add(name, "exception", uri)
            inv.add(name, "class", uri)
        elif isinstance(obj, type):
            page = "functions" if name in FUNCTION_TYPES else "stdtypes"
            inv.add(name, "class", f"library/{page}.html#{name}")
            inv.add_members(name, obj, f"library/stdtypes.html#{name}")
        elif callable(obj):
            inv.add(name, "function", f"library/functions.html#{name}")
    for const in ("None", "True", "False", "Ellipsis", "NotImplemented"):
        inv.add(const, "data", f"library/constants.html#{const}")
    for module_name in STDLIB:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # wsgiref.types is new in Python 3.11
            continue
        page = f"library/{STDLIB_PAGES.get(module_name, module_name)}.html"
        inv.add(module_name, "module", f"{page}#module-{module_name}")
        for name, obj in public(module, everything=True):
            if isinstance(obj, types.ModuleType):
                continue
            path = f"{module_name}.{name}"
            uri = f"{page}#{path}"
            role = role_of(obj)
            inv.add(path, role, uri)
            if role in ("exception", "data"):
                # typing.Any and friends are data, but annotations
                # reference them as classes.
                inv.add(path, "class", uri)
            if isinstance(obj, type):
                inv.add_members(path, obj, uri)
    # The members found differ between Python versions: record the one used.
    version = "{}.{}".format(*sys.version_info[:2])
    inv.write(HERE / "python.inv", "Python", version)


# Built-in types the Python docs describe on the functions page (the
# containers and strings are on the stdtypes page).
FUNCTION_TYPES = {
    "bool",
    "classmethod",
    "complex",
    "enumerate",
    "filter",
    "float",
    "int",
    "map",
    "object",
    "property",
    "reversed",
    "slice",
    "staticmethod",
    "super",
    "type",
    "zip",
}


def main() -> None:
    build_python()
    for key in PROJECTS:
        build_project(key)


if __name__ == "__main__":
    main()
