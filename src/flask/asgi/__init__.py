"""Serving a Flask app with an ASGI server (uvicorn, hypercorn, granian).

``app.asgi_app`` is an :class:`ASGIApp`. A request goes through the same
steps as under WSGI (``wsgi_app`` and ``full_dispatch_request``): push the
context, ``request_started``, ``preprocess_request``, ``dispatch_request``,
``handle_user_exception``, ``finalize_request``, ``handle_exception``, send,
pop. Only *where* they run changes:

- sync steps run in a bounded pool of worker threads, so blocking code never
  blocks the event loop;
- an ``async def`` view, an async error handler returned by
  ``handle_user_exception``, and (when ``preprocess_request``,
  ``finalize_request`` and ``process_response`` are Flask's own, which the
  adapter then runs hook by hook) async ``before_request``/``after_request``
  hooks and ``after_this_request`` callbacks run as tasks on the server's
  loop and hold no thread while they await;
- other async functions called through ``ensure_sync`` (teardown, signals,
  hooks called by an overridden method) also run on the server's loop,
  while their worker thread waits.

Each request gets its own :class:`contextvars.Context`; every step runs in it
(the worker enters it, the loop task is created in it), so ``request``,
``g``, ``session`` and ``current_app`` work everywhere and never leak
between requests or threads.

If the app overrides ``wsgi_app`` (a subclass or middleware assigned to
``app.wsgi_app``), ``__call__`` or ``full_dispatch_request``, the steps
cannot be driven one by one: the whole request runs through the WSGI entry
point in a worker thread. Overriding ``dispatch_request`` (or
``handle_user_exception``/``handle_http_exception``) keeps the split, but
async views (or handlers) then hold their worker thread while they await.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import io
import typing as t
from inspect import iscoroutinefunction

from ._asgi_environ import environ_from_scope
from ._asgi_environ import Message
from ._asgi_environ import Receive
from ._asgi_environ import RequestBody
from ._asgi_environ import Scope
from ._asgi_environ import Send
from ._async import _adopt
from ._async import _await
from ._async import run_sync
from ._async import server_loop
from ._async import task_in
from .app import Flask
from .sessions import SecureCookieSessionInterface
from .signals import appcontext_popped
from .signals import appcontext_pushed
from .signals import appcontext_tearing_down
from .signals import request_finished
from .signals import request_started
from .signals import request_tearing_down
from .wrappers import Request
from .wrappers import Response

__all__ = ["ASGIApp", "DEFAULT_MAX_THREADS", "DEFAULT_SPILL_SIZE"]

#: Worker threads for sync code, per :class:`ASGIApp` (Starlette's default).
DEFAULT_MAX_THREADS = 40
#: Request bodies larger than this (bytes) are kept in a temporary file.
DEFAULT_SPILL_SIZE = 1024 * 1024

_END = object()
_HANDLER = object()
#: Returned by a step tried on the loop that must continue in a worker.
_HOP = object()

#: Methods whose overriding means user code may run in the steps around an
#: async view, so those steps cannot be run on the loop.
_INLINE_METHODS = (
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
_SIGNALS = (
    appcontext_pushed,
    request_started,
    request_finished,
    request_tearing_down,
    appcontext_tearing_down,
    appcontext_popped,
)


class _Deferred:
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
        """Call and await the function (in a task running in the request's
        context)."""
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


def _is_error_handler(app: Flask, func: t.Any) -> bool:
    for by_code in app.error_handler_spec.values():
        for handlers in by_code.values():
            if any(h is func for h in handlers.values()):
                return True
    return False


class _Binding:
    """Runs async functions called through ``ensure_sync`` on the server's
    loop; the one call a step may hand back to the loop is *armed*."""

    __slots__ = ("loop", "app", "armed")

    def __init__(self, loop: asyncio.AbstractEventLoop, app: Flask) -> None:
        self.loop = loop
        self.app = app
        self.armed: t.Any = None

    def call(
        self, func: t.Callable[..., t.Any], args: tuple[t.Any, ...], kwargs: t.Any
    ) -> t.Any:
        armed = self.armed
        if armed is not None:
            if func is armed:
                self.armed = None
                return _Deferred(func, args, kwargs)
            if armed is _HANDLER and _is_error_handler(self.app, func):
                self.armed = None
                return _Deferred(func, args, kwargs, args[0] if args else None)
        aw = func(*args, **kwargs)
        if asyncio._get_running_loop() is not None:
            # Called from a coroutine on a loop: it cannot wait here.
            return run_sync(aw)
        return _wait_on_loop(self.loop, aw)


def _wait_on_loop(loop: asyncio.AbstractEventLoop, aw: t.Any) -> t.Any:
    """Run ``aw`` on ``loop`` in a copy of this thread's context and wait for
    it; variables it sets are copied back."""
    if not inspect.iscoroutine(aw):
        aw = _await(aw)
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


def _own(app: Flask, name: str) -> bool:
    """Whether ``app.<name>`` is Flask's own method (not overridden on the
    class or assigned on the instance)."""
    return name not in app.__dict__ and getattr(type(app), name) is getattr(Flask, name)


def _own_async(app: Flask) -> bool:
    """Whether async callbacks are wrapped by Flask's own ``ensure_sync``."""
    return _own(app, "ensure_sync") and _own(app, "async_to_sync")


def _split_before(app: Flask) -> bool:
    """Whether the adapter may run ``preprocess_request`` step by step, so
    async ``before_request`` hooks are awaited on the loop."""
    return (
        _own(app, "preprocess_request")
        and "preprocess_request" not in app._legacy_hooks
        and _own_async(app)
    )


def _split_after(app: Flask) -> bool:
    """Whether the adapter may run ``finalize_request`` and
    ``process_response`` step by step, so async ``after_request`` hooks and
    ``after_this_request`` callbacks are awaited on the loop."""
    return (
        _own(app, "finalize_request")
        and _own(app, "process_response")
        and "finalize_request" not in app._legacy_hooks
        and "process_response" not in app._legacy_hooks
        and _own_async(app)
    )


def _splittable(app: Flask) -> bool:
    """Whether the adapter can drive the request steps itself."""
    return (
        _own(app, "wsgi_app")
        and _own(app, "__call__")
        and _own(app, "full_dispatch_request")
    )


def _plain(app: Flask) -> bool:
    """Whether the framework steps around an async view run no user code
    (no overrides, custom classes or signal receivers), so they may run
    on the loop; hooks are checked per request."""
    return (
        app._got_first_request
        and not app._legacy_hooks
        and app.request_class is Request
        and app.response_class is Response
        and type(app.session_interface) is SecureCookieSessionInterface
        and not app.teardown_appcontext_funcs
        and not any(sig.receivers for sig in _SIGNALS)
        and all(_own(app, name) for name in _INLINE_METHODS)
    )


_PLAIN_BODIES = (str, bytes, dict, list)


def _plain_value(value: t.Any) -> bool:
    """Whether making a response of a view's return value runs no user
    code: plain bodies, optionally in a tuple with a status and headers,
    or a buffered :class:`~flask.Response`."""
    # (The type of an untyped value.)
    kind = type(value)  # pyright: ignore[reportUnknownVariableType]
    if kind is tuple:
        return 1 < len(value) < 4 and type(value[0]) in _PLAIN_BODIES
    if kind is Response:
        return type(value.response) is list
    return kind in _PLAIN_BODIES


class _Started:
    """The WSGI ``start_response`` for one request, recording what it got."""

    __slots__ = ("status", "headers", "written")

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        self.status = status
        self.headers = headers
        return self.written.append


class _Outcome(t.NamedTuple):
    started: _Started
    app_iter: t.Iterable[bytes]
    async_body: t.AsyncIterable[t.Any] | None


class _Pipeline:
    """The sync side of one request: the steps of ``wsgi_app`` and
    ``full_dispatch_request``, run in worker threads, stopping where an
    async view or error handler is to be awaited on the loop."""

    def __init__(
        self, app: Flask, environ: dict[str, t.Any], binding: _Binding
    ) -> None:
        self.app = app
        self.environ = environ
        self.binding = binding
        self.started = _Started()
        self.error: BaseException | None = None
        self.phase = ""
        self.body_limit: int | None = None
        self.pending_error: Exception | None = None
        self.split_before = _split_before(app)
        self.split_after = _split_after(app)
        #: Position in the hooks being run step by step (phases "before"
        #: and "after"); ``after_app``: past ``after_this_request`` callbacks.
        self.hook_index = 0
        self.after_app = False

    def start(self) -> _Deferred | _Outcome:
        self.ctx = self.app.request_context(self.environ)
        return self._step(self._begin)  # type: ignore[no-any-return]

    def resume(self, value: t.Any, error: BaseException | None) -> _Deferred | _Outcome:
        return self._step(self._continue, value, error)  # type: ignore[no-any-return]

    # On the loop, when no user code runs before or after an async view.

    def start_inline(self) -> t.Any:
        """Push and reach the async view on the loop, or return ``_HOP``
        after the push (:meth:`after_push` continues in a worker)."""
        self.ctx = self.app.request_context(self.environ)
        return self._step(self._begin_inline, inline=True)

    def _begin_inline(self) -> t.Any:
        app = self.app
        ctx = self.ctx
        ctx.push()
        req = ctx._request
        assert req is not None
        rule = req.url_rule
        if (
            req.routing_exception is not None
            or rule is None
            or req.method == "OPTIONS"
            or app._hooks("before", req.blueprint)
            or app._hooks("url_value", req.blueprint)
            or not inspect.iscoroutinefunction(app.view_functions.get(rule.endpoint))
        ):
            return _HOP
        rv = self._dispatch()
        if type(rv) is _Deferred:
            self.phase = "view"
        return rv

    def after_push(self) -> _Deferred | _Outcome:
        return self._step(self._after_push)  # type: ignore[no-any-return]

    def finish_inline(self, value: t.Any) -> t.Any:
        """Finalize, serve and pop on the loop, or return ``_HOP`` (nothing
        done) when that would run user code."""
        if self.phase != "view" and self.phase != "handler":
            return _HOP
        app = self.app
        req = self.ctx._request
        assert req is not None
        blueprint = req.blueprint
        if (
            not _plain_value(value)
            or self.ctx._after_request_functions
            or app._hooks("after", blueprint)
            or app._hooks("teardown", blueprint)
            or not _plain(app)
        ):
            return _HOP
        return self._step(self._finalize, value, inline=True)

    def fail(self) -> _Outcome:
        """Handle the error a step on the loop raised, in a worker."""
        error = self.pending_error
        self.pending_error = None
        assert error is not None
        return self._step(_raise, error)  # type: ignore[no-any-return]

    def _step(
        self, func: t.Callable[..., t.Any], *args: t.Any, inline: bool = False
    ) -> t.Any:
        app = self.app
        done = True
        try:
            try:
                rv = func(*args)
                if rv is _HOP:
                    done = False
                    return rv
                if type(rv) is _Deferred:
                    done = False
                    if type(app.session_interface) is not SecureCookieSessionInterface:
                        # Open it here: the interface may block the loop.
                        self.ctx.session  # noqa: B018
                    req = self.ctx._request
                    if req is not None:
                        limit = self.body_limit = req.max_content_length
                        length = req.content_length
                        if limit is not None and length is not None and length > limit:
                            self.body_limit = -1  # 413 on reading: receive nothing
                    return rv
            except Exception as e:
                if inline:
                    # Error handling runs user code: in a worker (``fail``).
                    done = False
                    self.pending_error = e
                    return _HOP
                self.error = e
                if "handle_exception" in app._legacy_hooks:
                    rv = app.handle_exception(e)  # type: ignore[arg-type]
                else:
                    rv = app.handle_exception(self.ctx, e)
            except BaseException as e:
                self.error = e
                raise
            return self._serve(rv)
        finally:
            if done:
                self._pop()

    def _pop(self) -> None:
        error = self.error
        if error is not None and self.app.should_ignore_error(error):
            error = None
        self.ctx.pop(error)

    def _begin(self) -> t.Any:
        self.ctx.push()
        return self._after_push()

    def _after_push(self) -> t.Any:
        app = self.app
        ctx = self.ctx
        if not app._got_first_request:
            app._start_serving()
        legacy = app._legacy_hooks
        try:
            if request_started.receivers:
                request_started.send(app, _async_wrapper=app.ensure_sync)
            if self.split_before:
                rv = self._preprocess(0)
            elif "preprocess_request" in legacy:
                rv = app.preprocess_request()
            else:
                rv = app.preprocess_request(ctx)
        except Exception as e:
            return self._handled(e)
        return self._proceed(rv)

    def _proceed(self, rv: t.Any) -> t.Any:
        """Go on after the ``before_request`` hooks gave ``rv``: a deferred
        async hook is handed back, ``None`` runs the view, anything else is
        the response."""
        if type(rv) is _Deferred:
            return rv
        try:
            if rv is None:
                rv = self._dispatch()
                if type(rv) is _Deferred:
                    self.phase = "view"
                    return rv
        except Exception as e:
            return self._handled(e)
        return self._finalize(rv)

    def _handled(self, e: Exception) -> t.Any:
        """The response for an error raised by a hook or the view, through
        the error handlers (an async handler is handed back)."""
        rv = self._user_error(e)
        if type(rv) is _Deferred:
            return rv
        return self._finalize(rv)

    def _preprocess(self, start: int) -> t.Any:
        """``preprocess_request`` from its ``start``-th ``before_request``
        hook (URL value preprocessors first when 0); an async hook is handed
        back to be awaited on the loop (phase "before")."""
        app = self.app
        req = self.ctx._request
        assert req is not None
        blueprint = req.blueprint
        if start == 0:
            for func in app._hooks("url_value", blueprint):
                func(req.endpoint, req.view_args)
        hooks = app._hooks("before", blueprint)
        for i in range(start, len(hooks)):
            func = hooks[i]
            if iscoroutinefunction(func):
                self.phase = "before"
                self.hook_index = i
                return _Deferred(func, (), {})
            rv = func()
            if rv is not None:
                return rv
        return None

    def _after_before(self, value: t.Any) -> t.Any:
        """Continue after an async ``before_request`` hook returned ``value``:
        its value is the response, or the next hooks and the view run."""
        try:
            rv = value
            if rv is None:
                rv = self._preprocess(self.hook_index + 1)
        except Exception as e:
            return self._handled(e)
        return self._proceed(rv)

    def _continue(self, value: t.Any, error: BaseException | None) -> t.Any:
        phase = self.phase
        if phase == "after":
            if error is not None:
                raise error
            return self._process(value)
        if error is None:
            if phase == "before":
                return self._after_before(value)
            return self._finalize(value)
        if phase != "view" and phase != "before":
            raise error
        try:
            raise error
        except Exception as e:
            return self._handled(e)

    def _finalize(self, rv: t.Any) -> t.Any:
        app = self.app
        if self.split_after:
            self.phase = "after"
            self.hook_index = 0
            self.after_app = False
            return self._process(app.make_response(rv))
        if "finalize_request" in app._legacy_hooks:
            return app.finalize_request(rv)
        return app.finalize_request(self.ctx, rv)

    def _process(self, response: Response) -> t.Any:
        """``process_response`` and the rest of ``finalize_request`` from the
        current hook on; an async ``after_this_request`` callback or
        ``after_request`` hook is handed back to be awaited on the loop with
        the response (phase "after"), and its result comes back here."""
        app = self.app
        ctx = self.ctx
        if not self.after_app:
            funcs = ctx._after_request_functions
            while self.hook_index < len(funcs):
                func = funcs[self.hook_index]
                self.hook_index += 1
                if iscoroutinefunction(func):
                    return _Deferred(func, (response,), {})
                response = t.cast(Response, func(response))
            self.after_app = True
            self.hook_index = 0
        req = ctx._request
        assert req is not None
        hooks = app._hooks("after", req.blueprint)
        while self.hook_index < len(hooks):
            func = hooks[self.hook_index]
            self.hook_index += 1
            if iscoroutinefunction(func):
                return _Deferred(func, (response,), {})
            response = func(response)
        app._save_session(ctx, response)
        if request_finished.receivers:
            request_finished.send(
                app, _async_wrapper=app.ensure_sync, response=response
            )
        return response

    def _dispatch(self) -> t.Any:
        app = self.app
        binding = self.binding
        if _own(app, "dispatch_request"):
            req = self.ctx._request
            rule = req.url_rule if req is not None else None
            if rule is not None and req.routing_exception is None:  # type: ignore[union-attr]
                binding.armed = app.view_functions.get(rule.endpoint)
        try:
            if "dispatch_request" in app._legacy_hooks:
                return app.dispatch_request()
            return app.dispatch_request(self.ctx)
        finally:
            binding.armed = None

    def _user_error(self, e: Exception) -> t.Any:
        app = self.app
        binding = self.binding
        if _own(app, "handle_user_exception") and _own(app, "handle_http_exception"):
            binding.armed = _HANDLER
        try:
            if "handle_user_exception" in app._legacy_hooks:
                rv: t.Any = app.handle_user_exception(e)  # type: ignore[arg-type]
            else:
                rv = app.handle_user_exception(self.ctx, e)
        finally:
            binding.armed = None
        if type(rv) is _Deferred:
            self.phase = "handler"
        return rv

    def _serve(self, response: Response) -> _Outcome:
        from ._responses import serve

        body = response.response
        if hasattr(body, "__aiter__"):
            # Headers and status as werkzeug gives them; the body is
            # iterated on the loop.
            response.response = iter(())
            try:
                app_iter = serve(response, self.environ, self.started)
            finally:
                response.response = body
            return _Outcome(self.started, app_iter, _async_body(self, body))
        app_iter = serve(response, self.environ, self.started)
        return _Outcome(self.started, app_iter, None)


def _raise(error: BaseException) -> t.NoReturn:
    raise error


def _async_body(pipe: _Pipeline, body: t.Any) -> t.AsyncIterable[t.Any] | None:
    """``body`` if werkzeug would send a body for this response, else ``None``
    (HEAD, 1xx, 204, 304)."""
    status = int(t.cast(str, pipe.started.status)[:3])
    if pipe.environ["REQUEST_METHOD"] == "HEAD" or status < 200 or status in (204, 304):
        return None
    return t.cast(t.AsyncIterable[t.Any], body)


def _call_wsgi(app: Flask, environ: dict[str, t.Any]) -> _Outcome:
    """The fallback: the whole request through the app's WSGI entry point."""
    started = _Started()
    app_iter = app(environ, started)
    if started.status is None:
        # start_response is called on the first iteration: take that chunk.
        it = iter(app_iter)
        first = next(it, None)
        chunks = [] if first is None else [first]

        def chain() -> t.Iterator[bytes]:
            yield from chunks
            yield from it

        close = getattr(app_iter, "close", None)
        app_iter = _Closing(chain(), close)
    return _Outcome(started, app_iter, None)


class _Closing:
    """An iterator with the ``close`` of the WSGI iterable it came from."""

    def __init__(self, it: t.Iterator[bytes], close: t.Callable[[], t.Any] | None):
        self._it = it
        self._close = close

    def __iter__(self) -> t.Iterator[bytes]:
        return self._it

    def close(self) -> None:
        if self._close is not None:
            self._close()


class _Disconnect:
    """Watches ``receive`` for ``http.disconnect`` while a stream is sent."""

    def __init__(self, receive: Receive) -> None:
        self.happened = False
        self._task = asyncio.get_running_loop().create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.happened = True

    def stop(self) -> None:
        self._task.cancel()


class ASGIApp:
    """An ASGI 3 application serving a Flask ``app``.

    ``max_threads`` bounds the worker threads that run sync code (default
    :data:`DEFAULT_MAX_THREADS`); request bodies larger than ``spill_size``
    bytes are kept in a temporary file (default :data:`DEFAULT_SPILL_SIZE`).
    ``app.asgi_app`` is one of these with the defaults.
    """

    def __init__(
        self,
        app: Flask,
        max_threads: int = DEFAULT_MAX_THREADS,
        spill_size: int = DEFAULT_SPILL_SIZE,
    ) -> None:
        if max_threads < 1:
            raise ValueError("'max_threads' must be at least 1.")
        self.app = app
        self.max_threads = max_threads
        self.spill_size = spill_size
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def executor(self) -> concurrent.futures.ThreadPoolExecutor:
        """The pool for sync code, created on first use."""
        executor = self._executor
        if executor is None:
            executor = self._executor = concurrent.futures.ThreadPoolExecutor(
                self.max_threads, thread_name_prefix="flask-asgi"
            )
        return executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            # Not supported: close before accepting (the server answers 403).
            await receive()
            await send({"type": "websocket.close", "code": 1000})
        else:
            raise ValueError(f"Unsupported ASGI scope type {kind!r}.")

    # -- HTTP ----------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        data = message.get("body", b"")
        lazy: RequestBody | None = None
        body: io.RawIOBase | io.BytesIO
        if message.get("more_body", False):
            body = lazy = RequestBody(receive, loop, data, self.spill_size)
        else:
            body = io.BytesIO(data)
        try:
            environ = environ_from_scope(scope, body)
            app = self.app
            cv = contextvars.copy_context()
            binding = _Binding(loop, app)
            cv.run(server_loop.set, binding)
            executor = self.executor

            def run(func: t.Callable[..., t.Any], *args: t.Any) -> t.Any:
                # cv.run passes its arguments to func: checkers cannot relate them.
                return loop.run_in_executor(executor, cv.run, func, *args)  # pyright: ignore[reportArgumentType]

            if _splittable(app):
                pipe = _Pipeline(app, environ, binding)
                if _plain(app) and lazy is None:
                    outcome = cv.run(pipe.start_inline)
                    if outcome is _HOP:
                        if pipe.pending_error is not None:
                            outcome = await run(pipe.fail)
                        else:
                            outcome = await run(pipe.after_push)
                else:
                    outcome = await run(pipe.start)
                while type(outcome) is _Deferred:
                    if lazy is not None and not lazy.complete:
                        await lazy.fill(pipe.body_limit)
                    try:
                        value = await task_in(loop, outcome.run(), cv)
                    except BaseException as e:
                        outcome = await run(pipe.resume, None, e)
                    else:
                        outcome = cv.run(pipe.finish_inline, value)
                        if outcome is _HOP:
                            if pipe.pending_error is not None:
                                outcome = await run(pipe.fail)
                            else:
                                outcome = await run(pipe.resume, value, None)
            else:
                outcome = await run(_call_wsgi, app, environ)
            await self._respond(outcome, receive, send, run, cv, lazy)
        finally:
            body.close()

    async def _respond(
        self,
        outcome: _Outcome,
        receive: Receive,
        send: Send,
        run: t.Callable[..., t.Any],
        cv: contextvars.Context,
        lazy: RequestBody | None,
    ) -> None:
        started, app_iter, async_body = outcome
        close = getattr(app_iter, "close", None)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": int(t.cast(str, started.status)[:3]),
                    "headers": [
                        (k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in started.headers
                    ],
                }
            )
            if started.written:
                for chunk in started.written:
                    await _send_chunk(send, chunk)
            if async_body is not None:
                await self._stream_async(async_body, receive, send, cv, lazy)
            elif type(app_iter) is list or type(app_iter) is tuple:
                chunks = t.cast("list[bytes] | tuple[bytes, ...]", app_iter)
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                await send({"type": "http.response.body", "body": data})
                return
            else:
                await self._stream_sync(app_iter, receive, send, run, lazy)
        finally:
            if close is not None:
                await run(close)

    async def _stream_sync(
        self,
        app_iter: t.Iterable[bytes],
        receive: Receive,
        send: Send,
        run: t.Callable[..., t.Any],
        lazy: RequestBody | None,
    ) -> None:
        it = await run(iter, app_iter)
        watch = _Disconnect(receive) if lazy is None or lazy.complete else None
        try:
            while True:
                chunk = await run(next, it, _END)
                if chunk is _END:
                    break
                if watch is not None and watch.happened:
                    return
                if chunk:
                    await _send_chunk(send, chunk)
            await send({"type": "http.response.body", "body": b""})
        finally:
            if watch is not None:
                watch.stop()

    async def _stream_async(
        self,
        body: t.AsyncIterable[t.Any],
        receive: Receive,
        send: Send,
        cv: contextvars.Context,
        lazy: RequestBody | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        it = body.__aiter__()
        watch = _Disconnect(receive) if lazy is None or lazy.complete else None
        try:
            while True:
                try:
                    chunk = await task_in(loop, _await(it.__anext__()), cv)
                except StopAsyncIteration:
                    break
                if watch is not None and watch.happened:
                    return
                if isinstance(chunk, str):
                    chunk = chunk.encode()
                if chunk:
                    await _send_chunk(send, chunk)
            await send({"type": "http.response.body", "body": b""})
        finally:
            if watch is not None:
                watch.stop()
            aclose = getattr(it, "aclose", None)
            if aclose is not None:
                await task_in(loop, _await(aclose()), cv)

    # -- lifespan --------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                funcs = list(self.app.before_serving_funcs)
                phase = "startup"
            elif message["type"] == "lifespan.shutdown":
                funcs = list(reversed(self.app.after_serving_funcs))
                phase = "shutdown"
            else:
                continue
            try:
                await self._run_serving(funcs)
            except Exception as e:
                self.app.logger.exception(f"ASGI lifespan {phase} failed")
                await send(
                    {
                        "type": f"lifespan.{phase}.failed",
                        "message": f"{type(e).__name__}: {e}",
                    }
                )
                return
            await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown":
                executor, self._executor = self._executor, None
                if executor is not None:
                    executor.shutdown(wait=False)
                return

    async def _run_serving(self, funcs: list[t.Callable[[], t.Any]]) -> None:
        """Run lifespan functions in an app context: coroutines on the loop,
        others in a worker thread."""
        if not funcs:
            return
        loop = asyncio.get_running_loop()
        cv = contextvars.copy_context()
        cv.run(server_loop.set, _Binding(loop, self.app))
        ctx = self.app.app_context()
        cv.run(ctx.push)
        error: BaseException | None = None
        try:
            for func in funcs:
                if inspect.iscoroutinefunction(func):
                    await task_in(loop, cv.run(func), cv)
                else:
                    await loop.run_in_executor(self.executor, cv.run, func)
        except BaseException as e:
            error = e
            raise
        finally:
            cv.run(ctx.pop, error)


async def _send_chunk(send: Send, chunk: bytes) -> None:
    message: Message = {
        "type": "http.response.body",
        "body": chunk,
        "more_body": True,
    }
    await send(message)
