"""The quickstart: a whole application in one module.

It is the ``__init__`` of a package rather than a lone ``hello.py`` only so
that its ``templates`` folder is installed along with it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import render_template
from flask import request
from flask import url_for

app = Flask(__name__)


@app.route("/")
def index() -> str:
    """Plain text; a ``str`` return value becomes an HTML response."""
    return "Hello, World!"


@app.route("/hello/")
@app.route("/hello/<name>")
def hello(name: str | None = None) -> str:
    """Greet ``name`` through a template, which escapes it."""
    return render_template("hello.html", name=name)


@app.route("/api/greeting")
def greeting() -> dict[str, Any]:
    """JSON: a returned ``dict`` is serialized by the app's JSON provider."""
    name = request.args.get("name", "World")
    return {
        "greeting": f"Hello, {name}!",
        "page": url_for("hello", name=name),
    }


@app.route("/api/squares/<int:n>")
def squares(n: int) -> list[int] | tuple[dict[str, str], int]:
    """A JSON list; the ``int`` converter rejects non-numbers with 404."""
    if n > 100:
        return {"error": "n must be at most 100"}, 400
    return [i * i for i in range(n)]
