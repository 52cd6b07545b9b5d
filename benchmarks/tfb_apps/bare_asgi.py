"""The bare ASGI app (no framework): the same work, the server's ceiling."""

from __future__ import annotations

import os
import typing as t
from urllib.parse import parse_qs

import jinja2
import tfb

_JSON = [(b"content-type", b"application/json")]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_HTML = [(b"content-type", b"text/html; charset=utf-8")]


def create_app(db: tfb.Database) -> t.Callable[..., t.Awaitable[None]]:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(tfb.HERE, "templates")),
        autoescape=True,
    )
    template = env.get_template("fortunes.html")

    async def lifespan(receive: t.Any, send: t.Any) -> None:
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return

    async def app(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        path = scope["path"]
        status = 200
        if path == "/plaintext":
            body, headers = b"Hello, World!", _TEXT
        elif path == "/json":
            body, headers = tfb.dumps({"message": "Hello, World!"}), _JSON
        elif path == "/db":
            body, headers = tfb.dumps(db.world(db.random_id())), _JSON
        elif path in ("/queries", "/updates"):
            query = parse_qs(scope["query_string"].decode("latin-1"))
            count = tfb.query_count((query.get("queries") or [None])[0])
            work = db.random_worlds if path == "/queries" else db.update_worlds
            body, headers = tfb.dumps(work(count)), _JSON
        elif path == "/fortunes":
            body = template.render(fortunes=db.fortunes()).encode()
            headers = _HTML
        else:
            status, body, headers = 404, b"Not Found", _TEXT
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


app = create_app(tfb.Database(os.environ.get("TFB_DB")))
