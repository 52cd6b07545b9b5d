"""Flask-SocketIO's own test suite, run against this package.

The suite (``test_socketio.py``) ships in Flask-SocketIO's source
distribution, not in its wheel: the release pinned in
``requirements/compat.txt`` is downloaded once with pip into the
compatibility environment (``.compat-env/<python>/sources/``) and its test
module runs unmodified, in a pytest process of its own, with the extension
from the compatibility environment and ``flask`` from this checkout.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest
from compat_support import _Lock
from compat_support import ENV_DIR
from compat_support import pythonpath
from compat_support import require

require("flask_socketio")

SRC = Path(__file__).resolve().parents[2] / "src"
SOURCES = ENV_DIR / "sources"
TIMEOUT = 300


def _download(name: str, version: str, into: Path) -> Path:
    """``pip download`` the sdist of ``name==version``; its path."""
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
    cmd += ["--no-binary", ":all:", "-d", os.fspath(into), f"{name}=={version}"]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    found = sorted(into.glob("*.tar.gz"))
    if proc.returncode or not found:
        tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        pytest.skip(f"could not download the {name} {version} sdist: {tail}")
    return found[0]


def suite_file(name: str, member: str) -> Path:
    """``member`` of the sdist of the installed ``name``, extracted once."""
    version = importlib.metadata.version(name)
    target = SOURCES / f"{name}-{version}" / os.path.basename(member)
    if target.is_file():
        return target
    with _Lock(SOURCES.with_name("sources.lock")):
        if target.is_file():
            return target
        with tempfile.TemporaryDirectory() as tmp:
            sdist = _download(name, version, Path(tmp))
            with tarfile.open(sdist) as archive:
                names = [n for n in archive.getnames() if n.endswith("/" + member)]
                assert names, f"{member} is not in {sdist.name}"
                data = archive.extractfile(names[0])
                assert data is not None
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".partial")
                partial.write_bytes(data.read())
                partial.rename(target)
    return target


def test_flask_socketio_own_suite() -> None:
    test_file = suite_file("flask-socketio", "test_socketio.py")
    env = dict(os.environ)
    env["PYTHONPATH"] = pythonpath(SRC)
    where = subprocess.run(
        [sys.executable, "-c", "import flask; print(flask.__file__)"],
        cwd=test_file.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert where.stdout.strip() == os.fspath(SRC / "flask" / "__init__.py")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    cmd += ["-p", "no:logging", test_file.name]
    proc = subprocess.run(
        cmd,
        cwd=test_file.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    summary = re.search(r"(\d+) passed", output)
    assert summary is not None and int(summary.group(1)) >= 40, output
    assert "failed" not in output.splitlines()[-1], output
