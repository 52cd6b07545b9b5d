"""The app of ``benchmarks/scaleout.py``: its state in Redis (``FLASK_REDIS_URL``).

``/bench/session`` reads and writes a server-side session (Flask-Session:
one GET and one SET in Redis per request); ``/bench/limited`` goes through
a Flask-Limiter limit too high to be reached (one counter update in Redis
per request).
"""

import redis
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_session import Session

from flask import Flask
from flask import session

app = Flask(__name__)
app.config.from_prefixed_env()
client = redis.Redis.from_url(app.config["REDIS_URL"])
app.config.update(
    SESSION_TYPE="redis",
    SESSION_REDIS=client,
    RATELIMIT_STORAGE_URI=app.config["REDIS_URL"],
    RATELIMIT_HEADERS_ENABLED=True,
)
Session(app)
limiter = Limiter(get_remote_address, app=app)


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/bench/login")
def login():
    session["user"] = "bench"
    session["cart"] = [{"sku": f"item-{i}", "quantity": i} for i in range(10)]
    session["visits"] = 0
    return {"user": session["user"]}


@app.get("/bench/session")
def session_heavy():
    session["visits"] = session.get("visits", 0) + 1
    return {
        "user": session.get("user"),
        "visits": session["visits"],
        "items": len(session.get("cart", ())),
    }


@app.get("/bench/limited")
@limiter.limit("100000000 per minute")
def limited():
    return {"ok": True}
