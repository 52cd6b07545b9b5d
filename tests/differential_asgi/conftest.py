"""Options of the WSGI-vs-ASGI differential: ``--asgi-diff-seed`` and
``--asgi-diff-count``.

CI runs a fixed seed and a few thousand requests; pass other values for a
longer local run, e.g. ``pytest tests/differential_asgi --asgi-diff-seed 7
--asgi-diff-count 20000``. pytest reads these options only when this folder
(or a file in it) is named on the command line; a plain ``pytest`` run uses
the defaults. The modules of ``tests/differential`` (the app and the
request generator) are importable from here.
"""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "differential"))
sys.path.insert(0, HERE)

from wire_options import DEFAULT_COUNT  # noqa: E402
from wire_options import DEFAULT_SEED  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asgi-differential", "WSGI-vs-ASGI differential")
    group.addoption(
        "--asgi-diff-seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the random requests (default {DEFAULT_SEED})",
    )
    group.addoption(
        "--asgi-diff-count",
        type=int,
        default=DEFAULT_COUNT,
        help=f"number of random requests (default {DEFAULT_COUNT})",
    )
