"""Teardown that runs every callback and receiver and reports every error.

An error in one teardown function or signal receiver must not stop the
others (they release connections, locks, files). The errors are collected
and raised together: as an exception group on Python 3.11+, the first one on
3.10 (which has no exception groups).
"""

from __future__ import annotations

import sys
import typing as t

from ._inspect import iscoroutinefunction

if t.TYPE_CHECKING:
    from blinker import Signal

    from .app import Flask

#: Whether errors are raised as exception groups (Python 3.11+).
USE_GROUPS = sys.version_info >= (3, 11)


def teardown_error(where: str, errors: list[Exception]) -> Exception:
    """The exception to raise for ``errors`` collected during ``where``."""
    if sys.version_info >= (3, 11) and USE_GROUPS:
        return ExceptionGroup(f"Errors during {where}", errors)  # noqa: F821
    return errors[0]


def run_each(
    app: Flask,
    funcs: t.Iterable[t.Callable[[BaseException | None], t.Any]],
    exc: BaseException | None,
    errors: list[Exception],
) -> None:
    """Call every teardown function with ``exc``, collecting their errors."""
    ensure_sync = app.ensure_sync
    for func in funcs:
        try:
            ensure_sync(func)(exc)
        except Exception as e:
            errors.append(e)


def send_each(
    signal: Signal, app: Flask, errors: list[Exception], **kwargs: t.Any
) -> None:
    """Like ``signal.send(app, ...)``, but every receiver runs even if one
    raises; their errors are appended to ``errors``."""
    if signal.is_muted:
        return
    for receiver in signal.receivers_for(app):
        try:
            if iscoroutinefunction(receiver):
                app.ensure_sync(receiver)(app, **kwargs)
            else:
                receiver(app, **kwargs)
        except Exception as e:
            errors.append(e)
