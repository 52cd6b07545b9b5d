"""Falcon, ASGI (``falcon.asgi.App``)."""

from __future__ import annotations

import os

import falcon
import falcon.asgi
import jinja2
import tfb


def create_app(db: tfb.Database) -> falcon.asgi.App:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(tfb.HERE, "templates")),
        autoescape=True,
    )
    template = env.get_template("fortunes.html")
    Req, Resp = falcon.asgi.Request, falcon.asgi.Response

    class Plaintext:
        async def on_get(self, req: Req, resp: Resp) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "Hello, World!"

    class Json:
        async def on_get(self, req: Req, resp: Resp) -> None:
            resp.media = {"message": "Hello, World!"}

    class SingleQuery:
        async def on_get(self, req: Req, resp: Resp) -> None:
            resp.media = db.world(db.random_id())

    class Queries:
        async def on_get(self, req: Req, resp: Resp) -> None:
            resp.media = db.random_worlds(tfb.query_count(req.get_param("queries")))

    class Fortunes:
        async def on_get(self, req: Req, resp: Resp) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = template.render(fortunes=db.fortunes())

    class Updates:
        async def on_get(self, req: Req, resp: Resp) -> None:
            resp.media = db.update_worlds(tfb.query_count(req.get_param("queries")))

    app = falcon.asgi.App()
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", Json())
    app.add_route("/db", SingleQuery())
    app.add_route("/queries", Queries())
    app.add_route("/fortunes", Fortunes())
    app.add_route("/updates", Updates())
    return app


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
