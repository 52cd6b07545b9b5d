"""An independent, drop-in reimplementation of the Flask web framework."""

from __future__ import annotations

import gc as _gc

# The cyclic garbage collector is paused while the package and what it
# imports (werkzeug above all) load: what an import makes lives on, so the
# collections its allocations would set off find next to nothing to free (in
# a fresh process they cost about 1% of importing the package, building an
# app and serving a first request). It is left as it was found.
_gc_was_enabled = _gc.isenabled()
_gc.disable()
try:
    import sys as _sys
    import typing as t

    if t.TYPE_CHECKING:
        from ._flash import flash as flash
        from ._flash import get_flashed_messages as get_flashed_messages
        from ._static import send_file as send_file
        from ._static import send_from_directory as send_from_directory
        from ._websocket import (
            copy_current_websocket_context as copy_current_websocket_context,
        )
        from ._websocket import has_websocket_context as has_websocket_context
        from ._websocket import WebsocketDisconnect as WebsocketDisconnect
        from .signals import appcontext_popped as appcontext_popped
        from .signals import appcontext_pushed as appcontext_pushed
        from .signals import appcontext_tearing_down as appcontext_tearing_down
        from .signals import before_render_template as before_render_template
        from .signals import got_background_exception as got_background_exception
        from .signals import got_request_exception as got_request_exception
        from .signals import got_websocket_exception as got_websocket_exception
        from .signals import message_flashed as message_flashed
        from .signals import request_finished as request_finished
        from .signals import request_started as request_started
        from .signals import request_tearing_down as request_tearing_down
        from .signals import template_rendered as template_rendered
        from .signals import websocket_finished as websocket_finished
        from .signals import websocket_started as websocket_started
        from .signals import websocket_tearing_down as websocket_tearing_down
        from .templating import render_template as render_template
        from .templating import render_template_string as render_template_string
        from .templating import stream_template as stream_template
        from .templating import stream_template_string as stream_template_string

    from . import json as json
    from ._lazy import lazy_names as _lazy_names
    from .app import Flask as Flask
    from .blueprints import Blueprint as Blueprint
    from .config import Config as Config
    from .ctx import after_this_request as after_this_request
    from .ctx import copy_current_request_context as copy_current_request_context
    from .ctx import has_app_context as has_app_context
    from .ctx import has_request_context as has_request_context
    from .globals import current_app as current_app
    from .globals import g as g
    from .globals import request as request
    from .globals import session as session
    from .globals import websocket as websocket
    from .helpers import abort as abort
    from .helpers import get_template_attribute as get_template_attribute
    from .helpers import make_response as make_response
    from .helpers import RE_EXPORTED as _RE_EXPORTED
    from .helpers import redirect as redirect
    from .helpers import stream_with_context as stream_with_context
    from .helpers import url_for as url_for
    from .json import jsonify as jsonify
    from .wrappers import Request as Request
    from .wrappers import Response as Response
finally:
    if _gc_was_enabled:
        _gc.enable()
    del _gc_was_enabled


def __getattr__(name: str) -> t.Any:
    if name == "__version__":
        import importlib.metadata
        import warnings

        warnings.warn(
            "The '__version__' attribute is deprecated. Use feature detection,"
            ' or importlib.metadata.version("flask").',
            DeprecationWarning,
            stacklevel=2,
        )
        try:
            return importlib.metadata.version("flask")
        except importlib.metadata.PackageNotFoundError:
            return "3.2.0.dev0"
    if name in _LAZY:
        return _lazy_getattr(name)
    if name in _SUBMODULES:
        import importlib

        # Importing a submodule also sets it as an attribute of the package.
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The signals, which load blinker (all of flask.signals.__all__ but Namespace).
_SIGNALS = (
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_background_exception",
    "got_request_exception",
    "got_websocket_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
    "websocket_finished",
    "websocket_started",
    "websocket_tearing_down",
)

# Names resolved on first use (see flask._lazy), so an app that does not
# use them does not load their modules: the template helpers (with Jinja),
# the WebSocket names, the signals (with blinker), and the file-sending and
# flashing helpers.
_LAZY: dict[str, str] = {
    **{
        name: f".templating:{name}"
        for name in (
            "render_template",
            "render_template_string",
            "stream_template",
            "stream_template_string",
        )
    },
    **{
        name: f"._websocket:{name}"
        for name in (
            "copy_current_websocket_context",
            "has_websocket_context",
            "WebsocketDisconnect",
        )
    },
    **{name: f".signals:{name}" for name in _SIGNALS},
    **_RE_EXPORTED,
}
_lazy_getattr: t.Callable[[str], t.Any] = _lazy_names(__name__, _LAZY)[0]

# Public submodules, attributes of the package as after ``import flask`` in
# Flask; the ones this package does not need at import time load on first use.
_SUBMODULES = frozenset(
    {
        "app",
        "blueprints",
        "cli",
        "config",
        "ctx",
        "debughelpers",
        "globals",
        "helpers",
        "json",
        "logging",
        "sansio",
        "sessions",
        "signals",
        "templating",
        "testing",
        "typing",
        "views",
        "wrappers",
    }
)


def __dir__() -> list[str]:
    # (``globals`` here is the submodule, hence ``sys.modules``.)
    return sorted(
        {
            *vars(_sys.modules[__name__]),
            *_SUBMODULES,
            *_LAZY,
        }
    )


# ``from flask import *`` gives what it gave before the template helpers became
# lazy: every public name, the template helpers and ``cli`` included (as in
# Flask, where those modules are loaded by then). Computed, so checkers go by
# the explicit re-exports (``import x as x``) above instead.
__all__ = sorted(  # pyright: ignore[reportUnsupportedDunderAll]
    {
        name
        for name in vars(_sys.modules[__name__])
        if not name.startswith("_") and name not in {"annotations", "t"}
    }
    | set(_LAZY)
    | {"cli", "templating"}
)
