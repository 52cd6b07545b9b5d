"""A package whose ``create_app`` factory is found by discovery."""

from flask import Flask


def create_app():
    app = Flask("pkg")

    @app.route("/pkg")
    def pkg_index():
        return "pkg"

    return app
