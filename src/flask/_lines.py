"""What a door decided for a request line it saw before, kept per app.

Before a request takes a lean path (WSGI's
:func:`flask._lazy_context.environ_context`, ASGI's
``flask.asgi._scoped.scoped_context``), its door checks that the route was
matched before, that the URL adapter would accept its host, and which view
it may call itself. All of that depends only on the request line, the
``Host`` header and the server's address, and on the app's state. So each
door keeps its :class:`Decision` per line, in the app's dispatch tables
(dropped with them on any setup change), and reuses it while the state it
depended on is the same: the app's plan, its URL map, the map's
generation and default subdomain, and the endpoint's view function. Under a real server
this counts more than in a tight loop: a request runs with cold caches,
and every object looked at costs.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule

    from ._plan import Plan
    from ._urls import _CountingAdd
    from .app import Flask

#: The most lines kept per door and app; past it they start afresh.
MAX_LINES = 1024


class Decision:
    """A door's decision for a request line (see the module docstring).

    A plain class with slots, not a named tuple: it is only read by
    attribute, and a named tuple's class costs more to create at import.
    """

    __slots__ = (
        "plan",
        "counter",
        "generation",
        "subdomain",
        "rule",
        "args",
        "endpoint",
        "view",
        "call",
        "flag",
        "sync",
    )

    def __init__(
        self,
        plan: Plan,
        counter: _CountingAdd,
        generation: int,
        subdomain: str,
        rule: Rule,
        args: dict[str, t.Any],
        endpoint: str,
        view: t.Any,
        call: t.Any,
        flag: bool,
        sync: bool,
    ) -> None:
        self.plan = plan
        #: The URL map's counter of rules added (``flask._urls._CountingAdd``:
        #: another map has another) and its count (``flask._urls.generation``),
        #: read before the match was looked up.
        self.counter = counter
        self.generation = generation
        self.subdomain = subdomain
        self.rule = rule
        #: The match's arguments (each request gets a copy).
        self.args = args
        self.endpoint = endpoint
        #: ``app.view_functions[endpoint]`` when decided.
        self.view = view
        #: The view the door may call itself, or ``None``.
        self.call = call
        #: The door's own: under ASGI, whether no after or teardown hook
        #: applies; under WSGI, whether the method is not ``HEAD``.
        self.flag = flag
        #: Under ASGI, whether ``call`` is a sync view.
        self.sync = sync


def decision(
    app: Flask,
    plan: Plan,
    generation: int,
    rule: Rule,
    args: dict[str, t.Any],
    call: t.Any,
    flag: bool,
    sync: bool = False,
) -> Decision:
    """A :class:`Decision` for the match ``rule`` with ``args``, found
    while the URL map was at ``generation`` (``flask._urls.generation``,
    which also gave the map its counter)."""
    endpoint = rule.endpoint
    url_map = app.url_map
    return Decision(
        plan,
        url_map.__dict__["add"],
        generation,
        url_map.default_subdomain or "",
        rule,
        args,
        endpoint,
        app.view_functions.get(endpoint),
        call,
        flag,
        sync,
    )


def recall(
    app: Flask, door: tuple[str, None], line: t.Any, plan: Plan
) -> Decision | None:
    """The decision ``door`` (its key in the app's dispatch tables, a
    constant: made per call, the tuple would cost more than the lookup)
    kept for ``line``, if the state it depended on is the same; else
    ``None``."""
    kept: dict[t.Any, Decision] | None = app._dispatch_cache.get(door)
    if kept is None:
        return None
    try:
        found = kept.get(line)
    except TypeError:  # a value the server should have given as str or bytes
        return None
    if found is None:
        return None
    url_map = app.url_map
    counter = found.counter
    if (
        found.plan is not plan
        or url_map.__dict__.get("add") is not counter
        or counter.url_map is not url_map  # (a copied map's copied counter)
        or counter.count != found.generation
        or (url_map.default_subdomain or "") != found.subdomain
        or app.view_functions.get(found.endpoint) is not found.view
    ):
        return None
    return found


def keep(app: Flask, door: tuple[str, None], line: t.Any, found: Decision) -> None:
    """Keep ``found`` as ``door``'s decision for ``line`` (not if the line
    cannot be a key)."""
    cache: dict[t.Any, t.Any] = app._dispatch_cache
    kept: dict[t.Any, Decision] | None = cache.get(door)
    if kept is None:
        kept = cache[door] = {}
    elif len(kept) >= MAX_LINES:
        kept.clear()
    try:
        kept[line] = found
    except TypeError:
        pass
