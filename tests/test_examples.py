"""Run the example projects' own test suites, and build the docs.

Each example under ``examples/`` is a separate project with its own
``conftest.py`` and pytest settings, so its suite runs in a subprocess with
the example folder as the working directory. ``PYTHONPATH`` puts this
checkout's ``src`` and the example's source first, so the suites test this
``flask`` and the example code in the tree, installed or not.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
import types
import typing as t
import warnings
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"

# example folder -> the module or package it provides
PROJECTS = {
    "tutorial": "flaskr",
    "hello": "hello",
    "javascript": "js_example",
    "websocket": "ws_example",
}


# Modules whose public names the API reference must all document.
API_MODULES = [
    "flask",
    "flask.blueprints",
    "flask.cli",
    "flask.config",
    "flask.ctx",
    "flask.json",
    "flask.json.tag",
    "flask.logging",
    "flask.sessions",
    "flask.signals",
    "flask.testing",
    "flask.typing",
    "flask.views",
]


def _env(example_dir: Path) -> dict[str, str]:
    """The parent's environment with the source paths first on PYTHONPATH.

    ``FLASK_*`` variables are dropped, like the root conftest does, and
    plugin autoloading is off so that a pytest plugin installed in the
    environment (pytest-flask, say) cannot change how the suites run.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    paths = [str(ROOT / "src"), str(example_dir)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["FLASK_SKIP_DOTENV"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _run(
    args: list[str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=_env(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("example", sorted(PROJECTS))
def test_example_imports_from_tree(example: str) -> None:
    """The example and flask both come from this checkout, not site-packages."""
    example_dir = EXAMPLES / example
    code = (
        f"import flask, {PROJECTS[example]} as m;"
        " print(flask.__file__); print(m.__file__)"
    )
    result = _run([sys.executable, "-c", code], example_dir, timeout=60)
    assert result.returncode == 0, result.stderr
    flask_file, module_file = result.stdout.split()
    assert Path(flask_file).is_relative_to(ROOT / "src" / "flask")
    assert Path(module_file).is_relative_to(example_dir)


@pytest.mark.parametrize("example", sorted(PROJECTS))
def test_example_suite_passes(example: str) -> None:
    example_dir = EXAMPLES / example
    result = _run(
        [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"],
        example_dir,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"(\d+) passed", output)
    assert summary is not None, output
    assert int(summary.group(1)) > 0
    assert " failed" not in output
    assert " error" not in output


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    """``sphinx-build -n -W`` succeeds: every page and docstring is valid
    and every cross-reference resolves (offline, through the inventories in
    ``docs/_inventories``)."""
    pytest.importorskip("sphinx")
    result = _run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-E",
            "-n",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "html" / "index.html").is_file()
    api = (tmp_path / "html" / "api.html").read_text("utf8")
    # autodoc really ran: documented objects carry their anchors.
    for anchor in ("flask.Flask", "flask.Blueprint", "flask.cli.FlaskGroup"):
        assert f'id="{anchor}"' in api
    # Request and Response list the members they inherit from Werkzeug.
    inherited = ["form", "files", "json", "cookies", "headers", "method", "values"]
    for name in inherited + ["args", "get_json", "get_data", "remote_addr"]:
        assert f'id="flask.Request.{name}"' in api, name
    for name in ["set_cookie", "delete_cookie", "status", "status_code", "headers"]:
        assert f'id="flask.Response.{name}"' in api, name
    # References to other projects resolve to their online docs (offline,
    # through docs/_inventories), not to nothing.
    assert 'href="https://werkzeug.palletsprojects.com/en/stable/' in api
    assert 'href="https://docs.python.org/3/library/' in api
    assert _undocumented(tmp_path / "html" / "objects.inv") == []


def _inventory(path: Path) -> set[str]:
    """The object names in a Sphinx ``objects.inv`` (version 2 format)."""
    data = path.read_bytes()
    # Four plain text header lines, then a zlib stream of "name role ..." lines.
    body = zlib.decompress(data.split(b"\n", 4)[4]).decode("utf8")
    return {line.split(" ", 1)[0] for line in body.splitlines() if line}


def _undocumented(inventory: Path) -> list[str]:
    """Public names of :data:`API_MODULES` that the built docs do not describe.

    A name counts as documented under its import path, under ``flask.<name>``
    or under the module that defines it (``flask.signals`` for the signals
    ``flask`` re-exports). Submodules, type variables, ``__future__`` flags
    and names imported from other packages are not part of the API.
    """
    documented = _inventory(inventory)
    missing = []
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [
            n for n in dir(module) if not n.startswith("_")
        ]
        for name in names:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                obj = getattr(module, name)
            if isinstance(obj, types.ModuleType | t.TypeVar) or name == "annotations":
                continue
            # Only classes and functions say where they are defined; other
            # objects (signals, proxies) would report their class's module.
            home, qualname = None, name
            if isinstance(obj, type) or inspect.isroutine(obj):
                home = getattr(obj, "__module__", None) or ""
                qualname = getattr(obj, "__qualname__", name)
                if not home.startswith("flask"):
                    continue
            candidates = {
                f"{module_name}.{name}",
                f"flask.{name}",
                f"flask.signals.{name}",
                f"{home}.{qualname}",
            }
            if not candidates & documented:
                missing.append(f"{module_name}.{name}")
    return missing
