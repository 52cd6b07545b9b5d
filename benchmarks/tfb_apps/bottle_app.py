"""Bottle."""

from __future__ import annotations

import json
import os
import typing as t

import bottle
import jinja2
import tfb


def create_app(db: tfb.Database) -> bottle.Bottle:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(tfb.HERE, "templates")),
        autoescape=True,
    )
    template = env.get_template("fortunes.html")
    app = bottle.Bottle()

    def as_json(value: t.Any) -> str:
        bottle.response.content_type = "application/json"
        return json.dumps(value)

    @app.get("/plaintext")
    def plaintext() -> str:
        bottle.response.content_type = "text/plain; charset=utf-8"
        return "Hello, World!"

    @app.get("/json")
    def hello_json() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/db")
    def single_query() -> dict[str, int]:
        return db.world(db.random_id())

    @app.get("/queries")
    def queries() -> str:
        return as_json(db.random_worlds(tfb.query_count(bottle.request.query.queries)))

    @app.get("/fortunes")
    def fortunes() -> str:
        bottle.response.content_type = "text/html; charset=utf-8"
        return template.render(fortunes=db.fortunes())

    @app.get("/updates")
    def updates() -> str:
        return as_json(db.update_worlds(tfb.query_count(bottle.request.query.queries)))

    return app


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
