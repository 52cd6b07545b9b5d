"""Sync views served both by WSGI's lazy context (``test_lazy_context.py``)
and by the ASGI lean path for sync views (``asgi/test_scoped.py``): each
test file compares its fast path with the general one on them."""

from __future__ import annotations

import typing as t

import flask


def add_after_this(events: list[str]) -> str:
    """What the ``after-this`` views do: an ``after_this_request`` callback."""

    @flask.after_this_request
    def add(response: flask.Response) -> flask.Response:
        events.append(f"after_this_request {flask.request.path}")
        response.headers["X-After"] = "1"
        return response

    return "after"


def add_sync_views(app: flask.Flask, events: list[str], prefix: str = "") -> None:
    """Register the shared sync views under ``/{prefix}...``, their
    endpoints named as the rule with ``_`` for ``/`` in ``prefix``:
    ``args/<int:n>``, ``session``, ``after-this``, ``error`` (a
    ``ValueError``), ``abort`` (418), ``none`` and ``redirect`` (to the
    app's ``hello`` endpoint)."""

    def args(n: int) -> str:
        flask.request.view_args["n"] = -1  # type: ignore[index]
        return f"{n} {flask.request.view_args} {flask.request.args.get('q')}"

    def session() -> str:
        flask.session["n"] = flask.session.get("n", 0) + 1
        return str(flask.session["n"])

    def after_this() -> str:
        return add_after_this(events)

    def error() -> str:
        raise ValueError("boom")

    def abort() -> str:
        flask.abort(418)

    def none() -> t.Any:
        return None

    def redirect() -> t.Any:
        return flask.redirect(flask.url_for("hello"))

    views: list[tuple[str, str, t.Callable[..., t.Any]]] = [
        ("args/<int:n>", "args", args),
        ("session", "session", session),
        ("after-this", "after_this", after_this),
        ("error", "error", error),
        ("abort", "abort", abort),
        ("none", "none", none),
        ("redirect", "redirect", redirect),
    ]
    named = prefix.replace("/", "_")
    for rule, name, view in views:
        app.add_url_rule(f"/{prefix}{rule}", f"{named}{name}", view)
