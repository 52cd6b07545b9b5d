"""What ``import flask`` loads: the template engine, the CLI, the session
signer and the signals only when an app uses them, with every public name
still reachable."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import typing as t

import pytest

import flask

HEAVY = (
    "jinja2",
    "click",
    "itsdangerous",
    "asyncio",
    "flask._websocket",
    "flask._websocket_app",
    "flask._typevars",
    "flask.json.tag",
    "flask.logging",
    "flask._static",
    "flask._flash",
    "blinker",
    "flask.signals",
    # The IDNA codec: every host these apps see is ASCII.
    "encodings.idna",
    "stringprep",
)


def _loaded_after(code: str) -> dict[str, bool]:
    """Which of ``HEAVY`` a fresh interpreter has imported after ``code``."""
    report = f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    script = f"{code}\nimport sys, json\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _stdout(script: str) -> str:
    """What a fresh interpreter running ``script`` prints."""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return out.stdout


JSON_APP = """
import flask
app = flask.Flask("lazy")
bp = flask.Blueprint("bp", "lazy")

@bp.get("/item")
def item():
    return {"ok": flask.request.path}

app.register_blueprint(bp)
rv = app.test_client().get("/item")
assert rv.json == {"ok": "/item"}, rv.data
"""


def test_json_app_loads_no_template_engine_cli_or_signer() -> None:
    assert _loaded_after(JSON_APP) == dict.fromkeys(HEAVY, False)


def test_idna_codec_loads_for_a_non_ascii_host_only() -> None:
    """Binding a request served through WSGI (not the test client) to its
    ``Host`` needs no codec while the host is ASCII; a non-ASCII one loads
    it."""
    serve = (
        "environ = {{'REQUEST_METHOD': 'GET', 'PATH_INFO': '/item',"
        " 'SERVER_NAME': 'example.com', 'SERVER_PORT': '8080',"
        " 'HTTP_HOST': {host!r}, 'wsgi.url_scheme': 'http'}}\n"
        "statuses = []\n"
        "body = b''.join(app(environ, lambda s, h, e=None: statuses.append(s)))\n"
        "assert statuses == ['200 OK'], statuses\n"
    )
    ascii_host = _loaded_after(JSON_APP + serve.format(host="Example.COM:8080"))
    assert not ascii_host["encodings.idna"] and not ascii_host["stringprep"]
    other = _loaded_after(JSON_APP + serve.format(host="bücher.example:8080"))
    assert other["encodings.idna"]


def test_import_leaves_the_garbage_collector_as_found() -> None:
    """``import flask`` pauses the cyclic collector while it loads (without
    the pause some fifty collections run), and leaves it enabled or disabled
    as it was. Re-enabled, it runs at most once before the import ends, to
    catch up on what the import allocated."""
    for before, enabled, most in (("", "True", 1), ("gc.disable()\n", "False", 0)):
        script = (
            "import gc\n"
            "runs = []\n"
            "gc.callbacks.append(lambda phase, info: runs.append(phase))\n"
            f"{before}import flask\n"
            "print(gc.isenabled(), runs.count('start'))"
        )
        state, runs = _stdout(script).split()
        assert state == enabled
        assert int(runs) <= most


def test_json_app_makes_no_forward_reference() -> None:
    """Type aliases and type variables made at import name their classes,
    not strings: ``typing`` compiles each string into a ``ForwardRef``, about
    60 us apiece in a fresh process."""
    script = (
        "import sys, typing\n"
        "made = []\n"
        "init = typing.ForwardRef.__init__\n"
        "def spy(self, arg, *a, **k):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame.f_globals is vars(typing):\n"
        "        frame = frame.f_back\n"
        "    if frame.f_globals['__name__'].startswith('flask'):\n"
        "        made.append((frame.f_globals['__name__'], arg))\n"
        "    init(self, arg, *a, **k)\n"
        "typing.ForwardRef.__init__ = spy\n"
        f"{JSON_APP}\n"
        "print(made)\n"
    )
    assert _stdout(script).strip().splitlines()[-1] == "[]"


def test_each_feature_loads_what_it_needs() -> None:
    template = _loaded_after(
        JSON_APP + "with app.app_context(): flask.render_template_string('x')"
    )
    assert template["jinja2"] and not template["click"]
    cli = _loaded_after(JSON_APP + "app.cli.command('hi')(lambda: None)")
    assert cli["click"] and not cli["jinja2"]
    signer = _loaded_after(
        JSON_APP
        + "app.secret_key = 'k'\n"
        + "with app.test_request_context(): flask.session['a'] = 1\n"
        + "app.test_client().get('/item', headers={'Cookie': 'session=bad'})"
    )
    assert signer["itsdangerous"] and not signer["jinja2"]
    assert signer["flask.json.tag"]


@pytest.mark.parametrize(
    ("code", "loaded", "not_loaded"),
    [
        ("flask.json.tag.TaggedJSONSerializer", "flask.json.tag", "itsdangerous"),
        ("app.logger.info('x')", "flask.logging", "flask.json.tag"),
        ("from flask import send_file", "flask._static", "flask._flash"),
        ("flask.helpers.get_flashed_messages", "flask._flash", "flask._static"),
        (
            "assert not flask.has_websocket_context()",
            "flask._websocket",
            "flask._websocket_app",
        ),
        (
            "from flask.sansio.scaffold import T_route",
            "flask._typevars",
            "flask._websocket",
        ),
    ],
)
def test_lazy_module_loads_on_first_use(
    code: str, loaded: str, not_loaded: str
) -> None:
    after = _loaded_after(JSON_APP + code)
    assert after[loaded] and not after[not_loaded]


SIGNALS_LATE = """
events = []
def note(event):
    def receiver(sender, **kw):
        events.append(event)
    return receiver
from flask import appcontext_pushed, request_started, request_finished
from flask.signals import request_tearing_down, appcontext_tearing_down
appcontext_pushed.connect(note("pushed"), app, weak=False)
request_started.connect(note("started"), app, weak=False)
request_finished.connect(note("finished"), app, weak=False)
request_tearing_down.connect(note("req down"), app, weak=False)
appcontext_tearing_down.connect(note("app down"), app, weak=False)
rv = app.test_client().get("/item")
assert rv.json == {"ok": "/item"}, rv.data
print(events)
"""


def test_signals_connected_after_serving_are_sent() -> None:
    """An app that served requests before any signal was loaded (so the
    request path saw stand-ins with no receivers) sends each signal to
    receivers connected later."""
    script = JSON_APP + (
        "import sys\n"
        "from flask import _signal_slots as slots\n"
        "assert 'blinker' not in sys.modules\n"
        "assert slots.request_started is slots.UNLOADED\n"
        "assert slots.UNLOADED.receivers == {}\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script + SIGNALS_LATE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == str(
        ["pushed", "started", "finished", "req down", "app down"]
    )


def test_signal_slots_hold_the_real_signals() -> None:
    from flask import _signal_slots
    from flask import signals

    for name in _signal_slots.NAMES:
        assert getattr(_signal_slots, name) is getattr(signals, name)
        assert getattr(flask, name) is getattr(signals, name)
    # flask lists the signals to serve lazily: every one flask.signals has.
    assert set(flask._SIGNALS) == set(signals.__all__) - {"Namespace"}
    # Flask's flask.app and flask.ctx import some of them too.
    assert flask.app.request_started is signals.request_started
    assert flask.ctx.appcontext_popped is signals.appcontext_popped
    assert {"request_started", "template_rendered"} <= set(dir(flask))
    assert {"request_started", "template_rendered"} <= set(flask.__all__)


def test_lazy_attributes_are_the_real_objects() -> None:
    from flask import templating

    assert flask.render_template is templating.render_template
    assert flask.stream_template_string is templating.stream_template_string
    assert flask.Flask.jinja_environment is templating.Environment
    assert {"render_template", "cli", "templating"} <= set(dir(flask))
    assert {"render_template", "cli", "Flask"} <= set(flask.__all__)


def test_lazy_websocket_names_are_the_real_objects() -> None:
    from flask import _websocket

    assert flask.WebsocketDisconnect is _websocket.WebsocketDisconnect
    assert flask.has_websocket_context is _websocket.has_websocket_context
    assert flask.copy_current_websocket_context is (
        _websocket.copy_current_websocket_context
    )
    assert flask.Flask.websocket_class is flask.wrappers.Websocket
    assert flask.Flask(__name__).websocket_class is _websocket.Websocket
    names = {"WebsocketDisconnect", "has_websocket_context", "send_file", "flash"}
    assert names <= set(dir(flask)) and names <= set(flask.__all__)

    class MyWebsocket(flask.wrappers.Websocket):
        pass

    class MyFlask(flask.Flask):
        websocket_class = MyWebsocket

    assert MyFlask(__name__).websocket_class is MyWebsocket
    app = flask.Flask(__name__)
    app.websocket_class = MyWebsocket
    assert app.websocket_class is MyWebsocket


def test_lazy_type_variables_are_shared_type_variables() -> None:
    from flask import _typevars
    from flask import ctx
    from flask.sansio import app as sansio_app
    from flask.sansio import blueprints
    from flask.sansio import scaffold

    for module, name in [
        (scaffold, "T_route"),
        (scaffold, "T_after_websocket"),
        (blueprints, "T_template_filter"),
        (sansio_app, "T_shell_context_processor"),
        (ctx, "T_after_request"),
    ]:
        value = getattr(module, name)
        assert isinstance(value, t.TypeVar) and value.__name__ == name
        assert value is getattr(_typevars, name)
        assert name in dir(module)


def test_session_serializer_is_one_shared_object() -> None:
    from flask.json.tag import JSONTag
    from flask.json.tag import TaggedJSONSerializer

    shared = flask.sessions.session_json_serializer
    assert type(shared) is TaggedJSONSerializer
    assert flask.sessions.TaggedJSONSerializer is TaggedJSONSerializer
    assert flask.sessions.SecureCookieSessionInterface.serializer is shared
    app = flask.Flask(__name__)
    app.secret_key = "k"
    assert app.session_interface.serializer is shared  # type: ignore[attr-defined]

    class TagFrozenset(JSONTag):
        key = " fs"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, frozenset)

        def to_json(self, value: t.Any) -> t.Any:
            return sorted(value)

        def to_python(self, value: t.Any) -> t.Any:
            return frozenset(value)

    # As the flask.json.tag docs show: a tag registered on the app's
    # serializer is used for every app's cookie.
    app.session_interface.serializer.register(TagFrozenset)  # type: ignore[attr-defined]
    try:

        @app.get("/set")
        def set_value() -> str:
            flask.session["f"] = frozenset({2, 1})
            return ""

        @app.get("/get")
        def get_value() -> str:
            value = flask.session["f"]
            return f"{type(value).__name__} {sorted(value)}"

        client = app.test_client()
        client.get("/set")
        assert client.get("/get").text == "frozenset [1, 2]"
    finally:
        del shared.tags[" fs"]
        shared.order.pop()


def test_jinja_environment_can_be_overridden() -> None:
    class MyEnvironment(flask.templating.Environment):
        pass

    class MyFlask(flask.Flask):
        jinja_environment = MyEnvironment

    app = MyFlask(__name__)
    assert type(app.jinja_env) is MyEnvironment
    other = flask.Flask(__name__)
    other.jinja_environment = MyEnvironment  # type: ignore[misc]
    assert type(other.jinja_env) is MyEnvironment


def test_cli_group_created_on_first_use() -> None:
    app = flask.Flask("lazy_cli")
    bp = flask.Blueprint("quiet", __name__)
    app.register_blueprint(bp)  # a blueprint without commands adds no group
    assert "cli" not in vars(bp)
    assert app.cli.name == "lazy_cli"
    assert "quiet" not in app.cli.commands
    app.cli = flask.cli.AppGroup("replaced")
    assert app.cli.name == "replaced"

    loud = flask.Blueprint("loud", __name__)

    @loud.cli.command("hello")
    def hello() -> None:
        pass

    app2 = flask.Flask("lazy_cli2")
    app2.register_blueprint(loud)
    assert "hello" in app2.cli.commands["loud"].commands  # type: ignore[attr-defined]


def test_test_client_user_agent_is_werkzeug_version() -> None:
    app = flask.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return flask.request.headers["User-Agent"]

    expected = f"Werkzeug/{importlib.metadata.version('werkzeug')}"
    assert app.test_client().get("/").text == expected
