"""The app's WebSocket methods, a base of :class:`~flask.Flask`.

Kept apart from the pipeline (:mod:`flask._websocket_app`) and the websocket
object (:mod:`flask._websocket`), which load when an app first handles a
WebSocket: an app that serves none does not import them.
"""

from __future__ import annotations

import sys
import typing as t

from werkzeug.exceptions import InternalServerError

from . import _signal_slots as _slots
from ._lazy import LazyClassAttribute
from ._teardown import run_each
from ._teardown import send_each
from ._teardown import teardown_error
from .helpers import _propagates

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ._websocket import Websocket
    from ._websocket import WebsocketContext
    from .app import Flask
    from .ctx import AppContext
    from .wrappers import Response


class WebsocketMixin:
    """The app's WebSocket methods (a base of :class:`~flask.Flask`)."""

    #: The class of :data:`~flask.websocket` (like ``request_class``).
    websocket_class: type[Websocket] = LazyClassAttribute("._websocket:Websocket")  # type: ignore[assignment]

    def websocket_context(self, environ: WSGIEnvironment) -> AppContext:
        """A context for the WebSocket handshake described by ``environ``
        (a :class:`~flask.ctx.AppContext` carrying the websocket)."""
        from ._websocket import WebsocketContext

        app = t.cast("Flask", self)
        ws = self.websocket_class(environ)
        ws.json_module = app.json
        return WebsocketContext(app, request=ws)

    def handle_websocket_exception(
        self, ctx: AppContext, e: Exception
    ) -> Response | None:
        """Handle an exception no error handler handled, raised by a
        WebSocket handler or hook: send
        :data:`~flask.signals.got_websocket_exception`, propagate it in
        debug/testing mode (``PROPAGATE_EXCEPTIONS``), else log it like a
        view error. Returns the response rejecting the handshake (the 500
        error handler's) if the connection was not accepted; an accepted
        one is closed with 1011."""
        app = t.cast("Flask", self)
        exc_info = sys.exc_info()
        if _slots.got_websocket_exception.receivers:
            _slots.got_websocket_exception.send(
                app, _async_wrapper=app.ensure_sync, exception=e
            )
        if _propagates(app):
            if exc_info[1] is e:
                raise
            raise e
        if "log_exception" in app._legacy_hooks:
            app.log_exception(exc_info)  # type: ignore[arg-type]
        else:
            app.log_exception(ctx, exc_info)
        ws = t.cast("WebsocketContext", ctx)._websocket
        if ws.accepted:
            return None
        server_error: t.Any = InternalServerError(original_exception=e)
        handler = app._find_error_handler(server_error, ws.blueprints)
        if handler is not None:
            server_error = app.ensure_sync(handler)(server_error)
        return app.make_response(server_error)

    def do_teardown_websocket(self, ctx: AppContext, exc: BaseException | None) -> None:
        """Run the ``teardown_websocket`` functions (innermost blueprint
        first), then the ``websocket_tearing_down`` receivers; all run even
        if some raise, and their errors are raised together afterwards."""
        app = t.cast("Flask", self)
        req = ctx._request
        errors: list[Exception] = []
        funcs = app._hooks("teardown_websocket", req.blueprint if req else None)
        if funcs:
            run_each(app, funcs, exc, errors)
        if _slots.websocket_tearing_down.receivers:
            send_each(_slots.websocket_tearing_down, app, errors, exc=exc)
        if errors:
            raise teardown_error("WebSocket teardown", errors)
