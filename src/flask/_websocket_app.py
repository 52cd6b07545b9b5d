"""The WebSocket pipeline, shared by both front doors.

:func:`steps` is the life of one connection, written once as a generator.
It does the framework's part itself (cheap, no user code) and *yields* a
:class:`Call` wherever user code runs: hooks, signal receivers, the handler,
error handlers. The front door's driver runs each call where it belongs
(under ASGI: sync code in worker threads, coroutines on the server's loop;
under WSGI: in the request's thread) and sends back its value or throws
its error::

    websocket_started -> url value preprocessors -> before_websocket
    -> handler(**view_args) (or a hook's response)
    on error: error handlers; unhandled: handle_websocket_exception
    -> after_websocket(response) -> websocket_finished
    the driver then: rejects with the response, or closes (1000; 1011 after
    an unhandled error), and pops the context (teardown_websocket,
    teardown_appcontext) exactly once.

The app's side (``websocket_class``, ``websocket_context``...) is
:class:`flask._websocket_mixin.WebsocketMixin`.
"""

from __future__ import annotations

import typing as t
from inspect import iscoroutinefunction

from ._websocket import Websocket
from ._websocket import WebsocketContext
from ._websocket import WebsocketDisconnect
from .signals import websocket_finished
from .signals import websocket_started

if t.TYPE_CHECKING:
    from .app import Flask
    from .ctx import AppContext
    from .wrappers import Response

#: Kinds of :class:`Call`.
USER = 0  # user code: sync in a worker thread, async on the loop
HANDLER = 1  # the WebSocket handler itself (long running)
FRAMEWORK = 2  # framework code that runs no user code unless overridden


class Call:
    """A call the pipeline hands to the driver: ``func(*args, **kwargs)``."""

    __slots__ = ("func", "args", "kwargs", "kind")

    def __init__(
        self,
        func: t.Callable[..., t.Any],
        args: tuple[t.Any, ...] = (),
        kwargs: dict[str, t.Any] | None = None,
        kind: int = USER,
    ) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs or {}
        self.kind = kind


class Ending(t.NamedTuple):
    """How the pipeline ended: the response rejecting the handshake (if
    not accepted), the unhandled error, if any, and whether the handler or
    a hook failed (an error handler may have handled it): an accepted
    connection then closes with 1011."""

    response: Response | None
    error: Exception | None
    failed: bool


Steps = t.Generator[Call, t.Any, Ending]


def steps(app: Flask, ctx: WebsocketContext) -> Steps:
    """The pipeline of one WebSocket connection (see the module docstring).
    The context is pushed (and later popped) by the driver."""
    ws = ctx._websocket
    error: Exception | None = None
    response: Response | None = None
    failed = False
    if not app._got_first_request:
        app._start_serving()
    try:
        blueprint = ws.blueprint
        try:
            if websocket_started.receivers:
                yield Call(_send_signal, (app, websocket_started))
            if app._hooks("url_value", blueprint):
                yield Call(_url_values, (app, ws))
            rv = yield from _before(app, blueprint)
            if rv is None:
                if ws.routing_exception is not None:
                    app.raise_routing_exception(ws)
                rule = ws.url_rule
                assert rule is not None
                handler = app.view_functions[rule.endpoint]
                rv = yield Call(handler, (), ws.view_args, HANDLER)
        except WebsocketDisconnect:
            rv = None  # the client went away: not an error
        except Exception as e:
            failed = True
            rv = yield Call(_handle_user_error, (app, ctx, e))
        if rv is not None and not ws.accepted:
            response = yield Call(app.make_response, (rv,), kind=FRAMEWORK)
        response = yield from _after(app, blueprint, response)
        if websocket_finished.receivers:
            yield Call(_send_signal, (app, websocket_finished, response))
    except Exception as e:
        error = e
        failed = True
        response = yield Call(_handle_ws_error, (app, ctx, e))
    return Ending(response, error, failed)


def _before(app: Flask, blueprint: str | None) -> t.Generator[Call, t.Any, t.Any]:
    hooks = app._hooks("before_websocket", blueprint)
    i = 0
    while i < len(hooks):
        func = hooks[i]
        if iscoroutinefunction(func):
            rv = yield Call(func)
            i += 1
        else:
            rv, i = yield Call(_sync_before, (hooks, i))
        if rv is not None:
            return rv
    return None


def _sync_before(hooks: tuple[t.Any, ...], i: int) -> tuple[t.Any, int]:
    """Run the sync hooks from ``i`` up to an async one or a response."""
    while i < len(hooks):
        func = hooks[i]
        if iscoroutinefunction(func):
            break
        i += 1
        rv = func()
        if rv is not None:
            return rv, i
    return None, i


def _after(
    app: Flask, blueprint: str | None, response: Response | None
) -> t.Generator[Call, t.Any, Response | None]:
    hooks = app._hooks("after_websocket", blueprint)
    i = 0
    while i < len(hooks):
        func = hooks[i]
        if iscoroutinefunction(func):
            response = yield Call(func, (response,))
            i += 1
        else:
            response, i = yield Call(_sync_after, (hooks, i, response))
    return response


def _sync_after(
    hooks: tuple[t.Any, ...], i: int, response: Response | None
) -> tuple[Response | None, int]:
    while i < len(hooks):
        func = hooks[i]
        if iscoroutinefunction(func):
            break
        i += 1
        response = func(response)
    return response, i


def _url_values(app: Flask, ws: Websocket) -> None:
    for func in app._hooks("url_value", ws.blueprint):
        func(ws.endpoint, ws.view_args)


def _send_signal(app: Flask, signal: t.Any, response: t.Any = None) -> None:
    if signal is websocket_finished:
        signal.send(app, _async_wrapper=app.ensure_sync, response=response)
    else:
        signal.send(app, _async_wrapper=app.ensure_sync)


def _handle_user_error(app: Flask, ctx: AppContext, e: Exception) -> t.Any:
    """The error handlers' value for ``e`` (re-raised if none handles it);
    raised here first, as the handling methods re-raise the current one."""
    try:
        raise e
    except Exception:
        if "handle_user_exception" in app._legacy_hooks:
            return app.handle_user_exception(e)  # type: ignore[arg-type]
        return app.handle_user_exception(ctx, e)


def _handle_ws_error(app: Flask, ctx: AppContext, e: Exception) -> Response | None:
    try:
        raise e
    except Exception:
        return app.handle_websocket_exception(ctx, e)


def run_sync_call(app: Flask, call: Call) -> t.Any:
    """Run ``call`` in this thread, as the WSGI door does: a coroutine
    function on this thread's event loop (through ``ensure_sync``)."""
    return app.ensure_sync(call.func)(*call.args, **call.kwargs)


def drive_sync(app: Flask, pipeline: Steps) -> Ending:
    """Run the pipeline in this thread (the WSGI door). An error that
    propagates (``PROPAGATE_EXCEPTIONS``) is raised from here."""
    value: t.Any = None
    error: BaseException | None = None
    while True:
        try:
            if error is None:
                call = pipeline.send(value)
            else:
                call = pipeline.throw(error)
        except StopIteration as stop:
            return t.cast(Ending, stop.value)
        try:
            value = run_sync_call(app, call)
            error = None
        except Exception as e:
            value, error = None, e
