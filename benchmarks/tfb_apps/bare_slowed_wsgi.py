"""The bare WSGI app plus a busy loop: a control for the threaded servers.

Each request first spends ``TFB_EXTRA_US`` microseconds (default 5, about
what this package adds to the bare app's JSON request in process) in a
plain Python loop, holding the GIL, and then does what the bare app does.
Nothing else differs, so on a server where this app's share of the bare
app's throughput falls as far as this package's, the drop is the server
amplifying time spent in Python, not something a framework does.
"""

from __future__ import annotations

import os
import time
import typing as t

import tfb

#: Microseconds of pure Python each request spends before answering.
EXTRA_US = float(os.environ.get("TFB_EXTRA_US", "5"))


def loop_iterations(
    extra_us: float, clock: t.Callable[[], float] = time.perf_counter
) -> int:
    """How many iterations of an empty ``for`` loop take ``extra_us``
    microseconds here, timing a million of them with ``clock`` (the best
    of three runs)."""
    sample = 1_000_000
    best = float("inf")
    for _ in range(3):
        started = clock()
        for _ in range(sample):
            pass
        best = min(best, clock() - started)
    per_us = sample / max(best * 1e6, 1e-9)
    return max(0, round(extra_us * per_us))


def make_slowed_app(
    inner: t.Callable[[dict[str, t.Any], t.Any], list[bytes]], iterations: int
) -> t.Callable[[dict[str, t.Any], t.Any], list[bytes]]:
    """``inner`` with ``iterations`` empty loop iterations before each call."""

    def app(environ: dict[str, t.Any], start: t.Any) -> list[bytes]:
        for _ in range(iterations):
            pass
        return inner(environ, start)

    return app


ITERATIONS = loop_iterations(EXTRA_US)
app = make_slowed_app(
    tfb.make_bare_app(tfb.Database(os.environ.get("TFB_DB"))), ITERATIONS
)
