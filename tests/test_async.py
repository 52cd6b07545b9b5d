"""Async views, hooks and handlers under WSGI, and the runner in flask._async."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import subprocess
import sys
import threading
import typing as t
import weakref

import pytest

import flask
from flask import _async
from flask._async import async_to_sync
from flask._async import run_sync
from flask.views import MethodView
from flask.views import View

cv: contextvars.ContextVar[str] = contextvars.ContextVar("test_async_cv")


# -- the runner on its own ---------------------------------------------------


def test_returns_result_and_passes_arguments() -> None:
    async def add(a: int, b: int = 0) -> int:
        await asyncio.sleep(0)
        return a + b

    assert async_to_sync(add)(1, b=2) == 3


def test_wrapper_is_not_a_coroutine_function() -> None:
    import inspect

    async def view() -> str:
        """Doc."""
        return "x"

    wrapped = async_to_sync(view)
    assert not inspect.iscoroutinefunction(wrapped)
    assert wrapped.__name__ == "view"
    assert wrapped.__wrapped__ is view  # type: ignore[attr-defined]
    assert "view" in repr(wrapped)


def test_exception_propagates_with_type_and_message() -> None:
    async def fail() -> None:
        await asyncio.sleep(0)
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        async_to_sync(fail)()


def test_one_loop_per_thread_is_reused() -> None:
    async def loop_id() -> int:
        return id(asyncio.get_running_loop())

    first = async_to_sync(loop_id)()
    assert async_to_sync(loop_id)() == first

    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(async_to_sync(loop_id)()))
    thread.start()
    thread.join()
    assert seen and seen[0] != first


def test_runs_in_current_thread() -> None:
    async def thread_id() -> int:
        return threading.get_ident()

    assert async_to_sync(thread_id)() == threading.get_ident()


def test_context_vars_visible_and_copied_back() -> None:
    token = cv.set("outer")
    try:

        async def read_and_set() -> str:
            seen = cv.get()
            cv.set("inner")
            return seen

        assert async_to_sync(read_and_set)() == "outer"
        # Like asgiref, changes made inside are adopted by the caller.
        assert cv.get() == "inner"
    finally:
        cv.reset(token)


def test_context_changes_copied_back_on_error() -> None:
    token = cv.set("outer")
    try:

        async def set_then_fail() -> None:
            cv.set("failed")
            raise ValueError

        with pytest.raises(ValueError):
            async_to_sync(set_then_fail)()
        assert cv.get() == "failed"
    finally:
        cv.reset(token)


def test_exc_info_visible_inside_coroutine() -> None:
    async def current() -> t.Any:
        return sys.exc_info()[1]

    try:
        raise LookupError("handled")
    except LookupError as e:
        assert async_to_sync(current)() is e


def test_leftover_tasks_are_cancelled() -> None:
    events: list[str] = []

    async def background() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    async def spawn() -> str:
        asyncio.get_running_loop().create_task(background())
        await asyncio.sleep(0)
        return "done"

    assert async_to_sync(spawn)() == "done"
    assert events == ["cancelled"]
    assert not asyncio.all_tasks(_async._thread_loop().loop)


def test_tasks_spawned_during_cleanup_are_cancelled() -> None:
    events: list[str] = []

    async def last() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("last cancelled")
            raise

    async def first() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            events.append("first cancelled")
            asyncio.get_running_loop().create_task(last())

    async def spawn() -> None:
        asyncio.get_running_loop().create_task(first())
        await asyncio.sleep(0)

    async_to_sync(spawn)()
    assert events == ["first cancelled", "last cancelled"]
    assert not asyncio.all_tasks(_async._thread_loop().loop)


def test_leftover_tasks_found_when_factory_replaced() -> None:
    events: list[str] = []

    async def background() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            events.append("closed")

    async def spawn() -> None:
        loop = asyncio.get_running_loop()
        loop.set_task_factory(None)
        loop.create_task(background())
        await asyncio.sleep(0)

    async_to_sync(spawn)()
    assert events == ["closed"]
    tl = _async._thread_loop()
    assert tl.loop.get_task_factory() is tl.factory


def test_unfinished_async_generators_are_closed() -> None:
    events: list[str] = []

    async def numbers() -> t.AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            events.append("closed")

    gen = numbers()

    async def take_one() -> int:
        return await gen.__anext__()

    assert async_to_sync(take_one)() == 1
    assert events == ["closed"]


def test_accepts_non_coroutine_awaitables() -> None:
    class Ready:
        def __await__(self) -> t.Generator[t.Any, None, str]:
            return "ready"
            yield  # pragma: no cover

    assert run_sync(Ready()) == "ready"


def test_non_awaitable_result_is_a_type_error() -> None:
    def not_async() -> int:
        return 1

    with pytest.raises(TypeError, match="Expected an awaitable, got 'int'"):
        async_to_sync(not_async)()  # type: ignore[arg-type]


def test_nested_call_inside_running_loop() -> None:
    """Sync code called from a coroutine can run another coroutine; asgiref
    raises RuntimeError here."""
    token = cv.set("outer")
    try:

        async def inner() -> tuple[str, int]:
            await asyncio.sleep(0)
            cv.set("from-inner")
            return cv.get(), threading.get_ident()

        async def outer() -> tuple[tuple[str, int], str]:
            result = async_to_sync(inner)()
            return result, cv.get()

        (value, ident), after_inner = async_to_sync(outer)()
        assert value == "from-inner"
        assert ident != threading.get_ident()
        # The inner call's change reached the outer coroutine and the caller.
        assert after_inner == "from-inner"
        assert cv.get() == "from-inner"
    finally:
        cv.reset(token)


def test_nested_call_propagates_exceptions() -> None:
    async def inner() -> None:
        raise ZeroDivisionError("inner")

    async def outer() -> None:
        async_to_sync(inner)()

    with pytest.raises(ZeroDivisionError, match="inner"):
        async_to_sync(outer)()


def test_loop_closed_when_thread_ends() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def grab() -> None:
        loops.append(asyncio.get_running_loop())

    thread = threading.Thread(target=async_to_sync(grab))
    thread.start()
    thread.join()
    gc.collect()
    assert loops[0].is_closed()


def test_loop_closed_when_thread_ends_while_a_traceback_holds_it() -> None:
    """An error kept in a reference cycle (with the frames of its
    traceback, which hold the thread's loop) does not keep the loop open
    once the thread ended: the loop is closed at once, not whenever the
    cycle is collected (and then perhaps after its own sockets)."""
    loops: list[asyncio.AbstractEventLoop] = []
    kept: list[t.Any] = []

    async def boom() -> None:
        loops.append(asyncio.get_running_loop())
        raise ZeroDivisionError("boom")

    class Marker:
        pass

    def target() -> None:
        marker = Marker()  # alive as long as this frame is
        kept.append(weakref.ref(marker))
        try:
            async_to_sync(boom)()
        except ZeroDivisionError as e:
            error = e  # the frame -> error -> traceback -> frame: a cycle
            assert error

    gc.disable()
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        assert kept[0]() is not None  # the cycle is still there
        assert loops[0].is_closed()
    finally:
        gc.enable()
        gc.collect()


def test_thread_loop_collected_after_its_sockets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread's loop collected in one garbage cycle with its own sockets
    may find them finalized first: dropping it raises nothing (it once
    showed as an unraisable ValueError, "Invalid file descriptor: -1")."""
    raised: list[t.Any] = []
    monkeypatch.setattr(sys, "unraisablehook", raised.append)
    tl = _async._ThreadLoop()
    loop = tl.loop
    # What a socket's own finalizer leaves: its descriptor closed (-1).
    loop._ssock.close()  # type: ignore[attr-defined]
    del tl
    gc.collect()
    assert raised == []
    assert loop.is_closed()
    loop._csock.close()  # type: ignore[attr-defined]


FORK_SCRIPT = """
import asyncio, os, sys, threading, time
import flask

app = flask.Flask(__name__)

@app.get("/a")
async def a():
    # Finishes through call_soon_threadsafe: the loop must wake up.
    await asyncio.to_thread(time.sleep, 0.01)
    return f"ok {os.getpid()}"

client = app.test_client()
assert client.get("/a").text == f"ok {os.getpid()}"
pid = os.fork()
if pid == 0:  # the child gets a loop of its own
    ok = client.get("/a").text == f"ok {os.getpid()}"
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status

def watchdog():
    time.sleep(10)
    print("parent's loop hung", flush=True)
    os._exit(4)

threading.Thread(target=watchdog, daemon=True).start()
print(client.get("/a").text == f"ok {os.getpid()}", flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_leaves_parents_loop_working() -> None:
    """A child forked after async views ran (multiprocessing's fork, a
    preloading server) drops its copy of the thread's loop without
    unregistering the self-pipe from the epoll instance it shares with the
    parent: the parent's loop still wakes up for ``to_thread``."""
    done = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr


def test_closed_thread_loop_is_replaced() -> None:
    tl = _async._thread_loop()
    tl.loop.close()

    async def ok() -> str:
        return "ok"

    assert async_to_sync(ok)() == "ok"
    assert _async._thread_loop() is not tl


def test_concurrent_threads() -> None:
    async def work(n: int) -> tuple[int, str]:
        cv.set(f"v{n}")
        await asyncio.sleep(0.001)
        return n, cv.get()

    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def target(n: int) -> None:
        for _ in range(20):
            r = async_to_sync(work)(n)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(results) == 120
    assert all(v == f"v{n}" for n, v in results)


def test_missing_asgiref(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)

    async def view() -> str:
        return ""

    with pytest.raises(RuntimeError) as info:
        async_to_sync(view)
    assert str(info.value) == (
        "Install Flask with the 'async' extra in order to use async views."
    )


# -- through the app ---------------------------------------------------------


class AppError(Exception):
    pass


class BlueprintError(Exception):
    pass


@pytest.fixture
def async_app(app: flask.Flask) -> flask.Flask:
    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        await asyncio.sleep(0)
        return flask.request.method

    @app.route("/error")
    async def error() -> str:
        raise AppError()

    @app.errorhandler(AppError)
    async def handle(_: Exception) -> tuple[str, int]:
        await asyncio.sleep(0)
        return "app error", 412

    bp = flask.Blueprint("bp", __name__)

    @bp.route("/bp/", methods=["GET", "POST"])
    async def bp_index() -> str:
        return flask.request.method

    @bp.route("/bp/error")
    async def bp_error() -> str:
        raise BlueprintError()

    @bp.errorhandler(BlueprintError)
    async def bp_handle(_: Exception) -> tuple[str, int]:
        return "bp error", 412

    app.register_blueprint(bp)

    class Async(View):
        methods = ["GET", "POST"]

        async def dispatch_request(self) -> str:  # type: ignore[override]
            await asyncio.sleep(0)
            return flask.request.method

    class AsyncMethods(MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return "GET"

        async def post(self) -> str:
            return "POST"

    app.add_url_rule("/view", view_func=Async.as_view("view"))
    app.add_url_rule("/methodview", view_func=AsyncMethods.as_view("methodview"))
    return app


@pytest.mark.parametrize("path", ["/", "/bp/", "/view", "/methodview"])
def test_async_route(async_app: flask.Flask, path: str) -> None:
    client = async_app.test_client()
    assert client.get(path).data == b"GET"
    assert client.post(path).data == b"POST"
    assert client.head(path).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"), [("/error", b"app error"), ("/bp/error", b"bp error")]
)
def test_async_error_handler(async_app: flask.Flask, path: str, body: bytes) -> None:
    response = async_app.test_client().get(path)
    assert response.status_code == 412
    assert response.data == body


def test_async_exception_propagates_in_testing(app: flask.Flask) -> None:
    @app.route("/")
    async def index() -> str:
        raise ValueError("from async view")

    with pytest.raises(ValueError, match="from async view"):
        app.test_client().get("/")


def test_async_exception_is_500_when_not_propagating(app: flask.Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True

    @app.route("/")
    async def index() -> str:
        raise ValueError("from async view")

    try:
        assert app.test_client().get("/").status_code == 500
    finally:
        app.logger.disabled = False


def test_async_before_after_teardown(app: flask.Flask) -> None:
    events: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        flask.g.user = "alice"
        events.append("before")

    @app.after_request
    async def after(response: flask.Response) -> flask.Response:
        response.headers["X-After"] = flask.g.user
        events.append("after")
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {exc!r}")

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        events.append("teardown_app")

    @app.route("/")
    async def index() -> str:
        events.append("view")
        return flask.g.user  # type: ignore[no-any-return]

    response = app.test_client().get("/")
    assert response.data == b"alice"
    assert response.headers["X-After"] == "alice"
    assert events == ["before", "view", "after", "teardown None", "teardown_app"]


def test_async_before_request_can_return_response(app: flask.Flask) -> None:
    @app.before_request
    async def before() -> str:
        return "short-circuit"

    @app.route("/")
    def index() -> str:
        return "view"

    assert app.test_client().get("/").data == b"short-circuit"


def test_context_var_set_in_async_hook_reaches_view(app: flask.Flask) -> None:
    @app.before_request
    async def before() -> None:
        cv.set("from-hook")

    @app.route("/")
    def index() -> str:
        return cv.get("unset")

    assert app.test_client().get("/").data == b"from-hook"


def test_request_g_session_inside_async_view(app: flask.Flask) -> None:
    @app.route("/set", methods=["POST"])
    async def set_value() -> str:
        await asyncio.sleep(0)
        flask.session["name"] = flask.request.form["name"]
        flask.g.seen = True
        return "ok"

    @app.route("/get")
    async def get_value() -> dict[str, t.Any]:
        await asyncio.sleep(0)
        return {
            "name": flask.session.get("name"),
            "arg": flask.request.args.get("q"),
            "url": flask.url_for("get_value"),
            "app": flask.current_app.name,
        }

    @app.after_request
    def check_g(response: flask.Response) -> flask.Response:
        if flask.request.endpoint == "set_value":
            # g is shared with the coroutine, so its attribute sets are seen.
            assert flask.g.seen is True
        return response

    client = app.test_client()
    assert client.post("/set", data={"name": "bob"}).data == b"ok"
    assert client.get("/get?q=1").get_json() == {
        "name": "bob",
        "arg": "1",
        "url": "/get",
        "app": "flask_test",
    }


def test_sys_exc_info_in_async_error_handler(app: flask.Flask) -> None:
    @app.route("/")
    def index() -> str:
        raise KeyError("k")

    @app.errorhandler(KeyError)
    async def handle(e: KeyError) -> str:
        return f"{sys.exc_info()[0].__name__} {e!r}"  # type: ignore[union-attr]

    assert app.test_client().get("/").data == b"KeyError KeyError('k')"


def test_async_context_processor_inside_async_view(app: flask.Flask) -> None:
    """render_template inside an async view calls ensure_sync on an async
    context processor while the loop runs: the nested path. (Flask with
    asgiref raises RuntimeError here.)"""

    @app.context_processor
    async def inject() -> dict[str, str]:
        await asyncio.sleep(0)
        return {"who": flask.request.args["who"]}

    @app.route("/")
    async def index() -> str:
        return flask.render_template_string("hello {{ who }}")

    assert app.test_client().get("/?who=ann").data == b"hello ann"


def test_stream_with_context_from_async_view(app: flask.Flask) -> None:
    @app.route("/")
    async def index() -> flask.Response:
        await asyncio.sleep(0)

        @flask.stream_with_context
        def generate() -> t.Iterator[str]:
            yield "path="
            yield flask.request.path
            yield flask.request.args["x"]

        return flask.Response(generate())

    assert app.test_client().get("/?x=!").data == b"path=/!"


def test_async_view_missing_asgiref(
    app: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)

    @app.route("/")
    async def index() -> str:
        return ""

    with pytest.raises(RuntimeError, match=r"the 'async' extra"):
        app.test_client().get("/")


def test_thread_loop_does_not_keep_app_alive() -> None:
    """The thread's loop is created during the first async request; it must
    not capture that request's context (and so the app)."""
    results: list[bool] = []

    def make() -> weakref.ref[flask.Flask]:
        app = flask.Flask("flask_test")

        @app.route("/")
        async def index() -> str:
            return "x"

        assert app.test_client().get("/").data == b"x"
        return weakref.ref(app)

    def target() -> None:
        ref = make()
        gc.collect()
        # Checked while the thread, and so its loop, is still alive.
        results.append(ref() is None)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    assert results == [True]


def test_async_views_from_threads(async_app: flask.Flask) -> None:
    errors: list[BaseException] = []
    bodies: list[bytes] = []
    lock = threading.Lock()

    @async_app.route("/echo/<int:n>")
    async def echo(n: int) -> str:
        flask.g.n = n
        await asyncio.sleep(0.001)
        return f"{flask.request.view_args['n']}:{flask.g.n}"  # type: ignore[index]

    def target(n: int) -> None:
        client = async_app.test_client()
        try:
            for _ in range(15):
                body = client.get(f"/echo/{n}").data
                with lock:
                    bodies.append(body)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sorted(set(bodies)) == [f"{i}:{i}".encode() for i in range(6)]
    assert len(bodies) == 90


# -- async generators as response bodies --------------------------------------


def test_async_generator_body(app: flask.Flask) -> None:
    closed: list[bool] = []

    async def numbers() -> t.AsyncIterator[str]:
        try:
            for i in range(3):
                await asyncio.sleep(0)
                yield f"{i},"
        finally:
            closed.append(True)

    @app.route("/returned")
    def returned() -> t.Any:
        return numbers()

    @app.route("/response")
    async def response() -> flask.Response:
        return flask.Response(numbers(), mimetype="text/plain")

    client = app.test_client()
    rv = client.get("/returned")
    assert (rv.status_code, rv.data) == (200, b"0,1,2,")
    rv = client.get("/response")
    assert (rv.mimetype, rv.data) == ("text/plain", b"0,1,2,")
    assert closed == [True, True]


def test_async_generator_body_closed_when_client_stops(app: flask.Flask) -> None:
    """Closing the response early (a WSGI server does it when the client
    goes away) closes the async generator: its ``finally`` runs."""
    events: list[str] = []

    async def endless() -> t.AsyncIterator[bytes]:
        try:
            while True:
                await asyncio.sleep(0)
                yield b"tick "
        finally:
            events.append("closed")

    @app.route("/")
    def index() -> t.Any:
        return endless()

    rv = app.test_client().get("/", buffered=False)
    chunks = iter(rv.response)
    assert next(chunks) == b"tick "
    assert next(chunks) == b"tick "
    assert events == []
    rv.close()
    assert events == ["closed"]


def test_stream_with_context_async_generator(app: flask.Flask) -> None:
    @app.route("/decorated")
    async def decorated() -> t.Any:
        @flask.stream_with_context
        async def gen() -> t.AsyncIterator[str]:
            await asyncio.sleep(0)
            yield flask.request.args["name"]
            yield "!"

        return gen()

    @app.route("/wrapped")
    def wrapped() -> t.Any:
        async def gen() -> t.AsyncIterator[str]:
            yield flask.request.path

        return flask.stream_with_context(gen())

    client = app.test_client()
    assert client.get("/decorated?name=ann").data == b"ann!"
    assert client.get("/wrapped").data == b"/wrapped"
    with pytest.raises(RuntimeError, match="request context is active"):
        flask.stream_with_context(agen_outside())


async def agen_outside() -> t.AsyncIterator[str]:
    yield "x"


def test_start_in_runs_in_the_context_to_the_end_or_hands_on() -> None:
    """``start_in`` runs a coroutine's first step in the given context; one
    that finishes there gives its value, one that waits goes on as
    ``InContext`` does, in the same context object at every step."""
    import asyncio
    import contextvars

    from flask._async import start_in

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="-")

    async def quick() -> str:
        var.set("quick")
        return "done"

    async def slow() -> list[str]:
        seen = [var.get()]
        token = var.set("slow")
        await asyncio.sleep(0)
        seen.append(var.get())
        var.reset(token)  # a token from an earlier step
        seen.append(var.get())
        var.set("end")
        return seen

    async def main() -> None:
        context = contextvars.copy_context()
        assert start_in(quick(), context) == (True, "done")
        assert context[var] == "quick" and var.get() == "-"
        done, rest = start_in(slow(), context)
        assert not done
        assert await rest == ["quick", "slow", "quick"]
        assert context[var] == "end" and var.get() == "-"

        async def failing() -> None:
            await asyncio.sleep(0)
            raise KeyError("x")

        done, rest = start_in(failing(), context)
        with pytest.raises(KeyError):
            await rest

    asyncio.run(main())
