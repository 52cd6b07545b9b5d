"""An app whose shared state lives in Redis, as it runs on many processes.

Server-side sessions (Flask-Session), rate limits (Flask-Limiter), a cache
(Flask-Caching) and background jobs (RQ) all use one Redis server, named by
``FLASK_REDIS_URL``; ``FLASK_SECRET_KEY`` and the rest come from the
environment too, the same for every process. Each response names the
process that served it (``X-Served-By: host/pid``).
"""

import json
import os
import uuid

import redis
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_session import Session
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue
from rq import Worker
from werkzeug.exceptions import InternalServerError

from flask import current_app
from flask import Flask
from flask import g
from flask import render_template_string
from flask import request
from flask import session

HOST = os.environ.get("SCALEOUT_HOST", "?")
#: what a failing Redis raises: the cause of a 503, not of a 500
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
#: fail fast while Redis is down: short timeouts, one quick retry (which
#: also replaces a pooled connection that died with a restarted server)
REDIS_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 2.0,
    "retry": Retry(ExponentialBackoff(cap=0.05, base=0.01), 1),
}

cache = Cache()
limiter = Limiter(get_remote_address)
server_session = Session()


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    url = app.config["REDIS_URL"]
    client = redis.Redis.from_url(url, **REDIS_OPTIONS)
    app.extensions["redis"] = client
    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS=client,
        SESSION_KEY_PREFIX="session:",
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_HOST=client,
        CACHE_KEY_PREFIX="cache:",
        CACHE_DEFAULT_TIMEOUT=300,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_STORAGE_OPTIONS=REDIS_OPTIONS,
        RATELIMIT_KEY_PREFIX="limits",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    server_session.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    app.extensions["rq"] = Queue("scaleout", connection=client)
    _register(app)
    return app


def _register(app):
    @app.after_request
    def served_by(response):
        response.headers["X-Served-By"] = f"{HOST}/{os.getpid()}"
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(e):
        # Unhandled errors of views, hooks and the session interface all
        # arrive here; the original exception says whether Redis failed.
        if isinstance(e.original_exception, REDIS_DOWN):
            return {"error": "storage unavailable"}, 503, {"Retry-After": "1"}
        return {"error": "internal server error"}, 500

    @app.get("/healthz")
    def healthz():
        # Liveness: this process answers. No Redis here, or one Redis
        # outage would mark every process dead at once.
        return "ok"

    @app.get("/readyz")
    def readyz():
        app.extensions["redis"].ping()
        return {"redis": "ok"}

    @app.get("/plain")
    def plain():
        return {"pid": os.getpid()}

    # -- server-side session -------------------------------------------------

    @app.post("/session/<key>")
    def session_set(key):
        session[key] = request.form["value"]
        return {"keys": sorted(session.keys())}

    @app.get("/session")
    def session_get():
        return {"data": dict(session)}

    @app.post("/profile/<field>")
    def profile_set(field):
        # One field of a Redis hash per request: concurrent requests that
        # change different fields all land (HSET is atomic per field).
        key = f"profile:{session.sid}"
        app.extensions["redis"].hset(key, field, request.form["value"])
        return {"field": field}

    @app.get("/profile")
    def profile_get():
        raw = app.extensions["redis"].hgetall(f"profile:{session.sid}")
        return {k.decode(): v.decode() for k, v in raw.items()}

    # -- rate limit ----------------------------------------------------------

    @app.get("/limited")
    @limiter.limit("20 per minute", key_func=lambda: request.args["bucket"])
    def limited():
        return {"ok": True}

    # -- cache ---------------------------------------------------------------

    @app.get("/cached/<name>")
    def cached(name):
        return {"value": expensive(name)}

    @app.post("/cache/clear")
    def cache_clear():
        return {"cleared": cache.clear()}

    # -- Redis directly ------------------------------------------------------

    @app.post("/counter")
    def counter():
        return {"value": app.extensions["redis"].incr("counter")}

    # -- background jobs -----------------------------------------------------

    @app.post("/reports")
    def report_create():
        numbers = [int(n) for n in request.form["numbers"].split(",")]
        job = app.extensions["rq"].enqueue(build_report, numbers)
        return {"id": job.id}, 202

    @app.get("/reports/<job_id>")
    def report_get(job_id):
        raw = app.extensions["redis"].get(f"report:{job_id}")
        if raw is None:
            return {"status": "pending"}, 202
        return json.loads(raw)


@cache.memoize()
def expensive(name):
    """Computed once for all processes; each run gives a new token. Uses no
    Redis itself, so it still answers (uncached) while Redis is down."""
    return {"name": name, "by": f"{HOST}/{os.getpid()}", "token": uuid.uuid4().hex}


def build_report(numbers):
    """An RQ job. It runs in an app context pushed by :class:`AppWorker`:
    ``current_app``, ``g``, its config, extensions and templates work."""
    from rq import get_current_job

    job_id = get_current_job().id
    g.numbers = numbers
    report = {
        "id": job_id,
        "total": sum(numbers),
        "title": render_template_string(
            "{{ config.REPORT_TITLE }} of {{ g.numbers|length }}"
        ),
        "app": current_app.name,
        "worker": f"{HOST}/{os.getpid()}",
    }
    client = current_app.extensions["redis"]
    client.set(f"report:{job_id}", json.dumps(report), ex=300)
    return report["total"]


class AppWorker(Worker):
    """An RQ worker that runs each job in a fresh app context."""

    def perform_job(self, *args, **kwargs):
        with app.app_context():
            return super().perform_job(*args, **kwargs)


app = create_app()
