"""Message flashing: messages stored in the session for the next request.

Re-exported by :mod:`flask.helpers` and :mod:`flask`. Messages live in
``session["_flashes"]`` as ``(category, message)`` pairs, so they need a
working session (a secret key).
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

from .globals import _cv_app_get
from .globals import _no_req_msg
from .signals import message_flashed


def flash(message: str, category: str = "message") -> None:
    """Store ``message`` to be shown by :func:`get_flashed_messages` in a
    later request (usually the next one, after a redirect).

    ``category`` is free-form; ``"message"``, ``"error"``, ``"info"`` and
    ``"warning"`` are conventional. Sends :data:`~flask.signals.message_flashed`.
    """
    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(_no_req_msg)
    session = ctx._used_session
    # Reassign so the session sees the change; appending in place would not
    # mark it modified.
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    if message_flashed.receivers:
        app = ctx.app
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Return the flashed messages and remove them from the session.

    Within one request every call returns the same messages, so a layout and
    a page template can both call it. ``with_categories`` returns
    ``(category, message)`` pairs; ``category_filter`` keeps only the given
    categories (the others are still removed from the session).
    """
    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(_no_req_msg)
    flashes = ctx.flashes
    if flashes is None:
        session = ctx._used_session
        flashes = session.pop("_flashes") if "_flashes" in session else []  # pyright: ignore[reportUnknownVariableType]
        ctx.flashes = flashes
    if category_filter:
        if not isinstance(category_filter, cabc.Container):
            category_filter = list(category_filter)
        flashes = [f for f in flashes if f[0] in category_filter]
    if with_categories:
        return flashes
    return [f[1] for f in flashes]
