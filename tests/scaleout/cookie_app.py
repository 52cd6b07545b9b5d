"""Signed-cookie sessions (scenario 1): no state on the server at all.

Every process is configured from the same environment variables
(``FLASK_SECRET_KEY``, ``FLASK_SECRET_KEY_FALLBACKS`` as a JSON list), so
any process can read a cookie signed by any other.
"""

import os

from flask import Flask
from flask import request
from flask import session

HOST = os.environ.get("SCALEOUT_HOST", "?")

app = Flask(__name__)
app.config.from_prefixed_env()


@app.after_request
def served_by(response):
    response.headers["X-Served-By"] = f"{HOST}/{os.getpid()}"
    return response


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/login")
def login():
    session["user"] = request.form["user"]
    session["visits"] = 0
    return {"user": session["user"]}


@app.get("/me")
def me():
    if "user" not in session:
        return {"user": None}, 401
    # Changing the session makes every response re-sign the cookie with the
    # key of the process that served it.
    session["visits"] += 1
    return {"user": session["user"], "visits": session["visits"]}
