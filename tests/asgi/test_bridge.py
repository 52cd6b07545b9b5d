"""tests/asgi_bridge.py, which runs whole test modules over ``app.asgi_app``,
must give the ASGI door the request the WSGI test client built."""

from __future__ import annotations

import pytest
from asgi_bridge import route_test_clients

import flask
from flask import Flask


def make_app() -> Flask:
    app = Flask(__name__)

    @app.route("/interrupt")
    def interrupt() -> str:
        raise KeyboardInterrupt

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.post("/target/")
    def target() -> bytes:
        return flask.request.get_data()

    @app.route("/where/<path:rest>")
    @app.route("/where/")
    def where(rest: str = "") -> str:
        return f"{flask.request.script_root}|{flask.request.path}"

    return app


def test_keyboard_interrupt_in_view_keeps_loop_running() -> None:
    with route_test_clients() as loop:
        client = make_app().test_client()
        with pytest.raises(KeyboardInterrupt):
            client.get("/interrupt")
        assert loop.thread.is_alive()
        assert client.get("/ok").data == b"ok"


def test_body_kept_when_308_followed() -> None:
    direct = (
        make_app().test_client().post("/target", data=b"payload", follow_redirects=True)
    )
    assert (direct.status_code, direct.data) == (200, b"payload")
    with route_test_clients():
        rv = (
            make_app()
            .test_client()
            .post("/target", data=b"payload", follow_redirects=True)
        )
    assert [r.status_code for r in rv.history] == [308]
    assert (rv.status_code, rv.data) == (200, b"payload")


def test_path_without_leading_slash_under_app_root() -> None:
    environ = {"SCRIPT_NAME": "/root", "PATH_INFO": "where/x"}
    direct = make_app().test_client().get(environ_overrides=environ)
    with route_test_clients():
        rv = make_app().test_client().get(environ_overrides=environ)
    assert direct.data == rv.data == b"/root|/where/x"
