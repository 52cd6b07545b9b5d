"""Options of the differential suite: ``--diff-seed`` and ``--diff-count``.

CI runs a fixed seed and a few thousand requests; pass other values for a
longer local run, e.g. ``pytest tests/differential --diff-seed 7
--diff-count 50000``. pytest reads these options only when this folder (or
a file in it) is named on the command line; a plain ``pytest`` run uses the
defaults.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from diff_options import DEFAULT_COUNT  # noqa: E402
from diff_options import DEFAULT_SEED  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("differential", "differential tests against real Flask")
    group.addoption(
        "--diff-seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the random requests (default {DEFAULT_SEED})",
    )
    group.addoption(
        "--diff-count",
        type=int,
        default=DEFAULT_COUNT,
        help=f"number of random requests (default {DEFAULT_COUNT})",
    )
