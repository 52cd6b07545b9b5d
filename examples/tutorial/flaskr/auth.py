"""Accounts: register, log in, log out, and the ``login_required`` guard."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page instead of running ``view``."""

    @functools.wraps(view)
    def wrapped_view(**kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login"))
        return view(**kwargs)

    return wrapped_view  # type: ignore[return-value]


@bp.before_app_request
def load_logged_in_user() -> None:
    """Put the logged-in user's row (or ``None``) on ``g.user``.

    Registered with ``before_app_request`` so it runs for every request, not
    only for this blueprint's views: the blog and the base template use it too.
    """
    user_id = session.get("user_id")
    if user_id is None:
        g.user = None
    else:
        g.user = (
            get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
        )


def create_user(username: str, password: str) -> str | None:
    """Store a new account with a hashed password; return an error or ``None``."""
    if not username:
        return "Username is required."
    if not password:
        return "Password is required."

    db = get_db()
    try:
        db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?)",
            (username, generate_password_hash(password)),
        )
        db.commit()
    except db.IntegrityError:
        # The UNIQUE constraint on username caught a duplicate.
        return f"User {username} is already registered."
    return None


@bp.route("/register", methods=("GET", "POST"))
def register() -> Any:
    """Show the sign-up form; on POST create the account and go to login."""
    if request.method == "POST":
        error = create_user(request.form["username"].strip(), request.form["password"])
        if error is None:
            flash("Account created. You can log in now.")
            return redirect(url_for("auth.login"))
        flash(error)

    return render_template("auth/register.html")


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    """Show the login form; on POST check the password and start a session."""
    if request.method == "POST":
        username = request.form["username"].strip()
        password = request.form["password"]
        user = (
            get_db()
            .execute("SELECT * FROM user WHERE username = ?", (username,))
            .fetchone()
        )

        # One message for both cases, so the form does not reveal which
        # usernames exist.
        if user is None or not check_password_hash(user["password"], password):
            flash("Incorrect username or password.")
        else:
            # A fresh session: nothing from before the login carries over.
            session.clear()
            session["user_id"] = user["id"]
            return redirect(url_for("index"))

    return render_template("auth/login.html")


@bp.route("/logout")
def logout() -> Any:
    """Forget the logged-in user and go back to the front page."""
    session.clear()
    return redirect(url_for("index"))
