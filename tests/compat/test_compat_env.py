"""The extensions live in their own environment, not in the one running pytest."""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

import pytest
from compat_support import EXTENSIONS
from compat_support import ORACLE
from compat_support import PLUGIN_DIR
from compat_support import SITE

pytestmark = pytest.mark.skipif(
    not SITE.is_dir(), reason="the compat environment could not be installed"
)


@pytest.mark.skipif(ORACLE, reason="an oracle run brings its own extensions")
@pytest.mark.parametrize("name", EXTENSIONS)
def test_extension_is_imported_from_the_compat_env(name: str) -> None:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).is_relative_to(SITE), (
        f"{name} comes from {spec.origin}, not {SITE}: it is installed in the"
        f" environment running the tests; remove it with pip uninstall"
    )


def test_compat_env_is_appended_after_site_packages() -> None:
    # The running environment's packages win over any duplicate.
    site_packages = sysconfig.get_paths()["purelib"]
    assert str(SITE) in sys.path
    assert sys.path.index(site_packages) < sys.path.index(str(SITE))


def test_pytest_plugins_are_off_sys_path() -> None:
    assert (PLUGIN_DIR / "pytest_flask").is_dir()
    assert str(PLUGIN_DIR) not in sys.path
    assert importlib.util.find_spec("pytest_flask") is None


def test_no_flask_in_the_compat_env() -> None:
    # Installed with --no-deps, and compile.sh keeps flask out of the lock.
    assert not (SITE / "flask").exists()
    assert not list(SITE.glob("flask-*.dist-info"))
    assert not list(SITE.glob("Flask-*.dist-info"))
