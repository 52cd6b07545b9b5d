"""Finding an app's root folder and its instance folder from its import name."""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib.machinery import ModuleSpec


def _spec_or_none(name: str) -> ModuleSpec | None:
    """``find_spec`` that answers ``None`` instead of raising.

    ``find_spec`` raises ``ValueError`` for a module in ``sys.modules`` without
    ``__spec__`` (``__main__`` of a script, modules built at run time) and
    ``ImportError`` when a parent package cannot be imported.
    """
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def _spec_file(spec: ModuleSpec) -> str | None:
    """The file a spec loads from, or ``None`` for built-in, frozen and
    namespace modules."""
    if spec.has_location and spec.origin:
        return spec.origin
    return None


def get_root_path(import_name: str) -> str:
    """The folder holding the module or package ``import_name``.

    Used for ``root_path`` so templates, static files and resources are found
    next to the code. Names that cannot be found (``__main__`` run
    interactively, modules created at run time, made-up names) use the working
    directory. A module that exists but has no file (built-in, namespace
    package) raises ``RuntimeError``: pass ``root_path`` explicitly.
    """
    mod = sys.modules.get(import_name)
    mod_file: str | None = getattr(mod, "__file__", None)
    if mod_file is not None:
        return os.path.dirname(os.path.abspath(mod_file))

    spec = _spec_or_none(import_name)
    if spec is None or spec.loader is None:
        return os.getcwd()

    filename = _spec_file(spec)
    if filename is None:
        # Some import hooks only set __file__ when the module runs.
        __import__(import_name)
        filename = getattr(sys.modules[import_name], "__file__", None)
    if filename is None:
        raise RuntimeError(
            f"Cannot find a root path for the module {import_name!r}: it has no"
            " file on disk (a built-in module, a namespace package, or a module"
            " from an import hook that gives no file name). Pass 'root_path'"
            " explicitly when creating the app or blueprint."
        )
    return os.path.dirname(os.path.abspath(filename))


def _find_package_path(import_name: str) -> str:
    """The folder that contains the top-level package or module of
    ``import_name``; the working directory when it cannot be found."""
    root_name = import_name.partition(".")[0]
    root_spec = _spec_or_none(root_name)
    if root_spec is None:
        return os.getcwd()

    locations = root_spec.submodule_search_locations
    if locations is None:
        # A top-level module: the folder it sits in.
        filename = _spec_file(root_spec)
        return os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()

    filename = _spec_file(root_spec)
    if filename is not None:
        # A regular package: the folder above the package folder.
        return os.path.dirname(os.path.dirname(os.path.abspath(filename)))

    # A namespace package spread over several folders: use the one that holds
    # the submodule being asked about.
    search = [os.path.abspath(p) for p in locations]
    if not search:
        return os.getcwd()
    if import_name != root_name:
        spec = _spec_or_none(import_name)
        target = _spec_file(spec) if spec is not None else None
        if target is not None:
            target = os.path.abspath(target)
            for location in search:
                if _is_relative_to(target, location):
                    return os.path.dirname(location)
    return os.path.dirname(search[0])


def _is_relative_to(path: str, parent: str) -> bool:
    """Whether ``path`` is ``parent`` or inside it (both absolute)."""
    try:
        return os.path.commonpath([path, parent]) == parent
    except ValueError:  # different drives on Windows
        return False


def find_package(import_name: str) -> tuple[str | None, str]:
    """Where the package of ``import_name`` lives, and its install prefix.

    Returns ``(prefix, package_path)``. ``prefix`` is set when the package is
    installed: anywhere under ``sys.prefix``, or in a ``site-packages`` folder
    elsewhere (a user or custom install), whose prefix is the folder above
    ``lib``. It is ``None`` for code in a development folder.
    """
    package_path = _find_package_path(import_name)
    py_prefix = os.path.abspath(sys.prefix)

    if _is_relative_to(os.path.abspath(package_path), py_prefix):
        return py_prefix, package_path

    site_parent, site_folder = os.path.split(package_path)
    if site_folder.lower() == "site-packages":
        parent, folder = os.path.split(site_parent)
        if folder.lower() == "lib":
            # Windows layout: <prefix>/Lib/site-packages
            return parent, package_path
        if os.path.basename(parent).lower() == "lib":
            # POSIX layout: <prefix>/lib/pythonX.Y/site-packages
            return os.path.dirname(parent), package_path
        return site_parent, package_path

    return None, package_path


def auto_find_instance_path(import_name: str, root_path: str) -> str:
    """The default instance folder for an app.

    ``<project>/instance`` next to the package while developing;
    ``<prefix>/var/<import name>-instance`` for an installed package, since
    site-packages is no place for data that changes. ``root_path`` is accepted
    for subclasses and callers that override the lookup.
    """
    prefix, package_path = find_package(import_name)
    if prefix is None:
        return os.path.join(package_path, "instance")
    return os.path.join(prefix, "var", f"{import_name}-instance")
