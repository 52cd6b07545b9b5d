"""``inspect.iscoroutinefunction``, exact and fast for plain functions.

The request path asks it of views and hooks on every request. For a plain
function (the usual view) one flag test answers it; everything else
(methods, partials, functions marked with ``inspect.markcoroutinefunction``,
callable objects) goes to :mod:`inspect`.
"""

from __future__ import annotations

import typing as t
from inspect import iscoroutinefunction as _inspect_iscoroutinefunction
from types import FunctionType

_CO_COROUTINE = 0x80


def iscoroutinefunction(func: object) -> bool:
    """Whether ``func`` is a coroutine function (as :mod:`inspect` says)."""
    if type(func) is FunctionType and "_is_coroutine_marker" not in func.__dict__:
        return bool(func.__code__.co_flags & _CO_COROUTINE)
    return _inspect_iscoroutinefunction(t.cast(t.Any, func))
