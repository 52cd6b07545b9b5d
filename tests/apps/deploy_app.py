"""The app served by gunicorn and waitress in tests/test_deploy.py.

``app`` is used as is; ``proxied_app`` is a second app whose ``wsgi_app`` is
wrapped in Werkzeug's ``ProxyFix``, as behind a reverse proxy.
"""

import os
import time

from werkzeug.middleware.proxy_fix import ProxyFix

import flask
from flask import Flask
from flask import jsonify
from flask import request
from flask import session
from flask import url_for


def _make_app(name):
    app = Flask(name)
    # Every worker process must share the key, or cookies signed by one
    # worker are rejected by the other.
    app.config["SECRET_KEY"] = os.environ.get("DEPLOY_SECRET_KEY", "deploy test key")

    @app.route("/")
    def index():
        return f"hello from {os.getpid()}"

    @app.post("/login")
    def login():
        session["user"] = request.form["user"]
        session["hits"] = 0
        return jsonify(pid=os.getpid())

    @app.route("/whoami")
    def whoami():
        # An optional pause keeps this worker busy, so concurrent requests
        # must be spread over the other workers.
        time.sleep(float(request.args.get("sleep", "0")))
        if "user" in session:
            session["hits"] += 1
        return jsonify(
            pid=os.getpid(), user=session.get("user"), hits=session.get("hits")
        )

    @app.route("/info")
    def info():
        return jsonify(
            remote_addr=request.remote_addr,
            scheme=request.scheme,
            host=request.host,
            url_root=request.url_root,
            external=url_for("info", _external=True),
        )

    @app.route("/origin")
    def origin():
        # Which flask package the server imported.
        return jsonify(flask=os.path.dirname(os.path.abspath(flask.__file__)))

    @app.route("/echo", methods=["POST"])
    def echo():
        return jsonify(length=len(request.get_data()), json=request.get_json())

    return app


app = _make_app("deploy_app")

proxied_app = _make_app("deploy_proxied")
proxied_app.wsgi_app = ProxyFix(proxied_app.wsgi_app, x_for=1, x_proto=1, x_host=1)
