"""JSON helpers that follow the active app's JSON provider.

Inside an app context these call ``current_app.json``, so a custom provider
applies everywhere; outside one they use :mod:`json` with the extra types of
``flask.json.provider._default``.
"""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app_get
from ..globals import current_app
from .provider import _default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string with the current app's provider."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` and write it to the text file ``fp``."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize a JSON string or bytes with the current app's provider."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Read the file ``fp`` and deserialize its contents."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Make an ``application/json`` response from the arguments.

    One positional argument is the data, several become a list, keyword
    arguments a dict (not both). Needs an app context, since the response is
    built by ``current_app.json.response``.
    """
    ctx = _cv_app_get(None)
    if ctx is None:
        # The proxy raises the error that says an app context is needed.
        return current_app.json.response(*args, **kwargs)  # type: ignore[return-value]
    return ctx.app.json.response(*args, **kwargs)  # type: ignore[return-value]


def __getattr__(name: str) -> t.Any:
    # ``flask.json.tag`` is an attribute after ``import flask`` in Flask,
    # where the session module imports it; here it loads on first use.
    if name == "tag":
        import importlib

        return importlib.import_module(f"{__name__}.tag")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "tag"})
