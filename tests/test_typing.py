"""The type checkers run as part of the suite.

``mypy --strict`` and pyright in strict mode (``[tool.pyright]`` in
pyproject.toml) must pass on the package, the examples and the files in
``tests/type_check``, which use the public API the way apps do; pyright's
``--verifytypes`` must find every public symbol fully typed. The checkers
run from this test's environment, so they see the installed packages.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest

import flask

ROOT = Path(__file__).parent.parent
TYPE_CHECK = ROOT / "tests" / "type_check"
EXAMPLES = ["hello", "javascript", "tutorial", "websocket"]
TIMEOUT = 600


def _run(args: list[str], **kwargs: t.Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=TIMEOUT, **kwargs
    )


@pytest.fixture(scope="module")
def mypy() -> list[str]:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install -r requirements/tests.txt)")
    return [sys.executable, "-m", "mypy"]


def _pyright_env() -> dict[str, str]:
    """Make the test's interpreter the one pyright finds first, since
    ``--verifytypes`` looks the package up through ``python`` on ``PATH``."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    return env


@pytest.fixture(scope="module")
def pyright() -> list[str]:
    if importlib.util.find_spec("pyright") is None:
        pytest.skip("pyright is not installed (pip install -r requirements/tests.txt)")
    cmd = [sys.executable, "-m", "pyright"]
    # The first run fetches pyright's Node package from the npm registry.
    version = _run([*cmd, "--version"], env=_pyright_env())
    if version.returncode != 0 or "pyright" not in version.stdout:
        pytest.skip(f"pyright cannot run here: {version.stderr.strip()[-500:]}")
    return cmd


def _pyright_json(
    cmd: list[str], args: list[str], cwd: Path = ROOT
) -> dict[str, t.Any]:
    proc = _run(
        [*cmd, "--outputjson", "--pythonpath", sys.executable, *args],
        cwd=cwd,
        env=_pyright_env(),
    )
    try:
        return json.loads(proc.stdout)  # type: ignore[no-any-return]
    except ValueError:
        pytest.fail(f"pyright gave no report:\n{proc.stdout}\n{proc.stderr}")


def _diagnostics(report: dict[str, t.Any]) -> str:
    return "\n".join(
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
    )


def test_mypy_strict_package_and_api_usage(mypy: list[str]) -> None:
    proc = _run([*mypy, "src/flask", "tests/type_check"], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found in")


@pytest.mark.parametrize("example", EXAMPLES)
def test_mypy_strict_examples(mypy: list[str], example: str) -> None:
    # Each example is its own project (they all have a tests/conftest.py).
    cache = ROOT / ".mypy_cache" / f"example-{example}"
    proc = _run(
        [*mypy, "--strict", "--cache-dir", str(cache), "."],
        cwd=ROOT / "examples" / example,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found in")


def test_pyright_strict(pyright: list[str]) -> None:
    report = _pyright_json(pyright, [])
    assert report["summary"]["errorCount"] == 0, _diagnostics(report)
    assert report["summary"]["warningCount"] == 0, _diagnostics(report)
    # The configuration's ``include`` was honoured: package, examples and
    # the API usage files were all checked.
    checked = report["summary"]["filesAnalyzed"]
    expected = [
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "examples").rglob("*.py"),
        *TYPE_CHECK.glob("*.py"),
    ]
    assert checked >= len(expected)


def test_pyright_verifytypes(pyright: list[str]) -> None:
    report = _pyright_json(pyright, ["--verifytypes", "flask", "--ignoreexternal"])
    completeness = report["typeCompleteness"]
    # The package checked is the one these tests import, not another Flask.
    checked = Path(completeness["moduleRootDirectory"]).resolve()
    assert checked == Path(flask.__file__).parent.resolve()
    problems = "\n".join(
        f"{s['name']}: {d['message']}"
        for s in completeness["symbols"]
        for d in s["diagnostics"]
        if d["severity"] == "error"
    )
    assert completeness["completenessScore"] == 1, problems
    assert completeness["exportedSymbolCounts"]["withUnknownType"] == 0
    assert completeness["exportedSymbolCounts"]["withAmbiguousType"] == 0


_MISUSE = """
from __future__ import annotations

import typing as t

from flask import Flask
from flask import request
from flask import stream_with_context

app = Flask(__name__)


@app.route("/<int:n>")
def show(n: int) -> str:
    return str(n)


@stream_with_context
def generate(count: int) -> t.Iterator[str]:
    yield "x" * count


page: int = request.args.get("page", type=int)  # error: may be None
show("not an int")  # error: the view takes an int
generate()  # error: the decorated generator needs its argument
"""


def test_checkers_reject_misuse(
    mypy: list[str], pyright: list[str], tmp_path: Path
) -> None:
    """The checks above can fail: both checkers report the errors in a
    file that misuses the API the typing files use correctly."""
    source = textwrap.dedent(_MISUSE)
    expected = {n for n, line in enumerate(source.splitlines(), 1) if "# error" in line}
    path = tmp_path / "misuse.py"
    path.write_text(source)
    proc = _run([*mypy, "--strict", "--no-incremental", str(path)], cwd=tmp_path)
    found = {int(m) for m in re.findall(r"^[^:]+:(\d+): error", proc.stdout, re.M)}
    assert found == expected, proc.stdout

    report = _pyright_json(pyright, [str(path)], cwd=tmp_path)
    found = {d["range"]["start"]["line"] + 1 for d in report["generalDiagnostics"]}
    assert found == expected, _diagnostics(report)


@pytest.mark.parametrize("name", sorted(p.stem for p in TYPE_CHECK.glob("typing_*.py")))
def test_type_check_files_run(name: str) -> None:
    """The typed usage files are working apps, not just annotations."""
    spec = importlib.util.spec_from_file_location(name, TYPE_CHECK / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.run_checks()
