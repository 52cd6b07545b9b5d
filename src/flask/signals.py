"""Blinker signals sent by Flask during the request and context lifecycle.

Signals are only sent when a receiver is connected (``signal.receivers`` is
checked first), so an app that does not use them pays nothing.
"""

from __future__ import annotations

from blinker import NamedSignal
from blinker import Namespace

from . import _signal_slots as _slots

__all__ = [
    "Namespace",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_background_exception",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
    "got_websocket_exception",
    "websocket_finished",
    "websocket_started",
    "websocket_tearing_down",
]

_signals = Namespace()

template_rendered: NamedSignal = _signals.signal("template-rendered")
before_render_template: NamedSignal = _signals.signal("before-render-template")
request_started: NamedSignal = _signals.signal("request-started")
request_finished: NamedSignal = _signals.signal("request-finished")
request_tearing_down: NamedSignal = _signals.signal("request-tearing-down")
got_request_exception: NamedSignal = _signals.signal("got-request-exception")
appcontext_tearing_down: NamedSignal = _signals.signal("appcontext-tearing-down")
appcontext_pushed: NamedSignal = _signals.signal("appcontext-pushed")
appcontext_popped: NamedSignal = _signals.signal("appcontext-popped")
message_flashed: NamedSignal = _signals.signal("message-flashed")
#: Sent when a background task (:meth:`~flask.Flask.add_background_task`)
#: raises, with the error as ``exception``.
got_background_exception: NamedSignal = _signals.signal("got-background-exception")
#: Sent when a WebSocket connection starts, before its ``before_websocket``
#: functions run (:data:`~flask.websocket` is available).
websocket_started: NamedSignal = _signals.signal("websocket-started")
#: Sent when a WebSocket handler has returned and the ``after_websocket``
#: functions ran, with ``response`` (the rejection response, or ``None``).
websocket_finished: NamedSignal = _signals.signal("websocket-finished")
#: Sent when a WebSocket connection's context is torn down, with ``exc``.
websocket_tearing_down: NamedSignal = _signals.signal("websocket-tearing-down")
#: Sent when a WebSocket handler or hook raises an unhandled exception, with
#: ``exception``.
got_websocket_exception: NamedSignal = _signals.signal("got-websocket-exception")

# The request path reads these through flask._signal_slots from now on.
_slots.fill(globals())
