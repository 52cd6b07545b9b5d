"""Flask-SocketIO (threading mode) through its test client.

Events run inside a request context that Flask-SocketIO builds from the
connection's environ; with ``manage_session`` it swaps in its own copy of the
user's session by assigning the context's ``_session``.
"""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

fsio = require("flask_socketio")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Chat(fsio.Namespace):
    """A class-based namespace: ``on_<event>`` methods are the handlers."""

    def on_connect(self) -> None:
        fsio.emit("joined", {"namespace": flask.request.namespace})

    def on_shout(self, text: str) -> None:
        fsio.emit("shouted", text.upper())


def make_app(**socketio_kwargs: t.Any) -> tuple[flask.Flask, t.Any]:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="socket secret", GREETING="hi")
    socketio = fsio.SocketIO(app, async_mode="threading", **socketio_kwargs)

    @app.route("/login/<name>")
    def login(name: str) -> str:
        flask.session["user"] = name
        return "ok"

    @app.route("/whoami")
    def whoami() -> t.Any:
        return {"user": flask.session.get("user"), "count": flask.session.get("n")}

    @app.route("/notify/<text>")
    def notify(text: str) -> str:
        # Emitting from a normal HTTP view reaches every connected client.
        socketio.emit("notice", text)
        return "sent"

    @socketio.on("connect")
    def connect(auth: dict[str, t.Any] | None) -> bool | None:
        if auth is not None and auth.get("token") == "bad":
            return False
        fsio.emit(
            "welcome",
            {
                "user": flask.session.get("user"),
                "auth": auth,
                "greeting": flask.current_app.config["GREETING"],
                "lang": flask.request.args.get("lang"),
                "has_sid": bool(flask.request.sid),
            },
        )
        return None

    @socketio.on("message")
    def message(data: t.Any) -> None:
        fsio.send(f"echo: {data}")

    @socketio.on("add")
    def add(a: int, b: int) -> int:
        return a + b  # the return value is the acknowledgement

    @socketio.on("count")
    def count() -> None:
        flask.session["n"] = flask.session.get("n", 0) + 1
        fsio.emit("counted", flask.session["n"])

    @socketio.on("whoami")
    def who() -> None:
        fsio.emit("you", flask.session.get("user"))

    @socketio.on("join")
    def join(room: str) -> None:
        fsio.join_room(room)
        fsio.emit("entered", room, to=room)

    @socketio.on("leave")
    def leave(room: str) -> None:
        fsio.leave_room(room)

    @socketio.on("say")
    def say(room: str, text: str) -> None:
        fsio.emit("said", text, to=room)

    @socketio.on("everyone")
    def everyone(text: str) -> None:
        fsio.emit("broadcast", text, broadcast=True, include_self=False)

    @socketio.on("fail")
    def fail() -> None:
        raise ValueError("handler failed")

    @socketio.on_error_default
    def on_error(e: Exception) -> None:
        fsio.emit("error", {"type": type(e).__name__, "message": str(e)})

    socketio.on_namespace(Chat("/chat"))
    return app, socketio


def events(client: t.Any, namespace: str | None = None) -> list[tuple[str, t.Any]]:
    return [
        (p["name"], p["args"][0] if len(p["args"]) == 1 else p["args"])
        for p in client.get_received(namespace)
    ]


@pytest.fixture
def setup() -> tuple[flask.Flask, t.Any]:
    return make_app()


def test_connect_handler_sees_request_and_auth(setup: t.Any) -> None:
    app, socketio = setup
    client = socketio.test_client(app, query_string="lang=fr", auth={"token": "t"})
    assert client.is_connected()
    assert events(client) == [
        (
            "welcome",
            {
                "user": None,
                "auth": {"token": "t"},
                "greeting": "hi",
                "lang": "fr",
                "has_sid": True,
            },
        )
    ]
    client.disconnect()
    assert not client.is_connected()


def test_connection_refused(setup: t.Any) -> None:
    app, socketio = setup
    client = socketio.test_client(app, auth={"token": "bad"})
    assert not client.is_connected()


def test_send_emit_and_acknowledgement(setup: t.Any) -> None:
    app, socketio = setup
    client = socketio.test_client(app)
    client.get_received()
    client.send("hello")
    received = client.get_received()
    assert [(p["name"], p["args"]) for p in received] == [("message", "echo: hello")]
    assert client.emit("add", 2, 3, callback=True) == 5


def test_flask_session_is_shared_from_http(setup: t.Any) -> None:
    app, socketio = setup
    http = app.test_client()
    http.get("/login/ann")
    client = socketio.test_client(app, flask_test_client=http)
    assert events(client)[0][1]["user"] == "ann"
    client.emit("whoami")
    assert events(client) == [("you", "ann")]


def test_managed_session_is_per_connection(setup: t.Any) -> None:
    app, socketio = setup
    http = app.test_client()
    http.get("/login/ann")
    client = socketio.test_client(app, flask_test_client=http)
    client.get_received()
    client.emit("count")
    client.emit("count")
    assert events(client) == [("counted", 1), ("counted", 2)]
    # Socket.IO's copy of the session is not written back to the cookie.
    assert http.get("/whoami").get_json() == {"user": "ann", "count": None}
    other = socketio.test_client(app, flask_test_client=http)
    other.get_received()
    other.emit("count")
    assert events(other) == [("counted", 1)]


def test_unmanaged_session_uses_the_session_interface() -> None:
    app, socketio = make_app(manage_session=False)
    http = app.test_client()
    http.get("/login/bob")
    client = socketio.test_client(app, flask_test_client=http)
    assert events(client)[0][1]["user"] == "bob"
    client.emit("count")
    assert events(client) == [("counted", 1)]


def test_rooms_and_broadcast(setup: t.Any) -> None:
    app, socketio = setup
    ann = socketio.test_client(app)
    bob = socketio.test_client(app)
    cat = socketio.test_client(app)
    for c in (ann, bob, cat):
        c.get_received()
    ann.emit("join", "lobby")
    bob.emit("join", "lobby")
    assert events(ann) == [("entered", "lobby"), ("entered", "lobby")]
    assert events(bob) == [("entered", "lobby")]
    cat.emit("say", "lobby", "psst")
    assert events(ann) == [("said", "psst")]
    assert events(bob) == [("said", "psst")]
    assert events(cat) == []
    bob.emit("leave", "lobby")
    cat.emit("say", "lobby", "again")
    assert events(ann) == [("said", "again")]
    assert events(bob) == []
    ann.emit("everyone", "hey all")
    assert events(ann) == []
    assert events(bob) == [("broadcast", "hey all")]
    assert events(cat) == [("broadcast", "hey all")]


def test_emit_from_an_http_view(setup: t.Any) -> None:
    app, socketio = setup
    client = socketio.test_client(app)
    client.get_received()
    assert app.test_client().get("/notify/deploy").data == b"sent"
    assert events(client) == [("notice", "deploy")]


def test_error_handler(setup: t.Any) -> None:
    app, socketio = setup
    client = socketio.test_client(app)
    client.get_received()
    client.emit("fail")
    assert events(client) == [
        ("error", {"type": "ValueError", "message": "handler failed"})
    ]


def test_class_based_namespace(setup: t.Any) -> None:
    app, socketio = setup
    client = socketio.test_client(app, namespace="/chat")
    assert client.is_connected("/chat")
    assert events(client, "/chat") == [("joined", {"namespace": "/chat"})]
    client.emit("shout", "quiet", namespace="/chat")
    assert events(client, "/chat") == [("shouted", "QUIET")]


def test_threading_mode(setup: t.Any) -> None:
    _, socketio = setup
    assert socketio.async_mode == "threading"
    assert socketio.server.eio.async_mode == "threading"
