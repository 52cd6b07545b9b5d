"""The sync side of a request served over ASGI: the pipeline's steps.

:class:`Pipeline` runs the steps of ``wsgi_app`` and
``full_dispatch_request`` (push, ``request_started``, ``preprocess_request``,
``dispatch_request``, ``handle_user_exception``, ``finalize_request``,
``handle_exception``, pop), calling the app's methods through ``self`` so
overrides are honoured. It stops where an async view, hook or error handler
is to be awaited, handing back a :class:`~._bridge.Deferred`; the driver
(:mod:`._http`) awaits it on the loop and resumes the pipeline with its
value. The steps run in worker threads, or on the loop when no user code
runs in them (:func:`plain`).
"""

from __future__ import annotations

import typing as t
from inspect import CO_COROUTINE
from types import FunctionType

from .._inspect import iscoroutinefunction
from .._plan import Plan
from .._plan import plan_of
from .._responses import direct_parts
from .._responses import serve
from ..app import Flask
from ..ctx import AppContext
from ..sessions import SecureCookieSessionInterface
from ..signals import appcontext_popped
from ..signals import appcontext_pushed
from ..signals import appcontext_tearing_down
from ..signals import before_render_template
from ..signals import got_request_exception
from ..signals import message_flashed
from ..signals import request_finished
from ..signals import request_started
from ..signals import request_tearing_down
from ..signals import template_rendered
from ..wrappers import Response
from ._bridge import any_async_view_receiver
from ._bridge import Binding
from ._bridge import calls_async_from_sync
from ._bridge import Deferred
from ._bridge import HANDLER

#: Returned by a step tried on the loop that must continue in a worker.
HOP = object()


def splittable(app: Flask) -> bool:
    """Whether the adapter can drive the request steps itself."""
    return plan_of(app).splittable


def plain(app: Flask) -> bool:
    """Whether the framework steps around an async view run no user code
    (no overrides, custom classes, app teardown functions or signal
    receivers), so they may run on the loop; hooks are checked per
    request."""
    return plan_of(app).inline and plain_now(app)


#: Where :func:`lean_view` keeps :func:`_inline_steps` per endpoint.
_INLINE_STEPS = "asgi inline"


def _inline_steps(app: Flask, endpoint: str) -> tuple[bool, bool]:
    """For a request to ``endpoint``: whether it meets no ``before_request``
    hook or URL value preprocessor and no async context processor (so the
    steps up to an async view may run on the loop), and whether it meets
    no ``after_request`` or teardown hook (so the steps after it may).
    Kept with the app's hook tables (read there by :func:`lean_view`),
    dropped with them on setup."""
    # The blueprint as Request.blueprint derives it from the endpoint.
    blueprint = endpoint.rpartition(".")[0] if "." in endpoint else None
    before = not (
        app._hooks("before", blueprint)
        or app._hooks("url_value", blueprint)
        or calls_async_from_sync(app, blueprint, signals=False)
    )
    after = not (app._hooks("after", blueprint) or app._hooks("teardown", blueprint))
    steps = app._dispatch_cache[_INLINE_STEPS, endpoint] = (before, after)
    return steps


def _async_view_signals() -> bool:
    """Whether an async receiver may be connected to a signal sent while a
    view runs (checked per request: receivers come and go)."""
    return (
        bool(
            before_render_template.receivers
            or template_rendered.receivers
            or message_flashed.receivers
            or got_request_exception.receivers
        )
        and any_async_view_receiver()
    )


#: The signals sent by the steps around a view.
_STEP_SIGNALS = (
    appcontext_pushed,
    request_started,
    request_finished,
    request_tearing_down,
    appcontext_tearing_down,
    appcontext_popped,
)


def plain_now(app: Flask) -> bool:
    """The part of :func:`plain` that can change without an assignment on
    the app: app teardown functions and receivers of the signals the steps
    send (for any sender or for ``app``; one connected for another app
    only is never called for this one)."""
    if app.teardown_appcontext_funcs:
        return False
    if not (
        appcontext_pushed.receivers
        or request_started.receivers
        or request_finished.receivers
        or request_tearing_down.receivers
        or appcontext_tearing_down.receivers
        or appcontext_popped.receivers
    ):
        return True
    return not any(signal.has_receivers_for(app) for signal in _STEP_SIGNALS)


_PLAIN_BODIES = (str, bytes, dict, list)


def plain_value(value: t.Any) -> bool:
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


def open_inline(
    app: Flask, environ: dict[str, t.Any]
) -> tuple[AppContext, t.Any, bool]:
    """On the loop: push the context for ``environ``. Return it, the async
    view to call there (``None`` if code of the user's runs before it, or
    it is not a coroutine function, or may call coroutines from sync code;
    the exception if the push raised), and whether no after or teardown
    hook applies (so the steps after the view may run there too)."""
    ctx = app.request_context(environ)
    try:
        ctx.push()
    except Exception as e:
        return ctx, e, False
    req = ctx._request
    assert req is not None
    rule = req.url_rule
    if rule is None or req.routing_exception is not None or req.method == "OPTIONS":
        return ctx, None, False
    view, after = lean_view(app, rule.endpoint)
    return ctx, view, after


def lean_view(app: Flask, endpoint: str) -> tuple[t.Any, bool]:
    """For a request matched to ``endpoint`` (by a method other than an
    automatic OPTIONS): the async view to call on the loop (``None`` if
    code of the user's runs before it, or it is not a coroutine function,
    or may call coroutines from sync code), and whether no after or
    teardown hook applies (so the steps after the view may run there
    too)."""
    found = app._dispatch_cache.get((_INLINE_STEPS, endpoint))
    before, after = _inline_steps(app, endpoint) if found is None else found
    view = app.view_functions.get(endpoint)
    if type(view) is FunctionType and "_is_coroutine_marker" not in view.__dict__:
        # iscoroutinefunction(view) for a plain function, without the call.
        coro = view.__code__.co_flags & CO_COROUTINE
    else:
        coro = iscoroutinefunction(view)
    if not before or not coro:
        return None, after
    # _async_view_signals(), without the call while no receiver is connected.
    if (
        before_render_template.receivers
        or template_rendered.receivers
        or message_flashed.receivers
        or got_request_exception.receivers
    ) and _async_view_signals():
        return None, after
    # What Flask's own dispatch_request (the plan for this path) does.
    return view, after


def finishes_plainly(app: Flask, ctx: AppContext, after: bool, value: t.Any) -> bool:
    """Whether the steps after a view that returned ``value`` run no code of
    the user's (so they may run on the loop): no after or teardown hook
    applies (``after``, from :func:`open_inline`), the value is plain, no
    ``after_this_request`` callback and no receiver was added meanwhile."""
    kind = type(value)  # pyright: ignore[reportUnknownVariableType]
    return (
        after
        and (kind is str or kind is dict or plain_value(value))
        and not ctx._after_request_functions
        and plain_now(app)
    )


class Started:
    """The WSGI ``start_response`` for one request, recording what it got."""

    __slots__ = ("status", "code", "headers", "written")

    def __init__(self) -> None:
        self.status: str | None = None
        #: The status code, when known to be a valid final one.
        self.code: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        self.status = status
        self.headers = headers
        return self.written.append


class Outcome(t.NamedTuple):
    started: Started
    app_iter: t.Iterable[bytes]
    async_body: t.AsyncIterable[t.Any] | None


class Pipeline:
    """The sync side of one request: the steps of ``wsgi_app`` and
    ``full_dispatch_request``, run in worker threads, stopping where an
    async view or error handler is to be awaited on the loop."""

    def __init__(
        self,
        app: Flask,
        environ: dict[str, t.Any],
        binding: Binding,
        plan: Plan | None = None,
    ) -> None:
        self.app = app
        self.environ = environ
        self.binding = binding
        self.started = Started()
        self.error: BaseException | None = None
        self.phase = ""
        self.pending_error: Exception | None = None
        self.plan = plan = plan_of(app) if plan is None else plan
        self.split_before = plan.split_before
        self.split_after = plan.split_after
        #: Position in the hooks being run step by step (phases "before"
        #: and "after"); ``after_app``: past ``after_this_request`` callbacks.
        self.hook_index = 0
        self.after_app = False
        #: Set by :meth:`start_inline`: no after or teardown hook applies.
        self.inline_after = False

    def start(self) -> Deferred | Outcome:
        self.ctx = self.app.request_context(self.environ)
        return self._step(self._begin)  # type: ignore[no-any-return]

    def resume(self, value: t.Any, error: BaseException | None) -> Deferred | Outcome:
        return self._step(self._continue, value, error)  # type: ignore[no-any-return]

    # On the loop, when no user code runs before or after an async view.

    def start_inline(self) -> t.Any:
        """On the loop: push the context and, if no code of the user's runs
        before the view and the view is a coroutine function (that calls
        no coroutines from sync code), return the view's coroutine (phase
        "view"). Otherwise return ``HOP`` (:meth:`after_push`, or
        :meth:`fail` for an error, continues in a worker)."""
        ctx, view, self.inline_after = open_inline(self.app, self.environ)
        self.ctx = ctx
        if view is None:
            return HOP
        if isinstance(view, Exception):
            # Error handling runs user code: in a worker (``fail``).
            self.pending_error = view
            return HOP
        self.phase = "view"
        try:
            return view(**ctx._request.view_args)  # type: ignore[arg-type, union-attr]
        except Exception as e:  # called with arguments it does not take
            return _raising(e)

    def after_push(self) -> Deferred | Outcome:
        return self._step(self._after_push)  # type: ignore[no-any-return]

    def finish_inline(self, value: t.Any) -> t.Any:
        """Finalize, serve and pop on the loop, or return ``HOP`` (nothing
        done) when that would run user code."""
        phase = self.phase
        if phase != "view" and phase != "handler":
            return HOP
        ctx = self.ctx
        if not finishes_plainly(self.app, ctx, self.inline_after, value):
            return HOP
        # finalize_request and process_response with no hook to run, then
        # what _step does after a step.
        app = self.app
        try:
            try:
                response = app.make_response(value)
                app._save_session(ctx, response)
                return self._serve(response)
            except Exception as e:
                # Error handling runs user code: in a worker (``fail``).
                self.pending_error = e
                return HOP
        except BaseException as e:
            self.error = e  # popped with it, once, below
            raise
        finally:
            if self.pending_error is None:
                self._pop()

    def fail(self) -> Outcome:
        """Handle the error a step on the loop raised, in a worker."""
        error = self.pending_error
        self.pending_error = None
        assert error is not None
        return self._step(raise_, error)  # type: ignore[no-any-return]

    def _step(
        self, func: t.Callable[..., t.Any], *args: t.Any, inline: bool = False
    ) -> t.Any:
        app = self.app
        done = True
        try:
            try:
                rv = func(*args)
                if rv is HOP:
                    done = False
                    return rv
                if type(rv) is Deferred:
                    done = False
                    if type(app.session_interface) is not SecureCookieSessionInterface:
                        # Open it here: the interface may block the loop.
                        self.ctx.session  # noqa: B018
                    return rv
            except Exception as e:
                if inline:
                    # Error handling runs user code: in a worker (``fail``).
                    done = False
                    self.pending_error = e
                    return HOP
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

    def abandon(self, error: BaseException | None = None) -> None:
        """Pop the context a step left pushed (the client left while the next
        step waited for a thread, or the request was cancelled), so that
        teardown runs once."""
        ctx = getattr(self, "ctx", None)
        if ctx is not None and ctx._cv_tokens:
            self.error = error
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
        if type(rv) is Deferred:
            return rv
        try:
            if rv is None:
                rv = self._dispatch()
                if type(rv) is Deferred:
                    self.phase = "view"
                    return rv
        except Exception as e:
            return self._handled(e)
        return self._finalize(rv)

    def _handled(self, e: Exception) -> t.Any:
        """The response for an error raised by a hook or the view, through
        the error handlers (an async handler is handed back)."""
        rv = self._user_error(e)
        if type(rv) is Deferred:
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
                return Deferred(func, (), {})
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
                    return Deferred(func, (response,), {})
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
                return Deferred(func, (response,), {})
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
        if self.plan.own_dispatch:
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
        if self.plan.own_handlers:
            binding.armed = HANDLER
        try:
            if "handle_user_exception" in app._legacy_hooks:
                rv: t.Any = app.handle_user_exception(e)  # type: ignore[arg-type]
            else:
                rv = app.handle_user_exception(self.ctx, e)
        finally:
            binding.armed = None
        if type(rv) is Deferred:
            self.phase = "handler"
        return rv

    def _serve(self, response: Response) -> Outcome:
        return serve_response(response, self.environ, self.started)


def serve_response(
    response: Response, environ: dict[str, t.Any], started: Started
) -> Outcome:
    """What to send for ``response``: werkzeug's status, headers and body
    (a buffered body directly, without the WSGI call in between; an async
    body iterated on the loop)."""
    body = response.response
    if hasattr(body, "__aiter__"):
        # Headers and status as werkzeug gives them; the body is
        # iterated on the loop.
        response.response = iter(())
        try:
            app_iter = serve(response, environ, started)
        finally:
            response.response = body
        return Outcome(started, app_iter, async_body(started, environ, body))
    direct = direct_parts(response, environ["REQUEST_METHOD"] == "HEAD")
    if direct is not None:
        # What serve() would send, without the WSGI call in between.
        started.status = response.status
        started.code = response.status_code
        started.headers, chunks = direct
        return Outcome(started, chunks, None)
    app_iter = serve(response, environ, started)
    return Outcome(started, app_iter, None)


def abandon_after(
    pipe: Pipeline | None, error: BaseException | None, value: t.Any
) -> None:
    """In a worker, for a request cancelled while its job ran, once that
    job ended with ``value``: close the response it made, if any, and pop
    the context it left pushed (``Pipeline.abandon``)."""
    try:
        if type(value) is Outcome:
            close = getattr(value.app_iter, "close", None)
            if close is not None:
                close()
    finally:
        if pipe is not None:
            pipe.abandon(error)


def raise_(error: BaseException) -> t.NoReturn:
    raise error


async def _raising(error: BaseException) -> t.NoReturn:
    raise error


def async_body(
    started: Started, environ: dict[str, t.Any], body: t.Any
) -> t.AsyncIterable[t.Any] | None:
    """``body`` if werkzeug would send a body for this response, else ``None``
    (HEAD, 1xx, 204, 304)."""
    status = int(t.cast(str, started.status)[:3])
    if environ["REQUEST_METHOD"] == "HEAD" or status < 200 or status in (204, 304):
        return None
    return t.cast(t.AsyncIterable[t.Any], body)


def call_wsgi(app: Flask, environ: dict[str, t.Any]) -> Outcome:
    """The fallback: the whole request through the app's WSGI entry point."""
    started = Started()
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
    return Outcome(started, app_iter, None)


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
