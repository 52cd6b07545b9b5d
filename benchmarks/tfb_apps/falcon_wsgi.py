"""Falcon, WSGI (``falcon.App``)."""

from __future__ import annotations

import os

import falcon
import jinja2
import tfb


def create_app(db: tfb.Database) -> falcon.App:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(tfb.HERE, "templates")),
        autoescape=True,
    )
    template = env.get_template("fortunes.html")

    class Plaintext:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "Hello, World!"

    class Json:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = {"message": "Hello, World!"}

    class SingleQuery:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = db.world(db.random_id())

    class Queries:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = db.random_worlds(tfb.query_count(req.get_param("queries")))

    class Fortunes:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = template.render(fortunes=db.fortunes())

    class Updates:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = db.update_worlds(tfb.query_count(req.get_param("queries")))

    app = falcon.App()
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", Json())
    app.add_route("/db", SingleQuery())
    app.add_route("/queries", Queries())
    app.add_route("/fortunes", Fortunes())
    app.add_route("/updates", Updates())
    return app


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
