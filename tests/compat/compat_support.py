"""Installing the real Flask extensions next to this checkout's ``flask``.

The extensions declare ``flask`` as a dependency, so a normal ``pip install``
could replace this checkout's editable install with Flask from the package
index. They are installed with ``--no-deps`` instead (their own dependencies
come from ``requirements/compat.txt``), once, under a lock so parallel test
runs don't race, and afterwards we check that ``flask`` is still ours.

Set ``COMPAT_ORACLE=1`` to run this suite against another Flask (the real one,
to tell a bug of ours from a bug of the extension): the extensions are then
expected to be installed already and the origin of ``flask`` is not checked.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import types
import typing as t
import warnings
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlparse

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
REQUIREMENTS = CHECKOUT / "requirements"
NODEPS = REQUIREMENTS / "compat-nodeps.txt"
PLUGINS = REQUIREMENTS / "compat-plugins.txt"
#: pytest plugins are kept off ``sys.path``: an installed pytest-flask would
#: load itself into every pytest run of the venv and push a request context
#: around every test that uses an ``app`` fixture.
PLUGIN_DIR = Path(sys.prefix) / "compat-pytest-plugins"
ORACLE = os.environ.get("COMPAT_ORACLE") == "1"
PIP_TIMEOUT = 600

#: import name of each extension in compat-nodeps.txt
EXTENSIONS = (
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_login",
    "flask_wtf",
    "flask_cors",
    "flask_caching",
    "flask_limiter",
    "flask_jwt_extended",
    "flask_babel",
    "flask_mail",
    "flask_restful",
    "flask_socketio",
    "flask_principal",
    "flask_apscheduler",
    "flask_flatpages",
    "flask_session",
    "flask_restx",
    "flask_smorest",
)

#: why an install failed (shown in the skip reason), by requirements file
install_errors: dict[str, str] = {}


def _missing(names: t.Iterable[str], path: Path | None = None) -> list[str]:
    search = None if path is None else [os.fspath(path)]
    rv = []
    for name in names:
        if search is None:
            found = importlib.util.find_spec(name) is not None
        else:
            found = any((Path(p) / name).exists() for p in search)
        if not found:
            rv.append(name)
    return rv


def _pip(*args: str) -> str | None:
    """Run pip in this interpreter; return an error text, or None if it worked."""
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", *args]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return f"'{' '.join(cmd)}' timed out after {PIP_TIMEOUT}s"
    except OSError as e:
        return f"could not run pip: {e}"
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return f"pip exited with {proc.returncode}: {' '.join(tail)}"
    return None


class _Lock:
    """An exclusive lock on a file next to the venv (no-op without fcntl)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:
            return
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the flock


def ensure_installed() -> None:
    """Install missing extensions with --no-deps, once, under a lock."""
    need_ext = not ORACLE and bool(_missing(EXTENSIONS))
    if not need_ext and not _missing(["pytest_flask"], PLUGIN_DIR):
        return
    with _Lock(Path(sys.prefix) / ".compat-install.lock"):
        # Another run may have installed them while we waited for the lock.
        if need_ext and _missing(EXTENSIONS):
            err = _pip("-r", os.fspath(NODEPS))
            if err:
                install_errors["extensions"] = err
        if _missing(["pytest_flask"], PLUGIN_DIR):
            err = _pip("--target", os.fspath(PLUGIN_DIR), "-r", os.fspath(PLUGINS))
            if err:
                install_errors["plugins"] = err
    importlib.invalidate_caches()


def foreign_flask() -> list[str]:
    """Describe every way ``flask`` is not this checkout's; empty when it is."""
    import flask

    problems = []
    here = Path(flask.__file__).resolve().parent
    if here != CHECKOUT / "src" / "flask":
        problems.append(f"'import flask' gives {here}, not {CHECKOUT}/src/flask")
    for dist in importlib.metadata.distributions():
        if (dist.metadata["Name"] or "").lower() != "flask":
            continue
        info = json.loads(dist.read_text("direct_url.json") or "{}")
        url = urlparse(info.get("url", ""))
        editable = info.get("dir_info", {}).get("editable", False)
        where = Path(unquote(url.path)).resolve() if url.scheme == "file" else None
        if not editable or where != CHECKOUT:
            problems.append(
                f"another flask distribution is installed: {dist.version} at"
                f" {dist.locate_file('')} ({info or 'not from this checkout'})"
            )
    return problems


def require(name: str) -> types.ModuleType:
    """Import an extension, or skip the calling module if it is not installed.

    Only a missing extension skips: an ImportError raised inside it (say, a
    name our ``flask`` lacks) is a failure. DeprecationWarnings raised while
    the extension imports are ignored (collection runs under
    ``filterwarnings = error``); the ones our own package raises are listed
    in the report of issue 8.
    """
    if importlib.util.find_spec(name) is None:
        reason = install_errors.get("extensions", "not installed")
        pytest.skip(
            f"{name} is not installed and could not be installed: {reason}",
            allow_module_level=True,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(name)
