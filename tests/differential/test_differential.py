"""Differential test: the same requests on this checkout and on real Flask.

One app (``diff_app.py``) runs in two worker processes, one importing this
checkout's ``flask`` and one real Flask from a cached virtual environment
(``oracle_env.py``). Both answer the same seeded random and malformed
requests (``diff_requests.py``). Every response that differs must match an
entry of the allow-list (``diff_allow.py``), which names each intended
difference; any other difference fails with a readable diff of the first few.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from diff_allow import ALLOWED
from diff_allow import classify
from diff_app import write_files
from diff_compare import describe
from diff_compare import normalize
from diff_options import DEFAULT_COUNT
from diff_options import DEFAULT_SEED
from diff_requests import generate
from oracle_env import ensure_oracle
from oracle_env import FLASK_VERSION
from oracle_env import OracleUnavailable

HERE = Path(__file__).resolve().parent
CHECKOUT_FLASK = HERE.parents[1] / "src" / "flask"
SHOWN = 8


@pytest.fixture(scope="session")
def oracle_python() -> Path:
    try:
        return ensure_oracle()
    except OracleUnavailable as e:
        pytest.skip(f"real Flask cannot be installed: {e}")


def run_workers(
    oracle: Path, root: Path, specs: list[dict[str, t.Any]]
) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    """Run the app on both packages in parallel, return both result files."""
    specs_path = root / "specs.json"
    specs_path.write_text(json.dumps(specs))
    procs = {}
    for name, python in (("ours", Path(sys.executable)), ("flask", oracle)):
        cmd = [
            os.fspath(python),
            "-I",  # neither the script's folder nor PYTHONPATH on sys.path
            os.fspath(HERE / "diff_worker.py"),
            os.fspath(root),
            os.fspath(specs_path),
            os.fspath(root / f"{name}.json"),
            os.fspath(HERE),
        ]
        procs[name] = subprocess.Popen(
            cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name} worker failed:\n{stdout}\n{stderr}"
        out[name] = json.loads((root / f"{name}.json").read_text())
    return out["ours"], out["flask"]


def well_formed(spec: dict[str, t.Any], raw: dict[str, t.Any]) -> bool:
    """What must hold for every response of ours, even where Flask fails:
    the app (which handles every error) lets no exception out, and no URL is
    built from an empty host (``http:///``), which is what a ``Host`` that
    werkzeug discards without a 400 would give. An empty ``Host`` header is
    the exception: it is valid syntax, and it does name an empty host."""
    if raw["status"] == "exception":
        return False
    if [v for k, v in spec["headers"] if k == "Host"] == [""]:
        return True
    location = [v for k, v in raw["headers"] if k.lower() == "location"]
    body = base64.b64decode(raw["body"])
    return b"http:///" not in body and not any("http:///" in v for v in location)


def test_same_responses_as_flask(
    oracle_python: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    seed = request.config.getoption("--diff-seed", default=DEFAULT_SEED)
    count = request.config.getoption("--diff-count", default=DEFAULT_COUNT)
    write_files(os.fspath(tmp_path))
    specs = generate(seed, count)
    started = time.perf_counter()
    ours, flask = run_workers(oracle_python, tmp_path, specs)
    elapsed = time.perf_counter() - started

    # each worker ran the package it was meant to
    assert Path(ours["flask"]).resolve().parent == CHECKOUT_FLASK
    assert Path(flask["flask"]).resolve().is_relative_to(oracle_python.parents[1])
    assert flask["version"] == FLASK_VERSION
    assert len(ours["results"]) == len(flask["results"]) == count

    broken = [
        describe(i, spec, normalize(raw), normalize(raw), raw, raw)
        for i, (spec, raw) in enumerate(zip(specs, ours["results"], strict=True))
        if not well_formed(spec, raw)
    ]
    unexplained = []
    allowed: dict[str, int] = {}
    for i, (spec, raw_ours, raw_flask) in enumerate(
        zip(specs, ours["results"], flask["results"], strict=True)
    ):
        n_ours, n_flask = normalize(raw_ours), normalize(raw_flask)
        if n_ours == n_flask:
            continue
        name = classify(spec, n_ours, n_flask, raw_ours, raw_flask)
        if name is None:
            unexplained.append(describe(i, spec, n_ours, n_flask, raw_ours, raw_flask))
        else:
            allowed[name] = allowed.get(name, 0) + 1
    summary = (
        f"seed {seed}: {count} requests in {elapsed:.1f}s, "
        f"{sum(allowed.values())} allowed differences {allowed}"
    )
    print(summary)
    report = []
    if broken:
        report.append(
            f"{len(broken)} responses of ours are wrong whatever Flask does"
            f" (an exception escaped, or a URL with an empty host); the first"
            f" {min(SHOWN, len(broken))}:\n\n" + "\n\n".join(broken[:SHOWN])
        )
    if unexplained:
        report.append(
            f"{len(unexplained)} unexplained differences from Flask {FLASK_VERSION}"
            f"; the first {min(SHOWN, len(unexplained))}:\n\n"
            + "\n\n".join(unexplained[:SHOWN])
        )
    if report:
        pytest.fail(f"{summary}\n\n" + "\n\n".join(report), pytrace=False)


def test_allow_list_entries_are_documented() -> None:
    """Every allow-list entry has a reason and appears in the docs page."""
    docs = (HERE.parents[1] / "docs" / "differences.rst").read_text()
    for entry in ALLOWED:
        assert entry.why.strip()
        assert f"``{entry.name}``" in docs, entry.name
