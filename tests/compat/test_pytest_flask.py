"""pytest-flask: its fixtures and markers, in a pytest run of their own.

The plugin is kept off ``sys.path`` (see ``compat_support.PLUGIN_DIR``) and
this project's pytest config disables it (``-p no:flask``), so a small
project is written to a temporary folder and tested in a subprocess that
loads the plugin explicitly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from compat_support import CHECKOUT
from compat_support import install_errors
from compat_support import PLUGIN_DIR
from compat_support import pythonpath

if not (PLUGIN_DIR / "pytest_flask").is_dir():
    pytest.skip(
        "pytest-flask is not installed and could not be installed: "
        + install_errors.get("plugins", "not installed"),
        allow_module_level=True,
    )

CONFTEST = """
import pytest
import flask


@pytest.fixture
def app():
    app = flask.Flask("myapp")
    app.config.update(TESTING=True, SECRET_KEY="pytest-flask", MODE="default")

    @app.route("/")
    def index():
        return "home"

    @app.route("/ping")
    def ping():
        return flask.jsonify(ping="pong")

    @app.route("/mode")
    def mode():
        return flask.current_app.config["MODE"]

    @app.route("/accept")
    def accept():
        return {"best": flask.request.accept_mimetypes.best}

    @app.post("/login")
    def login():
        flask.session["user"] = flask.request.form["user"]
        return "logged in"

    @app.route("/me")
    def me():
        return flask.session.get("user", "nobody")

    return app
"""

TESTS = """
import urllib.request

import pytest
import flask


def test_client_and_json_response(client):
    rv = client.get(flask.url_for("ping"))
    assert rv.status_code == 200
    assert rv.json == {"ping": "pong"}


def test_request_context_is_pushed(app):
    assert flask.has_request_context()
    assert flask.current_app._get_current_object() is app
    assert flask.request.path == "/"
    assert flask.url_for("index") == "/"
    assert flask.url_for("ping", _external=True) == "http://localhost/ping"


def test_config_fixture(config, app):
    assert config is app.config
    assert config["MODE"] == "default"


@pytest.mark.options(mode="from marker", debug=True)
def test_options_marker(client, app):
    assert app.debug is True
    assert client.get("/mode").data == b"from marker"


def test_accept_json(client, accept_json):
    assert accept_json == [("Accept", "application/json")]
    rv = client.get("/accept", headers=accept_json)
    assert rv.json == {"best": "application/json"}


def test_session_through_client(client):
    client.post("/login", data={"user": "ann"})
    assert client.get("/me").data == b"ann"


@pytest.mark.usefixtures("client_class")
class TestWithClientClass:
    def login(self, user):
        return self.client.post("/login", data={"user": user})

    def test_login(self):
        assert self.login("bob").data == b"logged in"
        assert self.client.get("/me").data == b"bob"


def test_live_server(live_server):
    # pytest-flask sets SERVER_NAME to localhost.localdomain:<port>
    url = flask.url_for("index", _external=True)
    assert url == f"http://localhost.localdomain:{live_server.port}/"
    with urllib.request.urlopen(live_server.url("/"), timeout=10) as rv:
        assert rv.status == 200
        assert rv.read() == b"home"
"""

INI = """
[pytest]
live_server_scope = function
filterwarnings =
    error
    ignore::DeprecationWarning:multiprocessing.*
"""


def test_pytest_flask_fixtures(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(INI)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_with_plugin.py").write_text(textwrap.dedent(TESTS))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLASK_", "PYTEST_", "COV_", "COVERAGE_"))
    }
    env["PYTHONPATH"] = pythonpath(PLUGIN_DIR)
    # Load only the plugin under test, explicitly.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "pytest_flask.plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "--live-server-port=0",
        "--live-server-wait=10",
        "-rfE",
        os.fspath(tmp_path),
    ]
    proc = subprocess.run(
        cmd,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "8 passed" in output, output
    # The subprocess used this checkout's flask, not another one.
    check = subprocess.run(
        [sys.executable, "-c", "import flask; print(flask.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    if os.environ.get("COMPAT_ORACLE") != "1":
        assert Path(check.stdout.strip()) == CHECKOUT / "src" / "flask" / "__init__.py"
