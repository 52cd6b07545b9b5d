"""Quart."""

from __future__ import annotations

import os

import tfb
from quart import jsonify
from quart import Quart
from quart import render_template
from quart import request
from quart import Response


def create_app(db: tfb.Database) -> Quart:
    app = Quart("tfb_quart", root_path=tfb.HERE)

    @app.route("/plaintext")
    async def plaintext() -> tuple[str, dict[str, str]]:
        return "Hello, World!", {"Content-Type": "text/plain; charset=utf-8"}

    @app.route("/json")
    async def hello_json() -> Response:
        return jsonify(message="Hello, World!")

    @app.route("/db")
    async def single_query() -> dict[str, int]:
        return db.world(db.random_id())

    @app.route("/queries")
    async def queries() -> Response:
        count = tfb.query_count(request.args.get("queries"))
        return jsonify(db.random_worlds(count))

    @app.route("/fortunes")
    async def fortunes() -> str:
        return await render_template("fortunes.html", fortunes=db.fortunes())

    @app.route("/updates")
    async def updates() -> Response:
        count = tfb.query_count(request.args.get("queries"))
        return jsonify(db.update_worlds(count))

    return app


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
