"""Async functions called from sync code (``ensure_sync``) while serving.

Each request served by :class:`~flask.asgi.ASGIApp` binds a :class:`Binding`
in its context (``flask._async.server_loop``). Flask's ``ensure_sync``
wrappers ask it how to run a coroutine function:

- the one call a pipeline step is about to make to an async view or error
  handler (*armed*) is handed back as a :class:`Deferred`, which the request
  driver awaits on the loop without holding a thread;
- from a worker thread, any other coroutine runs on the server's loop while
  the thread waits, so it can use clients bound to that loop; the request
  body is received first, as code on the loop cannot wait for it;
- from code running on the server's loop itself (sync code inside an async
  view), waiting is impossible without blocking every other request, so it
  raises a ``RuntimeError`` that says what to do instead. The request
  driver runs async views off the loop when the app has async context
  processors or async signal receivers, which are called that way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import typing as t
import weakref

from .._async import _adopt
from .._async import _await
from .._async import run_sync
from .._async import task_in
from .._inspect import iscoroutinefunction
from ..globals import _cv_app_get
from ..signals import before_render_template
from ..signals import got_request_exception
from ..signals import message_flashed
from ..signals import template_rendered

if t.TYPE_CHECKING:
    from ..app import Flask
    from ._body import RequestBody
    from ._pool import WorkerPool

#: Armed for "any error handler": the next call that is one is deferred.
HANDLER = object()

#: Signals sent while a view runs, whose async receivers are called through
#: ``ensure_sync`` from the view's code.
_VIEW_SIGNALS = (
    before_render_template,
    template_rendered,
    message_flashed,
    got_request_exception,
)


class Deferred:
    """An async function call that a step returned instead of running it, to
    be awaited on the loop without holding a thread."""

    __slots__ = ("func", "args", "kwargs", "handling")

    def __init__(
        self,
        func: t.Callable[..., t.Any],
        args: tuple[t.Any, ...],
        kwargs: t.Any,
        handling: BaseException | None = None,
    ) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        #: For an error handler: the error, seen by ``sys.exc_info()`` in it.
        self.handling = handling

    async def run(self) -> t.Any:
        """Call and await the function (in the request's context)."""
        aw = self.func(*self.args, **self.kwargs)
        error = self.handling
        if error is None:
            return await aw
        tb = error.__traceback__
        try:
            raise error
        except BaseException:
            error.__traceback__ = tb
            return await aw

    def run_here(self) -> t.Any:
        """Run the call to completion in this (worker) thread, on its own
        loop, as under WSGI."""
        return run_sync(self.run())


def is_error_handler(app: Flask, func: t.Any) -> bool:
    for by_code in app.error_handler_spec.values():
        for handlers in by_code.values():
            if any(h is func for h in handlers.values()):
                return True
    return False


def calls_async_from_sync(
    app: Flask, blueprint: str | None, signals: bool = True
) -> bool:
    """Whether an async view of ``app`` (in ``blueprint``) may call coroutine
    functions from sync code: async context processors (called by
    ``render_template``) or (with ``signals``) async receivers of the
    signals sent while a view runs. Such a view must not run on the
    server's loop."""
    cache = app._dispatch_cache
    key = ("async context", blueprint)
    found = cache.get(key)
    if found is None:
        funcs = app._hooks("context", blueprint)
        found = cache[key] = tuple(f for f in funcs if iscoroutinefunction(f))
    if found:
        return True
    return signals and any_async_view_receiver()


def any_async_view_receiver() -> bool:
    """Whether an async function receives a signal sent while a view runs."""
    for signal in _VIEW_SIGNALS:
        if signal.receivers:
            receivers: list[object] = list(signal.receivers.values())
            for receiver in receivers:
                func = receiver
                if isinstance(receiver, weakref.ref):
                    func = t.cast("weakref.ref[object]", receiver)()
                if iscoroutinefunction(func):
                    return True
    return False


class Binding:
    """How ``ensure_sync`` wrappers run coroutine functions for one request
    (see the module docstring)."""

    __slots__ = ("loop", "app", "pool", "armed", "body", "read_ahead")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        app: Flask,
        pool: WorkerPool | None = None,
        body: RequestBody | None = None,
        read_ahead: int | None = None,
    ) -> None:
        self.loop = loop
        self.app = app
        #: Where sync work of this request runs (background tasks use it).
        self.pool = pool
        self.armed: t.Any = None
        #: The request body, when it may not have been received yet.
        self.body = body
        self.read_ahead = read_ahead

    def call(
        self, func: t.Callable[..., t.Any], args: tuple[t.Any, ...], kwargs: t.Any
    ) -> t.Any:
        armed = self.armed
        if armed is not None:
            if func is armed:
                self.armed = None
                return Deferred(func, args, kwargs)
            if armed is HANDLER and is_error_handler(self.app, func):
                self.armed = None
                return Deferred(func, args, kwargs, args[0] if args else None)
        running = asyncio._get_running_loop()
        if running is self.loop:
            raise RuntimeError(
                f"The coroutine function {_name(func)} was called from"
                " synchronous code running on the ASGI server's event loop"
                " (inside an async view, hook or error handler). Waiting"
                " for it there would block every other request. Await it"
                " directly instead, or make the calling view a regular"
                " 'def' view, which runs in a worker thread."
            )
        aw = func(*args, **kwargs)
        if running is not None:
            # On a worker thread's own loop (an async view run off the
            # server's loop): a helper thread runs it, as under WSGI.
            return run_sync(aw)
        return self.wait_on_loop(aw)

    def wait_on_loop(self, aw: t.Any) -> t.Any:
        """Run ``aw`` on the server's loop in a copy of this thread's
        context and wait for it; variables it sets are copied back."""
        if not inspect.iscoroutine(aw):
            aw = _await(aw)
        loop = self.loop
        body = self.body
        if body is not None and not body.complete:
            aw = self._after_body(body, aw)
        ctx = contextvars.copy_context()
        result: concurrent.futures.Future[t.Any] = concurrent.futures.Future()

        def done(task: asyncio.Task[t.Any]) -> None:
            if task.cancelled():
                result.set_exception(asyncio.CancelledError())
            elif task.exception() is not None:
                result.set_exception(t.cast(BaseException, task.exception()))
            else:
                result.set_result(task.result())

        def start() -> None:
            task_in(loop, aw, ctx).add_done_callback(done)

        try:
            loop.call_soon_threadsafe(start)
        except RuntimeError:  # the loop is closed: run it here instead
            return run_sync(aw)
        try:
            return result.result()
        finally:
            _adopt(ctx)

    async def _after_body(self, body: RequestBody, aw: t.Any) -> t.Any:
        """Receive the body (up to the limit) before ``aw`` runs on the
        loop, where reading cannot wait for it."""
        try:
            await body.fill(fill_limit(self.app, self.read_ahead))
        except BaseException:
            aw.close()
            raise
        return await aw


def fill_limit(app: Flask, read_ahead: int | None) -> int | None:
    """How much of the current request's body may be received ahead for
    code on the loop: its ``max_content_length`` (``read_ahead`` when that
    is unset), and nothing more if the declared length is already over it
    (werkzeug answers 413 without reading)."""
    ctx = _cv_app_get(None)
    req = ctx._request if ctx is not None else None
    if req is None:
        limit = app.config["MAX_CONTENT_LENGTH"]
    else:
        limit = req.max_content_length
        length = req.content_length
        if limit is not None and length is not None and length > limit:
            return -1
    return read_ahead if limit is None else limit


def _name(func: t.Any) -> str:
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    return repr(name) if name else repr(func)
