"""The context processor every app starts with (kept free of Jinja imports,
so that creating an app does not load the template engine)."""

from __future__ import annotations

import typing as t

from .globals import _cv_app_get


def default_template_ctx_processor() -> dict[str, t.Any]:
    """The values every template gets from the active context: ``g``, and
    ``request`` while a request is handled.

    ``session`` is left to the environment's global proxy on purpose: reading
    it here would open the session (and add ``Vary: Cookie``) for every
    rendered template, even one that never looks at it.
    """
    ctx = _cv_app_get(None)
    if ctx is None:
        return {}
    if ctx._request is None:
        return {"g": ctx.g}
    return {"g": ctx.g, "request": ctx._request}
