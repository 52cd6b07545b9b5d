"""Names a module exposes without importing what they come from up front.

Each public module lists the names Flask's module of the same name exposes
(including names that module only imports, which extensions import from it)
and that this package does not need at import time. They are resolved on first
access through the module's ``__getattr__`` and then cached in the module, so
``import flask`` stays cheap and ``from flask.app import Rule`` still works.
"""

from __future__ import annotations

import importlib
import sys
import typing as t


def lazy_names(
    module_name: str, table: dict[str, str]
) -> tuple[t.Callable[[str], t.Any], t.Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` serving ``table``.

    ``table`` maps a name to ``"module"`` (the module itself) or
    ``"module:attribute"``; a leading dot is relative to the ``flask``
    package.
    """

    def __getattr__(name: str) -> t.Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        path, _, attr = target.partition(":")
        if path.startswith("."):
            path = "flask" + path
        value: t.Any = importlib.import_module(path)
        if attr:
            source = value
            value = getattr(source, attr)
            if attr not in vars(source):
                # Served by that module's own ``__getattr__`` (a deprecated
                # name that warns on every use): not cached here.
                return value
        setattr(sys.modules[module_name], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[module_name]), *table})

    return __getattr__, __dir__


class LazyClassAttribute:
    """A class attribute whose value, ``"module:attribute"`` (a leading dot
    is relative to the ``flask`` package), is imported when first read: a
    default class or object (``Flask.jinja_environment``...) whose module
    need not load with ``flask``. On that first read the value replaces
    this descriptor on the class that defined it, so later reads are plain
    attribute reads. A subclass or an instance setting its own value
    replaces it as usual (this is not a data descriptor).
    """

    __slots__ = ("target", "owner", "name")

    def __init__(self, target: str) -> None:
        self.target = target

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> t.Any:
        path, _, attr = self.target.partition(":")
        if path.startswith("."):
            path = "flask" + path
        value = getattr(importlib.import_module(path), attr)
        defined_on: type | None = getattr(self, "owner", None)
        if defined_on is not None and vars(defined_on).get(self.name) is self:
            setattr(defined_on, self.name, value)
        return value


def typevar_names(*names: str) -> dict[str, str]:
    """``lazy_names`` entries for type variables of :mod:`flask._typevars`."""
    return {name: f"._typevars:{name}" for name in names}
