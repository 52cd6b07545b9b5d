"""A cached virtual environment with real Flask from the package index.

The differential suite runs its app on this checkout and on real Flask, each
in its own process. Real Flask is installed into a virtual environment of its
own under ``<checkout>/.cache/differential/`` (git-ignored), never into the
test environment or the system Python. Its dependencies are pinned to the
versions of the test environment, so that any difference comes from Flask and
not from werkzeug, Jinja or itsdangerous. The environment is built once, under
a file lock, and reused while its pins stay the same.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

FLASK_VERSION = "3.1.3"
CHECKOUT = Path(__file__).resolve().parents[2]
CACHE = CHECKOUT / ".cache" / "differential"
#: distributions whose versions the oracle shares with the test environment
SHARED = ("werkzeug", "jinja2", "itsdangerous", "markupsafe", "blinker", "click")
#: optional: pinned when installed here, for ``async`` views
OPTIONAL = ("asgiref",)
INDEX_HOST = "pypi.org"


class OracleUnavailable(Exception):
    """The package index cannot be reached: the suite is skipped."""


def pins() -> list[str]:
    """Requirement lines: Flask itself and this environment's dependencies."""
    rv = [f"flask=={FLASK_VERSION}"]
    for name in SHARED:
        rv.append(f"{name}=={importlib.metadata.version(name)}")
    for name in OPTIONAL:
        try:
            rv.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return rv


def _index_reachable() -> bool:
    try:
        with socket.create_connection((INDEX_HOST, 443), timeout=10):
            return True
    except OSError:
        return False


def _python(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def ensure_oracle() -> Path:
    """Return the Python of the oracle environment, building it if needed.

    Raises :class:`OracleUnavailable` when it is not built yet, the install
    fails and the package index cannot be reached.
    """
    requirements = pins()
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]
    env_dir = CACHE / f"flask-{FLASK_VERSION}-{tag}-{digest}"
    marker = env_dir / "installed.txt"
    wanted = "\n".join(requirements) + "\n"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text() == wanted:
            return _python(env_dir)
        shutil.rmtree(env_dir, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        cmd = [
            os.fspath(_python(env_dir)),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *requirements,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode:
            shutil.rmtree(env_dir, ignore_errors=True)
            # pip may also find packages in a local mirror or wheel folder:
            # only a failure while the index is unreachable is a skip
            if not _index_reachable():
                last = (proc.stderr.strip().splitlines() or [""])[-1]
                raise OracleUnavailable(
                    f"cannot reach {INDEX_HOST} to install"
                    f" flask=={FLASK_VERSION} ({last})"
                )
            raise RuntimeError(
                f"installing the oracle failed:\n{proc.stdout}\n{proc.stderr}"
            )
        marker.write_text(wanted)
    return _python(env_dir)
