"""An extension, an app factory, a Flask subclass, CLI commands, signals and
config loading as users write them, checked by mypy and pyright;
``run_checks`` runs them."""

from __future__ import annotations

import json
import sys
import typing as t
from datetime import timedelta

import click
from werkzeug.middleware.proxy_fix import ProxyFix

from flask import current_app
from flask import Flask
from flask import g
from flask import Request
from flask import request_finished
from flask import Response
from flask import template_rendered
from flask.cli import with_appcontext
from flask.json.provider import DefaultJSONProvider
from flask.testing import FlaskClient

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


class Counter:
    """An extension with the usual ``init_app`` and per-request state on
    ``g``, torn down with the app context."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("COUNTER_START", 0)
        app.extensions["counter"] = self
        app.teardown_appcontext(self.teardown)

    @property
    def value(self) -> int:
        if "counter" not in g:
            g.counter = current_app.config["COUNTER_START"]
        g.counter += 1
        return t.cast(int, g.counter)

    def teardown(self, exc: BaseException | None) -> None:
        g.pop("counter", None)


class SortedJSONProvider(DefaultJSONProvider):
    sort_keys = True
    compact = True


class JSONResponse(Response):
    default_mimetype = "application/json"


class CustomRequest(Request):
    @property
    def wants_json(self) -> bool:
        return self.accept_mimetypes.best == "application/json"


class MyFlask(Flask):
    """A subclass changing the classes it uses."""

    json_provider_class = SortedJSONProvider
    response_class = JSONResponse
    request_class = CustomRequest
    test_client_class = FlaskClient


counter = Counter()


@click.command("count")
@click.option("--times", default=1, type=int)
@with_appcontext
def count_command(times: int) -> None:
    """Print the counter ``times`` times."""
    for _ in range(times):
        click.echo(str(counter.value))


def create_app(test_config: dict[str, t.Any] | None = None) -> MyFlask:
    app = MyFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev", COUNTER_START=10)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    app.config.from_file("settings.json", load=json.load, silent=True)
    app.permanent_session_lifetime = timedelta(days=1)
    app.wsgi_app = ProxyFix(app.wsgi_app)  # type: ignore[method-assign]
    counter.init_app(app)
    app.cli.add_command(count_command)

    @app.route("/")
    def index() -> dict[str, t.Any]:
        return {"value": counter.value, "b": 1, "a": 2}

    @app.route("/again")
    def again() -> str:
        return str(counter.value + counter.value)

    return app


finished: list[int] = []


def record(sender: Flask, response: Response, **extra: t.Any) -> None:
    finished.append(response.status_code)


def run_checks() -> None:
    """Run the app factory, the extension, the CLI command and a signal."""
    app = create_app({"TESTING": True})
    assert_type(app, MyFlask)
    assert_type(app.extensions["counter"], t.Any)
    assert isinstance(app.json, SortedJSONProvider)
    client = app.test_client()
    with request_finished.connected_to(record, app):
        rv = client.get("/", headers={"X-Forwarded-For": "10.0.0.1"})
    assert rv.data == b'{"a":2,"b":1,"value":11}\n'
    assert rv.mimetype == "application/json"
    assert finished == [200]
    assert client.get("/again").text == str(11 + 12)
    result = app.test_cli_runner().invoke(args=["count", "--times", "2"])
    assert result.output == "11\n12\n"

    rendered: list[str] = []

    def on_render(sender: Flask, template: t.Any, **extra: t.Any) -> None:
        rendered.append(template.name or "string")

    template_rendered.connect(on_render, app)
    try:
        with app.test_request_context("/", headers={"Accept": "application/json"}):
            from flask import render_template_string
            from flask import request

            assert isinstance(request, CustomRequest)
            assert request.wants_json
            assert render_template_string("{{ 1 + 1 }}") == "2"
    finally:
        template_rendered.disconnect(on_render, app)
    assert rendered == ["string"]
