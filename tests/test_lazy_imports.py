"""What ``import flask`` loads: the template engine, the CLI and the session
signer only when an app uses them, with every public name still reachable."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import flask

HEAVY = ("jinja2", "click", "itsdangerous", "asyncio")


def _loaded_after(code: str) -> dict[str, bool]:
    """Which of ``HEAVY`` a fresh interpreter has imported after ``code``."""
    report = f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    script = f"{code}\nimport sys, json\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


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


def test_lazy_attributes_are_the_real_objects() -> None:
    from flask import templating

    assert flask.render_template is templating.render_template
    assert flask.stream_template_string is templating.stream_template_string
    assert flask.Flask.jinja_environment is templating.Environment
    assert {"render_template", "cli", "templating"} <= set(dir(flask))
    assert {"render_template", "cli", "Flask"} <= set(flask.__all__)


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
