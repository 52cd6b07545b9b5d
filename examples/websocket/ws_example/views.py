"""The page and the login that the WebSocket handlers rely on."""

from __future__ import annotations

from werkzeug.wrappers import Response

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

bp = Blueprint("views", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html", user=session.get("user"))


@bp.post("/login")
def login() -> Response:
    name = request.form.get("name", "").strip()
    if name:
        session["user"] = name[:40]
    return redirect(url_for("views.index"))


@bp.post("/logout")
def logout() -> Response:
    session.pop("user", None)
    return redirect(url_for("views.index"))
