"""Set up the extensions' own environment and check ``flask`` is ours.

The environment (see ``compat_support``) is built if needed and put on
``sys.path`` when this file is imported, before the test modules of this
folder are collected, so they can import the extensions at the top. A test
module whose extension could not be installed (no network) skips.
"""

from __future__ import annotations

import pytest
from compat_support import ensure_installed
from compat_support import foreign_flask
from compat_support import ORACLE

ensure_installed()


@pytest.fixture(scope="session", autouse=True)
def _flask_is_this_checkout() -> None:
    """Fail loudly if installing an extension brought in another Flask."""
    if ORACLE:
        return
    problems = foreign_flask()
    assert not problems, "\n".join(problems)
