"""The app served by uvicorn and hypercorn in tests/asgi/test_hardening.py.

Served as ``hardening_app:asgi``, an :class:`~flask.asgi.ASGIApp` with few
threads (``ASGI_TEST_THREADS``, default 4) and a short body timeout
(``ASGI_TEST_BODY_TIMEOUT``, default 2 s), so that what a slow or vanished
client costs shows quickly. Stream closes, teardowns and views that ran are
appended to the file named by ``ASGI_TEST_EVENTS``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import resource
import threading
import time
import typing as t

import flask
from flask.asgi import ASGIApp
from flask.views import MethodView

app = flask.Flask(__name__)
app.config["SECRET_KEY"] = "hardening"
EVENTS = os.environ.get("ASGI_TEST_EVENTS", os.devnull)
_events_lock = threading.Lock()


def record(line: str) -> None:
    with _events_lock, open(EVENTS, "a") as f:
        f.write(line + "\n")


@app.route("/hello")
def hello() -> str:
    return "hello"


@app.route("/ahello")
async def ahello() -> str:
    return "async hello"


@app.route("/block")
def block() -> str:
    time.sleep(float(flask.request.args.get("s", "1")))
    return "blocked"


@app.route("/record")
def record_view() -> str:
    record(f"ran {flask.request.args['rid']}")
    return "recorded"


@app.post("/echo")
def echo() -> bytes:
    return flask.request.get_data()


@app.post("/form")
def form() -> str:
    # What CSRF protection does on every POST.
    return f"{len(flask.request.form)} fields"


@app.post("/upload")
def upload() -> dict[str, t.Any]:
    digest = hashlib.sha256()
    size = 0
    stream = flask.request.stream
    while chunk := stream.read(256 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


@app.route("/async-ignore", methods=["GET", "POST"])
async def async_ignore() -> str:
    return "ignored the body"


@app.post("/async-read")
async def async_read() -> str:
    return str(len(flask.request.get_data()))


@app.route("/rss")
def rss() -> dict[str, int]:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return {
        "rss": pages * os.sysconf("SC_PAGE_SIZE"),
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


# -- async code reached through ensure_sync from sync code ---------------------


class Items(MethodView):
    async def post(self) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"items": len(flask.request.get_json()["items"])}


app.add_url_rule("/items", view_func=Items.as_view("items"))


def login_required(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """A decorator written the way Flask-Login's is: a sync wrapper that
    calls the view through ``ensure_sync``."""

    @functools.wraps(view)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if flask.request.headers.get("X-User") != "ann":
            flask.abort(401)
        return flask.current_app.ensure_sync(view)(*args, **kwargs)

    return wrapper


@app.post("/decorated")
@login_required
async def decorated() -> dict[str, int]:
    return {"items": len(flask.request.get_json()["items"])}


async def helper() -> str:
    await asyncio.sleep(0)
    return "helped"


@app.route("/nested")
async def nested() -> str:
    # Sync code on the loop cannot wait for a coroutine: a clear error.
    return t.cast(str, flask.current_app.ensure_sync(helper)())


# -- streams --------------------------------------------------------------------

streams = flask.Blueprint("streams", __name__)


@streams.teardown_request
def teardown(exc: BaseException | None) -> None:
    rid = flask.request.args.get("rid")
    if rid:
        record(f"teardown {rid}")


@streams.route("/stream", methods=["GET", "POST"])
def stream() -> t.Any:
    rid = flask.request.args["rid"]
    pause = float(flask.request.args.get("pause", "0.02"))

    @flask.stream_with_context
    def gen() -> t.Iterator[str]:
        try:
            while True:
                # Blocks between chunks, like an SSE view waiting on a queue.
                time.sleep(pause)
                yield f"chunk {rid}\n"
        finally:
            record(f"closed {rid}")

    return gen()


@streams.route("/astream", methods=["GET", "POST"])
async def astream() -> t.Any:
    rid = flask.request.args["rid"]

    async def gen() -> t.AsyncIterator[str]:
        try:
            while True:
                yield f"chunk {rid}\n"
                await asyncio.sleep(5)
        finally:
            record(f"closed {rid}")

    return gen()


app.register_blueprint(streams)

# -- an async context processor: pages rendering it wait 1 s -------------------

slow = flask.Blueprint("slow", __name__)


@slow.context_processor
async def slow_values() -> dict[str, str]:
    await asyncio.sleep(float(flask.request.args.get("s", "1")))
    return {"value": "slow"}


@slow.route("/page")
async def page() -> str:
    return flask.render_template_string("{{ value }} page")


app.register_blueprint(slow)

asgi = ASGIApp(
    app,
    max_threads=int(os.environ.get("ASGI_TEST_THREADS", "4")),
    body_timeout=float(os.environ.get("ASGI_TEST_BODY_TIMEOUT", "2")),
)

# A small body limit, for the ``Expect: 100-continue`` test.
limited = flask.Flask("limited")
limited.config["MAX_CONTENT_LENGTH"] = 1000


@limited.post("/echo")
def limited_echo() -> bytes:
    return flask.request.get_data()


limited_asgi = limited.asgi_app
