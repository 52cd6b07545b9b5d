"""The signals the request path checks, readable before blinker is loaded.

:mod:`flask.signals` (and with it blinker) loads when an app first uses a
signal: importing that module, or reading a signal's name from ``flask``.
No receiver can be connected before then, so the modules loaded with
``flask`` read the signals they check here, as ``slots.request_started``:
until :mod:`flask.signals` loads, each is :data:`UNLOADED`, which has no
receivers; when it loads, it puts its signals here (see :func:`fill`).
Every use checks ``receivers`` (or :meth:`~_Unloaded.has_receivers_for`)
before sending, so the stand-in is never sent.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from blinker import NamedSignal


class _Unloaded:
    """A signal nobody can have connected to yet."""

    def __init__(self) -> None:
        # An instance attribute and a plain dict, as blinker's signals
        # have: the request path reads it as fast as theirs. Empty, so
        # ``if signal.receivers:`` is false; nothing adds to it.
        self.receivers: dict[t.Any, t.Any] = {}

    def has_receivers_for(self, sender: t.Any) -> bool:
        return False

    def __repr__(self) -> str:
        return "<signal not loaded yet>"


#: The stand-in for every signal below until :mod:`flask.signals` loads.
UNLOADED: t.Final = t.cast("NamedSignal", _Unloaded())

appcontext_pushed: NamedSignal = UNLOADED
appcontext_popped: NamedSignal = UNLOADED
appcontext_tearing_down: NamedSignal = UNLOADED
request_started: NamedSignal = UNLOADED
request_finished: NamedSignal = UNLOADED
request_tearing_down: NamedSignal = UNLOADED
got_request_exception: NamedSignal = UNLOADED
got_websocket_exception: NamedSignal = UNLOADED
websocket_tearing_down: NamedSignal = UNLOADED

#: The names above (every one bound to the stand-in), each filled from
#: :mod:`flask.signals`.
NAMES = tuple(
    name
    for name, value in globals().items()
    if value is UNLOADED and name != "UNLOADED"
)


def fill(signals: t.Mapping[str, NamedSignal]) -> None:
    """Put the real signals in place of the stand-ins (called once, by
    :mod:`flask.signals` as it loads)."""
    module = globals()
    for name in NAMES:
        module[name] = signals[name]
