"""The quick loop and the parallel run are what docs/contributing.rst says.

``pytest -m "not slow"`` leaves out exactly the tests listed as slow in
``tests/conftest.py`` (each entry still names tests, so the list does not
rot), and the whole run (README, CI, tox) runs everything in parallel.
"""

from __future__ import annotations

import configparser
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The root conftest's lists (its module name "conftest" is shared with the
# other folders' conftests, so it is loaded here under a name of its own).
_spec = importlib.util.spec_from_file_location(
    "_root_conftest", ROOT / "tests" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
SLOW_PATHS: tuple[str, ...] = _conftest.SLOW_PATHS
XDIST_GROUPS: dict[str, str] = _conftest.XDIST_GROUPS
TIMING_TESTS: tuple[str, ...] = _conftest.TIMING_TESTS


#: Collects the suite in a fresh process and prints each test's id, with
#: "slow" after the ids of tests marked slow.
_COLLECT = """
import sys, pytest

class Report:
    def pytest_collection_finish(self, session):
        for item in session.items:
            slow = " slow" if item.get_closest_marker("slow") else ""
            print("TEST " + item.nodeid + slow)

sys.exit(pytest.main(
    ["--collect-only", "-q", "-p", "no:xdist", "-p", "no:cacheprovider"],
    plugins=[Report()],
))
"""


@pytest.fixture(scope="module")
def collected() -> dict[str, bool]:
    """Every test id of the suite, and whether it is marked slow."""
    proc = subprocess.run(
        [sys.executable, "-c", _COLLECT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [line[5:] for line in proc.stdout.splitlines() if line.startswith("TEST ")]
    return {line.removesuffix(" slow"): line.endswith(" slow") for line in lines}


def test_slow_marks_exactly_the_listed_tests(collected: dict[str, bool]) -> None:
    listed = tuple(f"tests/{entry}" for entry in SLOW_PATHS)
    for node, slow in collected.items():
        assert slow == node.startswith(listed), node
    for entry in listed:
        assert any(node.startswith(entry) for node in collected), f"{entry}: no test"
    # most of the suite stays in the quick loop, the framework's own tests
    quick = [node for node, slow in collected.items() if not slow]
    assert len(quick) > 1500
    for area in ("tests/test_routing.py", "tests/test_sessions.py"):
        assert any(node.startswith(area) for node in quick), area


def test_groups_name_test_files(collected: dict[str, bool]) -> None:
    for path in XDIST_GROUPS:
        assert any(node.startswith(f"tests/{path}::") for node in collected), path
    # the timing tests that run alone are slow tests (only those take the lock)
    for entry in TIMING_TESTS:
        assert any(
            node.startswith(f"tests/{entry}") and slow
            for node, slow in collected.items()
        ), entry


def test_slow_marker_is_registered() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^markers = \[\n    "slow: ', text, re.M)


def test_full_runs_are_parallel_and_the_quick_loop_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for text in (readme, ci):
        assert "-m pytest -n auto --dist loadgroup\n" in text
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    assert "-n auto --dist loadgroup" in tox["testenv"]["commands"]
    assert tox["testenv:fast"]["commands"].strip() == 'pytest -m "not slow" {posargs}'
    # the README says how long a full run takes, what the first run
    # downloads, and how to run the quick loop
    assert re.search(r"2-core machine", readme)
    assert "The first run needs the package index" in readme
    assert '-m pytest -m "not slow"' in readme
    contributing = (ROOT / "docs" / "contributing.rst").read_text()
    assert '-m pytest -m "not slow"' in contributing
    assert "tox -e fast" in contributing
