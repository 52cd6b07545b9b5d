"""The decisions ``flask.asgi._scoped.scoped_context`` keeps per request
line and ``Host`` (``flask._lines``): taken once, and taken again (or the
request left to the general path) whenever what they depend on changes,
so that a request gets the same answer as with the scope path off."""

from __future__ import annotations

import asyncio
import typing as t

import pytest
from test_scoped import make_app
from test_scoped import scope_for
from test_scoped import serve
from werkzeug.routing import Rule

import flask
from flask import _lines
from flask import Flask
from flask.asgi import _http
from flask.asgi import _scoped

Change = t.Callable[[Flask], None]


def count_decisions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of each decision taken (``_scoped._decide``)."""
    paths: list[str] = []
    real = _scoped._decide

    def spy(app: Flask, scope: t.Any, *rest: t.Any) -> t.Any:
        paths.append(scope["path"])
        return real(app, scope, *rest)

    monkeypatch.setattr(_scoped, "_decide", spy)
    return paths


def test_a_decision_is_taken_once_per_request_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decided = count_decisions(monkeypatch)
    app = make_app([])

    async def go() -> list[t.Any]:
        # (The app's first request takes the general path.)
        await serve(app, scope_for("GET", "/json"))
        decided.clear()
        answers = []
        for _ in range(4):
            answers.append(await serve(app, scope_for("GET", "/args/1")))
            answers.append(await serve(app, scope_for("GET", "/sync")))
            answers.append(await serve(app, scope_for("GET", "/hello")))
        return answers

    answers = asyncio.run(go())
    # The first request of each matches the general way (then remembered);
    # the second decides; the others reuse it.
    assert decided == ["/args/1", "/sync", "/hello"] * 2
    assert answers[3:] == answers[:3] * 3
    # The view changed its arguments: the kept ones are not.
    assert answers[0][2] == b"1 {'n': -1} None"
    # Another Host, scheme or server is another decision.
    decided.clear()
    for changes in (
        {"headers": [(b"host", b"example.com")]},
        {"scheme": "https"},
        {"server": ("localhost", 8000)},
        {"headers": [(b"host", b"localhost"), (b"cookie", b"a=b")]},
    ):
        asyncio.run(serve(app, scope_for("GET", "/hello", **changes)))
    assert decided == ["/hello"] * 3


def _add_async_view(app: Flask) -> None:
    async def other() -> str:
        return "replaced"

    app.view_functions["hello"] = other


def _add_sync_view(app: Flask) -> None:
    def other() -> str:
        return f"sync {flask.request.path}"

    app.view_functions["hello"] = other


def _add_rule(app: Flask) -> None:
    # A static rule is matched before one with a converter: the map's new
    # generation must be seen.
    app.url_map.add(Rule("/args/1", endpoint="json", methods=["GET"]))


def _server_name(app: Flask) -> None:
    app.config["SERVER_NAME"] = "other.example"


def _instance_method(app: Flask) -> None:
    real = app.make_response

    def make_response(rv: t.Any) -> flask.Response:
        response = real(rv)
        response.headers["X-Made"] = "here"
        return response

    app.make_response = make_response  # type: ignore[method-assign]


async def _rendered(sender: Flask, **extra: t.Any) -> None:
    pass


def _async_receiver(app: Flask) -> None:
    flask.template_rendered.connect(_rendered, app)


def _class_method(app: Flask) -> None:
    cls = type(app)
    real = cls.dispatch_request

    def dispatch_request(self: Flask, ctx: t.Any) -> t.Any:
        rv = real(self, ctx)
        return f"{rv} (dispatched)" if isinstance(rv, str) else rv

    # On the test's own subclass (see serve_changed).
    cls.dispatch_request = dispatch_request  # type: ignore[method-assign]


_ALL = [True] * 6

#: What changes after the decisions are taken, and which of the requests
#: to ``/hello``, ``/sync`` and ``/args/1`` (twice) the scope path takes
#: afterwards (none reaches it when the app's plan leaves every request to
#: the general path).
CHANGES: list[tuple[str, Change, list[bool]]] = [
    ("async view replaced", _add_async_view, _ALL),
    ("sync view for an async one", _add_sync_view, _ALL),
    # Matches of the map's new generation are remembered afresh.
    ("rule added", _add_rule, [False] * 3 + [True] * 3),
    ("SERVER_NAME", _server_name, [False] * 6),
    ("method on the app", _instance_method, []),
    # The async view is not called on the loop; the sync one sends no
    # template signal from there.
    ("async receiver", _async_receiver, [False, True, False] * 2),
    # The app's plan is made again from the class (flask._plan.plan_of)
    # and, as for a method on the app, leaves every request to the
    # general path.
    ("class method", _class_method, []),
]


def serve_changed(
    monkeypatch: pytest.MonkeyPatch, change: Change, use: bool
) -> tuple[list[t.Any], list[bool]]:
    """Serve ``/hello``, ``/sync`` and ``/args/1`` three times (so their
    decisions are kept), ``change`` the app, and serve them twice more,
    with the scope path on (``use``) or off: the last answers and, per
    request reaching it, whether the scope path took it."""
    real = _http.scoped_context
    taken: list[bool] = []

    def spy(app: Flask, scope: t.Any, plan: t.Any) -> t.Any:
        found = real(app, scope, plan) if use else None
        taken.append(found is not None)
        return found

    monkeypatch.setattr(_http, "scoped_context", spy)

    class App(Flask):
        pass

    app = make_app([])
    app.__class__ = App
    paths = ("/hello", "/sync", "/args/1")

    async def go() -> list[t.Any]:
        for _ in range(3):
            for path in paths:
                await serve(app, scope_for("GET", path))
        taken.clear()
        change(app)
        return [await serve(app, scope_for("GET", p)) for p in paths * 2]

    try:
        return asyncio.run(go()), taken
    finally:
        flask.template_rendered.disconnect(_rendered)


@pytest.mark.parametrize(
    ("change", "taken_after"),
    [c[1:] for c in CHANGES],
    ids=[c[0] for c in CHANGES],
)
def test_a_change_after_the_decision_is_seen(
    monkeypatch: pytest.MonkeyPatch, change: Change, taken_after: list[bool]
) -> None:
    on, on_taken = serve_changed(monkeypatch, change, True)
    off, _ = serve_changed(monkeypatch, change, False)
    assert on == off
    if change is _add_rule:
        assert on[2][2] == b'{"message":"Hello"}\n'
    assert on_taken == taken_after


def test_odd_scope_values_are_decided_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A list for the server's address or a bytearray Host (not what the
    spec says, but servable): decided every time, never kept."""
    decided = count_decisions(monkeypatch)
    app = make_app([])
    scopes = [
        scope_for("GET", "/hello", server=["localhost", 80]),
        scope_for("GET", "/hello", headers=[(b"host", bytearray(b"localhost"))]),
    ]

    async def go() -> list[t.Any]:
        await serve(app, scope_for("GET", "/hello"))
        return [await serve(app, dict(s)) for s in scopes * 2]

    answers = asyncio.run(go())
    assert answers == [(200, answers[0][1], b"Hello, World!")] * 4
    assert decided == ["/hello"] * 4


def test_the_decisions_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_lines, "MAX_LINES", 3)
    app = make_app([])

    async def go() -> list[bytes]:
        bodies = []
        for n in range(8):
            for _ in range(2):
                bodies.append((await serve(app, scope_for("GET", f"/args/{n}")))[2])
        return bodies

    bodies = asyncio.run(go())
    assert bodies[-1] == b"7 {'n': -1} None"
    key = _scoped._DOOR
    assert 0 < len(app._dispatch_cache[key]) <= 3
    # Dropped with the app's dispatch tables on a setup change.
    app._setup_changed()
    assert key not in app._dispatch_cache
