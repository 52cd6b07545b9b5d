"""The serving side of :class:`~flask.Flask`: ``asgi_app``, the lifespan
hooks (``before_serving``, ``while_serving``, ``after_serving``), background
tasks and ``test_app``.

Kept apart from ``app.py`` (and free of ``asyncio``) so that WSGI apps pay
nothing for it: :mod:`flask.asgi` is imported on first use of ``asgi_app``.
"""

from __future__ import annotations

import typing as t
import weakref

from .sansio.scaffold import setupmethod

if t.TYPE_CHECKING:
    from ._background import BackgroundTasks
    from .app import Flask
    from .asgi import ASGIApp
    from .testing import TestApp

#: Methods whose overriding means user code may run in the steps around an
#: async view, so those steps cannot run on the event loop (flask.asgi).
INLINE_METHODS = (
    "request_context",
    "create_url_adapter",
    "preprocess_request",
    "dispatch_request",
    "finalize_request",
    "make_response",
    "process_response",
    "do_teardown_request",
    "do_teardown_appcontext",
    "handle_user_exception",
    "handle_http_exception",
    "should_ignore_error",
    "ensure_sync",
    "async_to_sync",
)

#: Instance attributes the ASGI door's per-app plan depends on: setting or
#: deleting one of them drops the plan (``Flask.__setattr__``).
PLAN_INPUTS = frozenset(
    {
        *INLINE_METHODS,
        "wsgi_app",
        "__call__",
        "full_dispatch_request",
        "request_class",
        "response_class",
        "session_interface",
        "_got_first_request",
    }
)

#: The plan's inputs read from the app's class: one replaced on the class
#: (``Flask.process_response = ...``) is noticed per request (``plan_of``).
CLASS_PLAN_INPUTS = tuple(sorted(PLAN_INPUTS - {"_got_first_request"}))

ServingCallable = t.Callable[[], t.Any]
S = t.TypeVar("S", bound=ServingCallable)
WhileServingCallable = t.Callable[
    [], t.AsyncGenerator[t.Any, None] | t.Generator[t.Any, None, None]
]
W = t.TypeVar("W", bound=WhileServingCallable)


class ServingMixin:
    """``asgi_app``, ``before_serving`` and ``after_serving`` for the app."""

    @property
    def before_serving_funcs(self) -> list[ServingCallable]:
        """Functions run when an ASGI server starts serving the app."""
        return self.__dict__.setdefault("_before_serving_funcs", [])  # type: ignore[no-any-return]

    @property
    def after_serving_funcs(self) -> list[ServingCallable]:
        """Functions run when an ASGI server stops serving the app."""
        return self.__dict__.setdefault("_after_serving_funcs", [])  # type: ignore[no-any-return]

    @setupmethod
    def before_serving(self, f: S) -> S:
        """Register ``f`` to run once when an ASGI server starts (the lifespan
        ``startup`` event), before any request, in an app context.

        ``async def`` functions run on the server's event loop, so clients and
        pools they create can be used by async views. If one raises, the
        server is told that startup failed and does not serve.
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: S) -> S:
        """Register ``f`` to run once when an ASGI server shuts down (the
        lifespan ``shutdown`` event), in an app context. Run in the reverse
        order of registration."""
        self.after_serving_funcs.append(f)
        return f

    @property
    def while_serving_funcs(self) -> list[WhileServingCallable]:
        """Generator functions wrapped around serving (see
        :meth:`while_serving`)."""
        return self.__dict__.setdefault("_while_serving_funcs", [])  # type: ignore[no-any-return]

    @setupmethod
    def while_serving(self, f: W) -> W:
        """Register a generator function that wraps serving: the code before
        its single ``yield`` runs at startup (after the ``before_serving``
        functions), the code after it at shutdown (after the
        ``after_serving`` functions, the last registered first).

        An ``async def`` generator runs on the server's event loop, a plain
        one in a worker thread; both in an app context. A generator that
        does not yield exactly once makes startup or shutdown fail.
        """
        self.while_serving_funcs.append(f)
        return f

    @property
    def background_tasks(self) -> BackgroundTasks:
        """The app's running background tasks (see
        :meth:`add_background_task`)."""
        tasks = self.__dict__.get("_background_tasks")
        if tasks is None:
            from ._background import BackgroundTasks

            tasks = self.__dict__["_background_tasks"] = BackgroundTasks(
                t.cast("Flask", self)
            )
        return tasks

    def add_background_task(
        self, func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any
    ) -> None:
        """Run ``func(*args, **kwargs)`` in the background, in an app context
        of its own; the request that called this does not wait for it.

        Served over ASGI, an ``async def`` function runs on the server's
        loop and a sync one in the worker pool, and shutdown waits for them
        up to ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds (default 5), then
        cancels the coroutines still running. Under a WSGI server or the
        test client the function runs in a thread of the app's. An error
        is logged and sent as the
        :data:`~flask.signals.got_background_exception` signal.
        """
        self.background_tasks.add(func, *args, **kwargs)

    def test_app(self) -> TestApp:
        """A :class:`~flask.testing.TestApp` that runs this app's serving
        lifespan around a test: ``async with app.test_app():`` runs startup
        (``before_serving``, ``while_serving``), and shutdown on exit, which
        waits for background tasks."""
        from .testing import TestApp

        return TestApp(t.cast("Flask", self))

    @property
    def asgi_app(self) -> ASGIApp:
        """This app as an ASGI 3 application, e.g. ``uvicorn module:app.asgi_app``.

        Created with the default thread pool size and shared while something
        (the server) holds it; build a :class:`flask.asgi.ASGIApp` yourself
        to tune it.
        """
        # Held weakly: the adapter references the app, and a cycle would keep
        # a discarded app alive until the garbage collector runs.
        ref = self.__dict__.get("_asgi_app")
        rv = ref() if ref is not None else None
        if rv is None:
            from .asgi import ASGIApp

            rv = ASGIApp(t.cast("Flask", self))
            self.__dict__["_asgi_app"] = weakref.ref(rv)
        return rv
