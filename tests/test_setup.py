"""The suite runs against this checkout's package, not an installed Flask."""

from __future__ import annotations

import importlib.metadata
import os

import flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_flask_is_imported_from_this_checkout() -> None:
    expected = os.path.join(ROOT, "src", "flask")
    assert os.path.dirname(os.path.abspath(flask.__file__)) == expected


def test_distribution_metadata() -> None:
    assert importlib.metadata.version("flask") == "3.2.0.dev0"
    dist = importlib.metadata.distribution("flask")
    scripts = {
        ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"
    }
    assert scripts["flask"] == "flask.cli:main"


def test_py_typed_is_shipped() -> None:
    assert os.path.isfile(os.path.join(ROOT, "src", "flask", "py.typed"))
