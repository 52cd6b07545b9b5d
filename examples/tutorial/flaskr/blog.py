"""Posts: list them, and let their authors write, edit and delete them."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import abort
from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from .auth import login_required
from .db import get_db

# No url_prefix: the index is the site's front page.
bp = Blueprint("blog", __name__)


@bp.route("/")
def index() -> str:
    """List every post, newest first."""
    posts = (
        get_db()
        .execute(
            "SELECT p.id, title, body, created, author_id, username"
            " FROM post p JOIN user u ON p.author_id = u.id"
            " ORDER BY created DESC, p.id DESC"
        )
        .fetchall()
    )
    return render_template("blog/index.html", posts=posts)


def get_post(id: int, check_author: bool = True) -> sqlite3.Row:
    """Load a post by id, with its author's name.

    Aborts with 404 if there is no such post, and with 403 if
    ``check_author`` is true and the logged-in user did not write it.
    """
    post: sqlite3.Row | None = (
        get_db()
        .execute(
            "SELECT p.id, title, body, created, author_id, username"
            " FROM post p JOIN user u ON p.author_id = u.id"
            " WHERE p.id = ?",
            (id,),
        )
        .fetchone()
    )

    if post is None:
        abort(404, f"Post id {id} doesn't exist.")

    if check_author and post["author_id"] != g.user["id"]:
        abort(403)

    return post


def _read_form() -> tuple[str, str, str | None]:
    """Return the submitted title and body, and an error if the title is empty."""
    title = request.form["title"].strip()
    body = request.form["body"]
    error = None if title else "Title is required."
    return title, body, error


@bp.route("/create", methods=("GET", "POST"))
@login_required
def create() -> Any:
    """Write a new post as the logged-in user."""
    if request.method == "POST":
        title, body, error = _read_form()
        if error is not None:
            flash(error)
        else:
            db = get_db()
            db.execute(
                "INSERT INTO post (title, body, author_id) VALUES (?, ?, ?)",
                (title, body, g.user["id"]),
            )
            db.commit()
            return redirect(url_for("blog.index"))

    return render_template("blog/create.html")


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id: int) -> Any:
    """Edit a post; only its author may."""
    post = get_post(id)

    if request.method == "POST":
        title, body, error = _read_form()
        if error is not None:
            flash(error)
        else:
            db = get_db()
            db.execute(
                "UPDATE post SET title = ?, body = ? WHERE id = ?", (title, body, id)
            )
            db.commit()
            return redirect(url_for("blog.index"))

    return render_template("blog/update.html", post=post)


@bp.route("/<int:id>/delete", methods=("POST",))
@login_required
def delete(id: int) -> Any:
    """Delete a post; only its author may. POST only, so a link can't do it."""
    get_post(id)
    db = get_db()
    db.execute("DELETE FROM post WHERE id = ?", (id,))
    db.commit()
    flash("Post deleted.")
    return redirect(url_for("blog.index"))
