"""Streaming and testing as users write them, checked by mypy and pyright;
``run_checks`` runs them."""

from __future__ import annotations

import sys
import typing as t

import click
from werkzeug.test import TestResponse

from flask import copy_current_request_context
from flask import Flask
from flask import request
from flask import Response
from flask import session
from flask import stream_template_string
from flask import stream_with_context
from flask.sessions import SessionMixin
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

app = Flask(__name__)
app.secret_key = "typing-test"


# The call form: wrap a generator object.
@app.route("/call")
def call_form() -> Response:
    def generate() -> t.Iterator[str]:
        yield "Hello "
        yield request.args["name"]

    body = stream_with_context(generate())
    assert_type(body, t.Iterator[str])
    return Response(body)


# The decorator form: wrap a generator function; its parameters are kept.
@app.route("/decorated")
def decorator_form() -> Response:
    @stream_with_context
    def generate(count: int) -> t.Iterator[bytes]:
        for _ in range(count):
            yield request.args["name"].encode()

    generator: t.Callable[[int], t.Iterator[bytes]] = generate
    assert_type(generate(2), t.Iterator[bytes])
    return Response(generator(2))


@app.route("/generator")
def generator_form() -> Response:
    @stream_with_context
    def generate() -> t.Generator[str, None, None]:
        yield "gen"

    assert_type(generate(), t.Iterator[str])
    return Response(generate())


@app.route("/template")
def template() -> Response:
    body = stream_template_string("{{ a }}-{{ request.args['name'] }}", a=1)
    assert_type(body, t.Iterator[str])
    return Response(body)


@app.route("/copied")
def copied() -> str:
    @copy_current_request_context
    def work(suffix: str) -> str:
        return request.args["name"] + suffix

    assert_type(work("!"), str)
    return work("!")


@app.route("/count")
def count() -> str:
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])


@app.cli.command("greet")
@click.argument("name")
def greet(name: str) -> None:
    click.echo(f"Hello {name}")


def run_checks() -> None:
    """Run the views above through the test client; use the test helpers."""
    client = app.test_client()
    assert_type(client, FlaskClient)
    rv = client.get("/call", query_string={"name": "ada"})
    assert_type(rv, TestResponse)
    assert rv.text == "Hello ada"
    assert client.get("/decorated?name=x").data == b"xx"
    assert client.get("/generator").text == "gen"
    assert client.get("/template?name=t").text == "1-t"
    assert client.get("/copied?name=c").text == "c!"

    with client:
        assert client.get("/count").text == "1"
        assert request.path == "/count"
        assert session["n"] == 1
    with client.session_transaction() as sess:
        assert_type(sess, SessionMixin)
        sess["n"] = 41
    assert client.get("/count").text == "42"

    with app.test_request_context("/x", method="POST", json={"a": 1}):
        assert request.get_json() == {"a": 1}

    runner = app.test_cli_runner()
    assert_type(runner, FlaskCliRunner)
    result = runner.invoke(args=["greet", "ada"])
    assert (result.exit_code, result.output) == (0, "Hello ada\n")
