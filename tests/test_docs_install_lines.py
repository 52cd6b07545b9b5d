"""Every ``pip install`` command the documentation shows leads to this package.

PyPI's ``flask`` is the original Flask, so a command such as ``pip install
flask`` or ``pip install 'flask[async]'`` installs the wrong package. A
command may name ``flask`` only as a direct reference (``flask[...] @ url``)
or under a constraints file (``-c``), which pins the name to this package;
otherwise it names this package's wheel or checkout (a path).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Where users read install commands: the docs, the README files.
PAGES = sorted(
    [
        *(ROOT / "docs").rglob("*.rst"),
        ROOT / "README.md",
        *(ROOT / "examples").glob("*/README.md"),
    ]
)

#: Pages rewritten in another piece of work, with a bare install line until
#: then. Strict: once the page is fixed, this test fails until its entry is
#: removed, so the exemption cannot outlive the fix.
PENDING: dict[str, str] = {}

#: A command line: optional prompt, optional interpreter, then pip install.
COMMAND = re.compile(
    r"^\s*(?:\$\s+)?(?:\S*python\S*\s+-m\s+)?(?:\S*/)?pip3?\s+install\s+(?P<args>.*)$"
)
#: A requirement on the name ``flask`` from the package index.
BARE_FLASK = re.compile(r"^flask(\[[^\]]*\])?\s*([<>=!~].*)?$", re.IGNORECASE)
#: Options whose value is the next argument.
WITH_VALUE = {"-c", "--constraint", "-r", "--requirement", "-e", "--editable"}
WITH_VALUE |= {"-t", "--target", "-i", "--index-url", "--extra-index-url"}


def bare_flask_requirements(line: str) -> list[str]:
    """The requirements on ``flask`` from the index in one ``pip install``
    command line (none if the command uses a constraints file)."""
    match = COMMAND.match(line)
    if match is None:
        return []
    args = shlex.split(match["args"].split(" #", 1)[0], posix=True)
    if any(a in {"-c", "--constraint"} or a.startswith("--constraint=") for a in args):
        return []
    found: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in WITH_VALUE:
            skip = True
        elif not arg.startswith("-") and BARE_FLASK.match(arg):
            found.append(arg)
    return found


def _page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize(
    ("line", "bare"),
    [
        ("    $ pip install flask", ["flask"]),
        ("pip install Flask==3.1.3", ["Flask==3.1.3"]),
        ("$ python -m pip install 'flask[async,asgi]'", ["flask[async,asgi]"]),
        ("$ .venv/bin/pip install -U flask gunicorn  # web", ["flask"]),
        ("$ pip install -c constraints.txt 'flask[async]'", []),
        ("$ pip install 'flask[async] @ git+https://host/repo.git@main'", []),
        ("$ pip install 'dist/flask-3.2.0.dev0-py3-none-any.whl[async]'", []),
        ("$ pip install -e '.[async,dotenv]' -r requirements/tests.txt", []),
        ("$ pip install flask-login", []),
        ("Run ``pip install flask`` and you get the original.", []),
    ],
)
def test_the_check_itself(line: str, bare: list[str]) -> None:
    assert bare_flask_requirements(line) == bare


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_install_commands_lead_to_this_package(page: Path) -> None:
    bad = [
        f"{_page_id(page)}:{number}: {line.strip()}"
        for number, line in enumerate(page.read_text("utf8").splitlines(), 1)
        if bare_flask_requirements(line)
    ]
    page_id = _page_id(page)
    if page_id in PENDING:
        assert bad, f"{page_id} is fixed: remove it from PENDING in {__file__}"
        return
    assert not bad, (
        "These commands install the original Flask from the package index;"
        " name this package's wheel or checkout, or use a constraints file"
        " (docs/installation.rst, 'Installing applications and extensions on"
        " top'):\n" + "\n".join(bad)
    )


def test_pending_pages_exist() -> None:
    for page in PENDING:
        assert (ROOT / page).is_file(), page
