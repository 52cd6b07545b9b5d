"""The environment of the compatibility tests: real Flask extensions, kept apart.

The extensions and their dependencies (``requirements/compat.txt``, a pinned
lock) are installed with ``pip install --target --no-deps`` into a directory
of their own, ``.compat-env/py<X.Y>/site`` in the checkout (or under
``$FLASK_COMPAT_ENV``), never into the environment running the tests. This
conftest appends that directory to ``sys.path`` for the test run only, so
the developer's ``.venv`` stays as ``requirements/tests.txt`` made it, and
its packages win over any duplicate. ``--no-deps`` matters too: every
extension declares a dependency on ``flask``, and a normal install would
pull Flask from the package index next to (or over) this checkout.

Installing happens once per Python version and lock, under a file lock so
parallel runs don't race, into a temporary directory renamed into place when
complete. Editing the lock files triggers a reinstall; deleting
``.compat-env/`` removes everything.

Set ``COMPAT_ORACLE=1`` to run this suite against another Flask installed in
the running environment (the real one, to tell a bug of ours from a bug of
the extension): the origin of ``flask`` is then not checked.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import types
import warnings
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
REQUIREMENTS = CHECKOUT / "requirements"
LOCK = REQUIREMENTS / "compat.txt"
PLUGINS = REQUIREMENTS / "compat-plugins.txt"
#: one environment per Python version: the lock has per-version markers and
#: some dependencies are compiled (SQLAlchemy, msgspec, PyYAML)
ENV_DIR = Path(os.environ.get("FLASK_COMPAT_ENV") or CHECKOUT / ".compat-env") / (
    "py{}.{}".format(*sys.version_info[:2])
)
#: the extensions and their dependencies, appended to ``sys.path``
SITE = ENV_DIR / "site"
#: pytest plugins are kept off ``sys.path``: pytest-flask would load itself
#: into every pytest run that can import it and push a request context
#: around every test that uses an ``app`` fixture.
PLUGIN_DIR = ENV_DIR / "plugins"
STAMP = ENV_DIR / "installed-from.sha256"
ORACLE = os.environ.get("COMPAT_ORACLE") == "1"
#: the version of this checkout (pyproject.toml)
VERSION = "3.2.0.dev0"
PIP_TIMEOUT = 600

#: import name of each extension in requirements/compat.in
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
    # monitoring libraries, for tests/asgi/test_observability.py
    "sentry_sdk",
    "opentelemetry.instrumentation.flask",
    "opentelemetry.instrumentation.asgi",
    "prometheus_flask_exporter",
)

#: why installing failed (shown in the skip reasons), by part
install_errors: dict[str, str] = {}


def _locks_digest() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, PLUGINS):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _pip_target(target: Path, requirements: Path) -> str | None:
    """Install a lock into ``target`` with --no-deps; None, or an error text."""
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    cmd += [
        "--no-compile",
        "--target",
        os.fspath(target),
        "-r",
        os.fspath(requirements),
    ]
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
    """An exclusive lock on a file next to the environment (no-op without fcntl)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the flock


def _is_current(digest: str) -> bool:
    try:
        return STAMP.read_text().strip() == digest
    except OSError:
        return False


def _install(digest: str) -> None:
    """(Re)build the environment from the locks; record errors on failure."""
    shutil.rmtree(ENV_DIR, ignore_errors=True)
    ENV_DIR.mkdir(parents=True)
    for part, lock, final in (
        ("extensions", LOCK, SITE),
        ("plugins", PLUGINS, PLUGIN_DIR),
    ):
        partial = final.with_name(final.name + ".partial")
        err = _pip_target(partial, lock)
        if err:
            install_errors[part] = err
            shutil.rmtree(partial, ignore_errors=True)
            return
        partial.rename(final)
    STAMP.write_text(digest + "\n")


def ensure_installed() -> None:
    """Build the environment if missing or stale, then put SITE on sys.path."""
    digest = _locks_digest()
    if not _is_current(digest):
        with _Lock(ENV_DIR.with_name(ENV_DIR.name + ".lock")):
            # Another run may have built it while we waited for the lock.
            if not _is_current(digest):
                _install(digest)
    if SITE.is_dir() and os.fspath(SITE) not in sys.path:
        sys.path.append(os.fspath(SITE))
    importlib.invalidate_caches()


def pythonpath(*first: Path) -> str:
    """``PYTHONPATH`` for a subprocess that needs the extensions too."""
    parts = [*map(os.fspath, first), os.fspath(SITE)]
    parts += filter(None, [os.environ.get("PYTHONPATH")])
    return os.pathsep.join(parts)


def foreign_flask() -> list[str]:
    """Describe every way ``flask`` is not this checkout's; empty when it is.

    This checkout may be installed in editable mode by pip (a directory
    install) or by tox (an editable wheel): either way the distribution
    ships no copy of the package, only a path to ``src``. A distribution
    that ships ``flask/__init__.py`` came from elsewhere, such as the
    package index, pulled in as some extension's dependency.
    """
    import flask

    problems = []
    here = Path(flask.__file__).resolve().parent
    if here != CHECKOUT / "src" / "flask":
        problems.append(f"'import flask' gives {here}, not {CHECKOUT}/src/flask")
    dists = [
        dist
        for dist in importlib.metadata.distributions()
        if (dist.metadata["Name"] or "").lower() == "flask"
    ]
    for dist in dists:
        copies = [f for f in dist.files or () if f.as_posix() == "flask/__init__.py"]
        if copies or dist.version != VERSION:
            info = json.loads(dist.read_text("direct_url.json") or "{}")
            problems.append(
                f"another flask distribution is installed: {dist.version} at"
                f" {dist.locate_file('')} ({info or 'not from this checkout'})"
            )
    if len(dists) > 1:
        problems.append(f"{len(dists)} flask distributions are installed")
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
