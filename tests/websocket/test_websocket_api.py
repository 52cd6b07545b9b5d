"""The WebSocket API through the test client (which runs the ASGI door in
memory): registration and routing, the ``websocket`` global, messages,
accepting and rejecting, hooks, errors, signals, sessions."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import typing as t

import pytest
from werkzeug.routing import WebsocketMismatch

import flask
from flask import abort
from flask import Blueprint
from flask import Flask
from flask import g
from flask import request
from flask import session
from flask import url_for
from flask import websocket
from flask import WebsocketDisconnect
from flask.testing import WebsocketResponseError


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


# -- registration and routing ------------------------------------------------


def test_routes_are_websocket_rules(app: Flask) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        pass

    def other() -> None:
        pass

    app.add_websocket("/other/<int:n>", "other_ep", other)
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    assert rules["handler"].websocket and rules["other_ep"].websocket
    assert rules["handler"].methods == {"GET", "HEAD"}
    assert app.view_functions["other_ep"] is other
    with pytest.raises(TypeError, match="methods"):
        app.add_websocket("/x", "x", other, methods=["POST"])


def test_plain_http_to_websocket_only_path_is_400(app: Flask) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        pass

    rv = app.test_client().get("/ws")
    assert rv.status_code == 400
    app.config["TESTING"] = False
    assert app.test_client().post("/ws").status_code in (400, 405)


def test_http_and_websocket_routes_share_a_path(app: Flask) -> None:
    @app.route("/both")
    def page() -> str:
        return "http"

    @app.websocket("/both")
    async def both() -> None:
        await websocket.send("ws")

    client = app.test_client()
    assert client.get("/both").text == "http"
    with client.websocket("/both") as ws:
        assert ws.receive() == "ws"


def test_websocket_to_http_only_path_is_rejected_400(app: Flask) -> None:
    @app.route("/page")
    def page() -> str:
        return "http"

    app.config["TESTING"] = False
    with pytest.raises(WebsocketResponseError) as info:
        with app.test_client().websocket("/page"):
            pass
    assert info.value.response.status_code == WebsocketMismatch.code
    with pytest.raises(WebsocketResponseError) as info:
        with app.test_client().websocket("/missing"):
            pass
    assert info.value.response.status_code == 404


def test_url_for_websocket_endpoints(app: Flask) -> None:
    bp = Blueprint("live", __name__, url_prefix="/live")

    @bp.websocket("/feed/<name>")
    async def feed(name: str) -> None:
        await websocket.send(url_for(".feed", name=name + "2"))
        await websocket.send(url_for("page", _external=True))
        await websocket.send(url_for("page"))

    app.register_blueprint(bp)

    @app.route("/page")
    def page() -> str:
        return url_for("live.feed", name="x")

    client = app.test_client()
    assert client.get("/page").text == "ws://localhost/live/feed/x"
    with client.websocket("/live/feed/a") as ws:
        assert ws.receive() == "ws://localhost/live/feed/a2"
        assert ws.receive() == "http://localhost/page"
        assert ws.receive() == "/page"


def test_blueprint_add_websocket_and_converters(app: Flask) -> None:
    bp = Blueprint("bp", __name__)

    def handler(n: int) -> None:
        websocket.send(f"{n + 1}:{websocket.endpoint}:{websocket.blueprint}")

    bp.add_websocket("/n/<int:n>", view_func=handler)
    app.register_blueprint(bp, url_prefix="/p")
    with app.test_client().websocket("/p/n/41") as ws:
        assert ws.receive() == "42:bp.handler:bp"


# -- the websocket global ------------------------------------------------------


def test_websocket_global_has_request_attributes(app: Flask) -> None:
    seen: dict[str, t.Any] = {}

    @app.websocket("/ws/<name>")
    async def handler(name: str) -> None:
        seen.update(
            path=websocket.path,
            args=websocket.args.to_dict(),
            header=websocket.headers["X-Thing"],
            cookie=websocket.cookies.get("c"),
            auth=websocket.authorization.username if websocket.authorization else None,
            rule=websocket.url_rule.rule if websocket.url_rule else None,
            view_args=websocket.view_args,
            name=name,
            requested=websocket.requested_subprotocols,
            is_request=request._get_current_object() is websocket._get_current_object(),  # type: ignore[attr-defined]
            has_ws=flask.has_websocket_context(),
            has_req=flask.has_request_context(),
        )
        await websocket.accept()

    client = app.test_client()
    client.set_cookie("c", "cookie value")
    with client.websocket(
        "/ws/ann?x=1",
        headers={"X-Thing": "thing", "Authorization": "Basic dXNlcjpwdw=="},
        subprotocols=["a", "b"],
    ):
        pass
    assert seen == {
        "path": "/ws/ann",
        "args": {"x": "1"},
        "header": "thing",
        "cookie": "cookie value",
        "auth": "user",
        "rule": "/ws/<name>",
        "view_args": {"name": "ann"},
        "name": "ann",
        "requested": ["a", "b"],
        "is_request": True,
        "has_ws": True,
        "has_req": True,
    }


def test_websocket_outside_a_connection_says_so(app: Flask) -> None:
    assert not flask.has_websocket_context()
    with pytest.raises(RuntimeError, match="outside of WebSocket context"):
        websocket.path  # noqa: B018
    with app.test_request_context():
        assert not flask.has_websocket_context()
        with pytest.raises(RuntimeError, match="outside of WebSocket context"):
            websocket.receive()


# -- messages ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_text_binary_empty_and_json_messages(app: Flask, kind: str) -> None:
    if kind == "async":

        @app.websocket("/echo")
        async def echo() -> None:
            while True:
                data = await websocket.receive()
                if data == "json":
                    await websocket.send_json(await websocket.receive_json())
                else:
                    await websocket.send(data)

    else:

        @app.websocket("/echo")
        def echo() -> None:
            while True:
                data = websocket.receive()
                if data == "json":
                    websocket.send_json(websocket.receive_json())
                else:
                    websocket.send(data)

    with app.test_client().websocket("/echo") as ws:
        for data in ["text", b"\x00\xffbinary", "", b"", "é✓"]:
            ws.send(data)
            got = ws.receive()
            assert got == data and type(got) is type(data)
        ws.send("json")
        ws.send_json({"a": [1, 2]})
        assert ws.receive_json() == {"a": [1, 2]}


def test_send_refuses_other_types(app: Flask) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def handler() -> None:
        try:
            websocket.send(123)  # type: ignore[arg-type]
        except TypeError as e:
            errors.append(str(e))
        await websocket.send(bytearray(b"ok"))

    with app.test_client().websocket("/ws") as ws:
        assert ws.receive() == b"ok"
    assert "send_json" in errors[0]


def test_async_with_client(app: Flask) -> None:
    @app.websocket("/echo")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    async def main() -> list[t.Any]:
        async with app.test_client().websocket("/echo") as ws:
            await ws.send("a")
            await ws.send_json([1])
            return [await ws.receive(), await ws.receive_json()]

    assert asyncio.run(main()) == ["a", [1]]


# -- accepting and closing -----------------------------------------------------


def test_accept_with_subprotocol_and_headers(app: Flask) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        with pytest.raises(ValueError, match="not requested"):
            websocket.accept(subprotocol="nope")
        await websocket.accept(headers={"X-Hello": "there"}, subprotocol="chat")
        with pytest.raises(RuntimeError, match="already accepted"):
            websocket.accept()
        await websocket.send(websocket.subprotocol or "")

    with app.test_client().websocket("/ws", subprotocols=["json", "chat"]) as ws:
        assert ws.subprotocol == "chat"
        assert ws.headers["X-Hello"] == "there"
        assert ws.receive() == "chat"


def test_close_code_and_reason_reach_the_client(app: Flask) -> None:
    @app.websocket("/ws")
    def handler() -> None:
        websocket.send("bye")
        websocket.close(4001, "done")
        with pytest.raises(WebsocketDisconnect):
            websocket.send("more")

    with app.test_client().websocket("/ws") as ws:
        assert ws.receive() == "bye"
        with pytest.raises(WebsocketDisconnect) as info:
            ws.receive()
        assert (info.value.code, info.value.reason) == (4001, "done")
        assert ws.close_code == 4001


def test_handler_returning_closes_1000(app: Flask) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("one")

    with app.test_client().websocket("/ws") as ws:
        assert ws.receive() == "one"
        with pytest.raises(WebsocketDisconnect) as info:
            ws.receive()
        assert info.value.code == 1000


# -- rejecting the handshake ---------------------------------------------------------


def _rejection(app: Flask, path: str, **kw: t.Any) -> flask.Response:
    with pytest.raises(WebsocketResponseError) as info:
        with app.test_client().websocket(path, **kw):
            pass
    return t.cast(flask.Response, info.value.response)


def test_returned_response_rejects_with_its_status(app: Flask) -> None:
    @app.websocket("/teapot")
    def teapot() -> t.Any:
        return {"error": "teapot"}, 418, {"X-Why": "tea"}

    @app.websocket("/silent")
    async def silent() -> None:
        pass

    @app.websocket("/closed")
    async def closed() -> None:
        await websocket.close()

    response = _rejection(app, "/teapot")
    assert response.status_code == 418
    assert response.headers["X-Why"] == "tea"
    assert response.json == {"error": "teapot"}
    assert _rejection(app, "/silent").status_code == 403
    assert _rejection(app, "/closed").status_code == 403


def test_abort_in_before_websocket_rejects(app: Flask) -> None:
    bp = Blueprint("private", __name__)
    calls: list[str] = []

    @bp.before_websocket
    def check_token() -> None:
        calls.append("before")
        if websocket.args.get("token") != "s3cret":
            abort(401)

    @bp.websocket("/private")
    async def private() -> None:
        calls.append("handler")
        await websocket.send("welcome")

    @app.errorhandler(401)
    def unauthorized(e: Exception) -> t.Any:
        return {"error": "login first"}, 401

    app.register_blueprint(bp)
    response = _rejection(app, "/private")
    assert response.status_code == 401
    assert response.json == {"error": "login first"}
    assert calls == ["before"]
    with app.test_client().websocket("/private?token=s3cret") as ws:
        assert ws.receive() == "welcome"
    assert calls == ["before", "before", "handler"]


def test_before_websocket_value_rejects_and_sets_cookie(app: Flask) -> None:
    @app.before_websocket
    async def deny() -> t.Any:
        response = flask.make_response("no", 403)
        response.set_cookie("seen", "yes")
        return response

    @app.websocket("/ws")
    async def handler() -> None:
        raise AssertionError("not reached")

    client = app.test_client()
    with pytest.raises(WebsocketResponseError) as info:
        with client.websocket("/ws"):
            pass
    assert info.value.response.status_code == 403
    assert info.value.response.get_data() == b"no"
    assert client.get_cookie("seen") is not None


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_error_after_accept_closes_1011_and_is_logged(
    app: Flask, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False
    if kind == "async":

        @app.websocket("/boom")
        async def boom() -> None:
            await websocket.send("soon")
            raise ZeroDivisionError("boom")

    else:

        @app.websocket("/boom")
        def boom() -> None:
            websocket.send("soon")
            raise ZeroDivisionError("boom")

    with caplog.at_level(logging.ERROR):
        with app.test_client().websocket("/boom") as ws:
            assert ws.receive() == "soon"
            with pytest.raises(WebsocketDisconnect) as info:
                ws.receive()
    assert info.value.code == 1011
    records = [r for r in caplog.records if "Exception on /boom [GET]" in r.message]
    assert records and records[0].exc_info is not None
    assert records[0].exc_info[0] is ZeroDivisionError


def test_error_before_accept_is_500_and_uses_500_handler(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.websocket("/boom")
    async def boom() -> None:
        raise KeyError("x")

    @app.errorhandler(500)
    def server_error(e: Exception) -> t.Any:
        return "custom 500", 500

    with caplog.at_level(logging.ERROR):
        response = _rejection(app, "/boom")
    assert response.status_code == 500
    assert response.get_data() == b"custom 500"
    assert any("Exception on /boom" in r.message for r in caplog.records)


def test_error_propagates_to_the_test_in_testing_mode(app: Flask) -> None:
    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.accept()
        raise ZeroDivisionError("boom")

    @app.websocket("/early")
    def early() -> None:
        raise KeyError("early")

    with pytest.raises(ZeroDivisionError):
        with app.test_client().websocket("/boom") as ws:
            ws.receive()
    with pytest.raises(KeyError):
        with app.test_client().websocket("/early"):
            pass


def test_error_handler_handles_websocket_errors(app: Flask) -> None:
    class Oops(Exception):
        pass

    handled: list[str] = []

    @app.errorhandler(Oops)
    def oops(e: Oops) -> t.Any:
        handled.append(websocket.path)
        return "oops", 409

    @app.websocket("/before")
    def before() -> None:
        raise Oops()

    @app.websocket("/after")
    async def after() -> None:
        await websocket.accept()
        raise Oops()

    assert _rejection(app, "/before").status_code == 409
    with app.test_client().websocket("/after") as ws:
        with pytest.raises(WebsocketDisconnect) as info:
            ws.receive()
    # Handled (no exception reaches the test), but the connection failed.
    assert info.value.code == 1011
    assert handled == ["/before", "/after"]


# -- hooks, context, signals ---------------------------------------------------------


def test_hooks_run_in_order_and_teardown_once(app: Flask) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @app.before_request
    def not_for_websockets() -> None:
        calls.append("before_request")

    @app.teardown_request
    def not_for_websockets_either(exc: BaseException | None) -> None:
        calls.append("teardown_request")

    @app.url_value_preprocessor
    def pull(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        g.room = values.pop("room")

    @app.before_websocket
    def app_before() -> None:
        calls.append("app before")

    @bp.before_websocket
    async def bp_before() -> None:
        calls.append("bp before")

    @bp.before_app_websocket
    def bp_app_before() -> None:
        calls.append("bp app before")

    @bp.websocket("/ws/<room>")
    async def ws() -> None:
        calls.append(f"handler {g.room}")

    @app.after_websocket
    def app_after(response: t.Any) -> t.Any:
        calls.append(f"app after {response}")
        return response

    @bp.after_websocket
    async def bp_after(response: t.Any) -> t.Any:
        calls.append("bp after")
        return response

    @app.teardown_websocket
    def app_teardown(exc: BaseException | None) -> None:
        calls.append(f"app teardown {exc}")

    @bp.teardown_websocket
    async def bp_teardown(exc: BaseException | None) -> None:
        calls.append("bp teardown")

    @bp.teardown_app_websocket
    def bp_app_teardown(exc: BaseException | None) -> None:
        calls.append("bp app teardown")

    @app.teardown_appcontext
    def appcontext(exc: BaseException | None) -> None:
        calls.append("appcontext")

    app.register_blueprint(bp)
    with pytest.raises(WebsocketResponseError) as info:
        with app.test_client().websocket("/ws/lobby"):
            pass
    assert info.value.response.status_code == 403
    # The handler returned without accepting: no response for the after
    # functions, and the client gets a 403 (a close before accepting).
    assert calls == [
        "app before",
        "bp app before",
        "bp before",
        "handler lobby",
        "bp after",
        "app after None",
        "bp teardown",
        "bp app teardown",
        "app teardown None",
        "appcontext",
    ]


def test_after_websocket_gets_the_rejection_response(app: Flask) -> None:
    seen: list[t.Any] = []

    @app.websocket("/reject")
    def reject() -> t.Any:
        return "nope", 400

    @app.websocket("/accepted")
    async def accepted() -> None:
        await websocket.accept()

    @app.after_websocket
    def after(response: t.Any) -> t.Any:
        seen.append(None if response is None else response.status_code)
        if response is not None:
            response.headers["X-After"] = "1"
        return response

    assert _rejection(app, "/reject").headers["X-After"] == "1"
    with app.test_client().websocket("/accepted") as ws:
        with pytest.raises(WebsocketDisconnect):
            ws.receive()
    assert seen == [400, None]


def test_signals(app: Flask) -> None:
    got: list[t.Any] = []

    def started(sender: Flask) -> None:
        got.append(("started", websocket.path))

    def finished(sender: Flask, response: t.Any) -> None:
        got.append(("finished", response))

    def tearing_down(sender: Flask, exc: BaseException | None) -> None:
        got.append(("tearing_down", exc))

    def exception(sender: Flask, exception: Exception) -> None:
        got.append(("exception", type(exception).__name__))

    @app.websocket("/ok")
    async def ok() -> None:
        await websocket.accept()

    @app.websocket("/bad")
    async def bad() -> None:
        await websocket.accept()
        raise ValueError()

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with (
        flask.websocket_started.connected_to(started, app),
        flask.websocket_finished.connected_to(finished, app),
        flask.websocket_tearing_down.connected_to(tearing_down, app),
        flask.got_websocket_exception.connected_to(exception, app),
    ):
        with app.test_client().websocket("/ok") as ws:
            with pytest.raises(WebsocketDisconnect):
                ws.receive()
        with app.test_client().websocket("/bad") as ws:
            with pytest.raises(WebsocketDisconnect):
                ws.receive()
    assert got[:3] == [("started", "/ok"), ("finished", None), ("tearing_down", None)]
    assert got[3:5] == [("started", "/bad"), ("exception", "ValueError")]
    assert got[5][0] == "tearing_down" and isinstance(got[5][1], ValueError)


def test_session_and_g_in_handler(app: Flask) -> None:
    @app.route("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    @app.websocket("/whoami")
    async def whoami() -> None:
        g.seen = True
        await websocket.send(session.get("user", "nobody"))
        await websocket.send(str(flask.current_app.name))

    client = app.test_client()
    with client.websocket("/whoami") as ws:
        assert ws.receive() == "nobody"
    client.get("/login/ann")
    with client.websocket("/whoami") as ws:
        assert ws.receive() == "ann"
        assert ws.receive() == app.name
    with client.session_transaction() as sess:
        sess["user"] = "bob"
    with client.websocket("/whoami") as ws:
        assert ws.receive() == "bob"


# -- the client going away -----------------------------------------------------------


def test_client_close_ends_sync_handler_with_teardown_once(app: Flask) -> None:
    events: list[t.Any] = []
    done = threading.Event()

    @app.websocket("/ws")
    def handler() -> None:
        try:
            while True:
                websocket.receive()
        except WebsocketDisconnect as e:
            events.append(("disconnect", e.code))
            raise

    @app.teardown_websocket
    def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", exc))
        done.set()

    with app.test_client().websocket("/ws") as ws:
        ws.send("x")
        ws.close(1001)
    assert done.wait(5)
    assert events == [("disconnect", 1001), ("teardown", None)]


def test_client_close_cancels_async_handler_waiting_elsewhere(app: Flask) -> None:
    events: list[str] = []

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.teardown_websocket
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {exc}")

    with app.test_client().websocket("/ws"):
        pass
    assert events == ["cancelled", "teardown None"]


def test_messages_sent_before_close_are_received(app: Flask) -> None:
    got: list[t.Any] = []

    @app.websocket("/ws")
    async def handler() -> None:
        try:
            while True:
                got.append(await websocket.receive())
        except WebsocketDisconnect as e:
            got.append(e.code)

    with app.test_client().websocket("/ws") as ws:
        ws.send("a")
        ws.send("b")
    assert got == ["a", "b", 1000]


# -- sync handlers --------------------------------------------------------------------


def test_sync_handler_runs_in_a_thread_with_helpers(app: Flask) -> None:
    @app.websocket("/ws")
    def handler() -> None:
        main = threading.current_thread()
        results: list[str] = []

        @flask.copy_current_websocket_context
        def in_thread() -> None:
            websocket.send(f"from thread for {websocket.path}")
            results.append(threading.current_thread().name)

        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()
        assert results and results[0] != main.name
        websocket.send(websocket.receive().upper())

    with app.test_client().websocket("/ws") as ws:
        assert ws.receive() == "from thread for /ws"
        ws.send("shout")
        assert ws.receive() == "SHOUT"


def test_receive_times_out_in_the_test(app: Flask) -> None:
    @app.websocket("/quiet")
    async def quiet() -> None:
        await websocket.accept()
        await asyncio.sleep(30)

    with app.test_client().websocket("/quiet", timeout=0.2) as ws:
        with pytest.raises(TimeoutError):
            ws.receive()


def test_max_message_size_closes_1009(app: Flask) -> None:
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 10
    got: list[t.Any] = []

    @app.websocket("/ws")
    async def handler() -> None:
        try:
            while True:
                got.append(await websocket.receive())
        except WebsocketDisconnect as e:
            got.append(e.code)

    with app.test_client().websocket("/ws") as ws:
        ws.send("é" * 5)  # 10 bytes
        ws.send("é" * 6)  # 12 bytes in UTF-8, 6 characters
        with pytest.raises(WebsocketDisconnect) as info:
            ws.receive()
    assert info.value.code == 1009
    assert got == ["é" * 5, 1009]


def test_copied_context_in_a_task_runs_no_second_teardown(app: Flask) -> None:
    teardowns: list[t.Any] = []

    @app.websocket("/ws")
    async def handler() -> None:
        @flask.copy_current_websocket_context
        async def ticker() -> str:
            await websocket.send(f"tick for {websocket.path}")
            return "done"

        assert await asyncio.create_task(ticker()) == "done"

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        teardowns.append(exc)

    with app.test_client().websocket("/ws") as ws:
        assert ws.receive() == "tick for /ws"
    assert teardowns == [None]
    with pytest.raises(RuntimeError, match="WebSocket connection is being handled"):
        flask.copy_current_websocket_context(lambda: None)


def test_first_connection_ends_setup(app: Flask) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("hi")

    with app.test_client().websocket("/ws") as ws:
        assert ws.receive() == "hi"
    assert app.got_first_request
    with pytest.raises(AssertionError, match="first request"):
        app.before_websocket(lambda: None)


def test_handler_that_does_not_end_after_close_times_out(app: Flask) -> None:
    @app.websocket("/stubborn")
    def stubborn() -> None:
        websocket.accept()
        try:
            websocket.receive()
        except WebsocketDisconnect:
            time.sleep(0.5)  # slow to notice

    with pytest.raises(TimeoutError, match="did not end within 0.2 seconds"):
        with app.test_client().websocket("/stubborn", timeout=0.2):
            pass
