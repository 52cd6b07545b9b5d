"""flaskr: a small blog built with an application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build and configure a new application.

    ``flask --app flaskr`` finds this factory by name. Tests pass
    ``test_config`` to use their own database and settings instead of the
    instance folder's ``config.py``.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # Only good enough for local development: set a random value in
        # the instance folder's config.py before deploying.
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "flaskr.sqlite"),
    )

    if test_config is None:
        # Deployment settings, kept out of version control.
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)

    # The SQLite file lives in the instance folder, which may not exist yet.
    os.makedirs(app.instance_path, exist_ok=True)

    @app.route("/hello")
    def hello() -> str:
        return "Hello, World!"

    from . import db

    db.init_app(app)

    from . import auth
    from . import blog

    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)
    # The blog index is the site's front page: "/" and url_for("index").
    app.add_url_rule("/", endpoint="index")

    return app
