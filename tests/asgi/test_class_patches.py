"""A pipeline method replaced on Flask's class, before an app's first
request or after it, is called on both doors, as Flask calls it on every
request; once undone, the lean paths serve again. (The app's plan is made
again from the class: ``flask._plan.plan_of``.)"""

from __future__ import annotations

import asyncio
import typing as t

import pytest
from test_scoped import make_app
from test_scoped import scope_for
from test_scoped import serve

from flask import _plan
from flask import Flask
from flask.asgi import _http
from flask.ctx import AppContext

PATHS = ("/hello", "/sync", "/json")


def patch_process_response(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Flask.process_response

    def process_response(self: Flask, ctx: AppContext, response: t.Any) -> t.Any:
        response = real(self, ctx, response)
        response.headers["X-Patched"] = "1"
        return response

    monkeypatch.setattr(Flask, "process_response", process_response)


def spy_lean(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per request, whether the ASGI door's scope path served it."""
    taken: list[bool] = []
    real = _http.scoped_context

    def spy(app: Flask, scope: t.Any, plan: t.Any) -> t.Any:
        found = real(app, scope, plan)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(_http, "scoped_context", spy)
    return taken


def patched(answers: list[t.Any]) -> list[bool]:
    return [("x-patched", "1") in headers for _, headers, _ in answers]


def test_patched_after_the_first_requests_on_asgi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([])
    taken = spy_lean(monkeypatch)

    async def go() -> list[list[t.Any]]:
        for _ in range(3):
            for path in PATHS:
                await serve(app, scope_for("GET", path))
        taken.clear()
        before = [await serve(app, scope_for("GET", p)) for p in PATHS]
        patch_process_response(monkeypatch)
        during = [await serve(app, scope_for("GET", p)) for p in PATHS]
        monkeypatch.undo()
        after = [await serve(app, scope_for("GET", p)) for p in PATHS]
        return [before, during, after]

    before, during, after = asyncio.run(go())
    assert patched(before) == [False] * 3
    assert patched(during) == [True] * 3
    assert patched(after) == [False] * 3
    assert [body for _, _, body in during] == [body for _, _, body in before]
    # The lean path before and after the patch, not while it is there.
    assert taken[:3] == [True] * 3
    assert taken[-3:] == [True] * 3
    assert True not in taken[3:-3]


def test_patched_after_the_first_requests_on_wsgi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([])
    client = app.test_client()
    for _ in range(3):
        for path in PATHS:
            client.get(path)
    patch_process_response(monkeypatch)
    assert [client.get(p).headers.get("X-Patched") for p in PATHS] == ["1"] * 3
    calls: list[str] = []
    real = Flask.request_context

    def request_context(self: Flask, environ: t.Any) -> t.Any:
        calls.append(environ["PATH_INFO"])
        return real(self, environ)

    monkeypatch.setattr(Flask, "request_context", request_context)
    assert client.get("/sync").status_code == 200
    assert calls == ["/sync"]
    monkeypatch.undo()
    assert client.get("/sync").headers.get("X-Patched") is None


def test_patched_before_the_app_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_process_response(monkeypatch)
    app = make_app([])
    client = app.test_client()

    async def go() -> list[t.Any]:
        for _ in range(3):
            for path in PATHS:
                await serve(app, scope_for("GET", path))
        return [await serve(app, scope_for("GET", p)) for p in PATHS]

    assert patched(asyncio.run(go())) == [True] * 3
    assert [client.get(p).headers.get("X-Patched") for p in PATHS] == ["1"] * 3


def test_the_plan_is_made_again_only_when_the_class_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([])
    plan = _plan.plan_of(app)
    assert _plan.plan_of(app) is plan
    patch_process_response(monkeypatch)
    changed = _plan.plan_of(app)
    assert changed is not plan and not changed.inline
    assert _plan.plan_of(app) is changed
    monkeypatch.undo()
    assert _plan.plan_of(app) is not changed


def test_wsgi_entry_point_replaced_on_the_class_keeps_the_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What instrumentation such as Sentry's does: ``Flask.__call__``
    wrapped. The ASGI door does not call it, and keeps driving the steps."""
    real = Flask.__call__

    def wrapped(self: Flask, environ: t.Any, start_response: t.Any) -> t.Any:
        return real(self, environ, start_response)

    monkeypatch.setattr(Flask, "__call__", wrapped)
    app = make_app([])
    plan = _plan.plan_of(app)
    assert plan.splittable
