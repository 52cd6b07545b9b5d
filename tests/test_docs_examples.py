"""Run the complete examples of the documentation, so the docs cannot drift.

A page marks a complete example with the ``runnable`` class::

    .. code-block:: python
       :class: runnable

       from flask import Flask
       ...
       assert client.get("/").text == "Hello"

Each such block is written to a module in a fresh temporary folder and
imported there, so ``Flask(__name__)`` finds its templates next to it. The
examples check what they show with ``assert`` statements against the test
client. Files an example needs (templates, say) are blocks of the same page
with the ``runnable-file`` class and the file's relative path as caption::

    .. code-block:: html+jinja
       :class: runnable-file
       :caption: templates/layout.html

An example that needs a package which is not installed (Celery, an
extension) is skipped. Every other Python block must at least compile.
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"

# Some examples use SQLAlchemy, WTForms or extensions: they live in the
# compatibility tests' own environment (.compat-env/), not in the one
# running the tests. Put it on sys.path, as tests/compat/conftest.py does.
sys.path.insert(0, str(Path(__file__).resolve().parent / "compat"))
from compat_support import ensure_installed  # noqa: E402

ensure_installed()

DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. code-block:: *(?P<lang>\S+)\s*$")
OPTION = re.compile(r"^ *:(?P<name>[\w-]+):(?: *(?P<value>.*))?$")


@dataclass
class Block:
    page: str
    line: int
    lang: str
    options: dict[str, str]
    code: str
    classes: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def parse(path: Path) -> list[Block]:
    """The code blocks of one reStructuredText file."""
    lines = path.read_text("utf8").splitlines()
    page = path.relative_to(DOCS).as_posix()
    blocks = []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i])
        if not match:
            i += 1
            continue
        start, indent = i + 1, len(match["indent"])
        i += 1
        options = {}
        while i < len(lines) and (opt := OPTION.match(lines[i])):
            options[opt["name"]] = (opt["value"] or "").strip()
            i += 1
        body = []
        while i < len(lines):
            text = lines[i]
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            body.append(text)
            i += 1
        code = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
        classes = set(options.get("class", "").split())
        blocks.append(Block(page, start, match["lang"], options, code, classes))
    return blocks


def all_blocks() -> list[Block]:
    return [
        block
        for path in sorted(DOCS.rglob("*.rst"))
        if "_build" not in path.parts
        for block in parse(path)
    ]


BLOCKS = all_blocks()
RUNNABLE = [b for b in BLOCKS if "runnable" in b.classes]
PYTHON = [b for b in BLOCKS if b.lang == "python" and "runnable" not in b.classes]


def test_docs_have_runnable_examples() -> None:
    # The parser really finds the marked blocks (a broken regex would make
    # every other test here vacuous).
    assert len(RUNNABLE) >= 40
    pages = {b.page for b in RUNNABLE}
    assert {"patterns/appfactories.rst", "extensiondev.rst"} <= pages


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: b.id)
def test_runnable_example(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert block.lang == "python", "only Python blocks can be runnable"
    for other in BLOCKS:
        if other.page == block.page and "runnable-file" in other.classes:
            target = tmp_path / other.options["caption"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(other.code, "utf8")
    name = "docs_example_" + re.sub(r"\W", "_", block.id)
    (tmp_path / f"{name}.py").write_text(block.code, "utf8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for var in ("FLASK_APP", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(var, raising=False)
    # Failed asserts in the example then show the values, as in a test.
    pytest.register_assert_rewrite(name)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("flask", "docs_example"):
            raise
        pytest.skip(f"{block.id} needs {e.name}, which is not installed")
    finally:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: b.id)
def test_python_block_compiles(block: Block) -> None:
    compile(block.code, block.id, "exec")


def _pins(name: str) -> dict[str, str]:
    """``{distribution: version}`` of the ``name==version`` lines of a file."""
    path = DOCS.parent / "requirements" / name
    pins = {}
    for line in path.read_text("utf8").splitlines():
        # strip comments and environment markers ("; python_version ...")
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            dist, version = line.split("==", 1)
            pins[dist.strip()] = version.strip()
    return pins


def test_compatibility_page_lists_the_tested_versions() -> None:
    """docs/compatibility.rst names every pinned extension with its version."""
    pins = _pins("compat.in") | _pins("compat-plugins.in")
    assert len(pins) >= 10
    text = (DOCS / "compatibility.rst").read_text("utf8")
    rows = dict(re.findall(r"^   \* - (\S+)\n     - (\S+)$", text, re.MULTILINE))
    rows.pop("Extension", None)
    assert {k.lower(): v for k, v in rows.items()} == {
        k.lower(): v for k, v in pins.items()
    }


@pytest.mark.parametrize("project", ["werkzeug", "jinja", "click", "itsdangerous"])
def test_shipped_inventory_is_current(project: str, tmp_path: Path) -> None:
    """docs/_inventories/*.inv are what make_inventories.py generates now.

    Only when the installed library and Python have the versions the shipped
    inventories were made with; other versions may legitimately differ (a
    class inherits other members from the built-in types).
    """
    import importlib.util

    python_inv = (DOCS / "_inventories" / "python.inv").read_bytes()
    made_with = python_inv.split(b"\n")[2].decode().split(": ", 1)[1]
    if made_with != "{}.{}".format(*sys.version_info[:2]):
        pytest.skip(f"the inventories were generated with Python {made_with}")

    script = DOCS / "_inventories" / "make_inventories.py"
    spec = importlib.util.spec_from_file_location("make_inventories", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (DOCS / "_inventories" / f"{project}.inv").read_bytes()
    module.build_project(project, tmp_path)
    fresh = (tmp_path / f"{project}.inv").read_bytes()
    if shipped.split(b"\n")[2] != fresh.split(b"\n")[2]:  # "# Version: x.y"
        pytest.skip(f"installed {project} differs from the shipped inventory's")
    assert fresh == shipped, "run docs/_inventories/make_inventories.py"
