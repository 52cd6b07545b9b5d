"""benchmarks/scaleout.py without timing anything: the report and the
commands it runs, so the script cannot break silently."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "scaleout.py"


@pytest.fixture(scope="module")
def bench() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("scaleout_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_shows_every_configuration(bench: types.ModuleType) -> None:
    results = {
        kind: {
            str(w): {
                e: {"rps": 100.0 * w * (i + 1), "p99": 10.0 / w}
                for e in bench.ENDPOINTS
            }
            for w in bench.WORKERS
        }
        for i, kind in enumerate(bench.SERVERS)
    }
    text = bench.table(results)
    for endpoint, path in bench.ENDPOINTS.items():
        assert f"{endpoint} endpoint ({path})" in text
    rows = [line for line in text.splitlines() if line.strip().startswith("4 |")]
    assert len(rows) == len(bench.ENDPOINTS)
    # 4 workers: 400, 800, 1200 req/s, 4.00 times one worker, p99 2.5 ms
    cells = rows[0].split("|")[1:]
    assert [c.split() for c in cells] == [
        ["400", "4.00", "2.5"],
        ["800", "4.00", "2.5"],
        ["1200", "4.00", "2.5"],
    ]


def test_nodelay_uvicorn_command(bench: types.ModuleType, tmp_path: Path) -> None:
    server = bench.NodelayUvicorn(
        "uvicorn", "app:app", name="u", env={}, log_dir=tmp_path, workers=4
    )
    cmd = server.command()
    assert cmd[:2] == [sys.executable, str(SCRIPT.parent / "uvicorn_nodelay.py")]
    assert cmd[2] == "app:app.asgi_app"
    assert cmd[cmd.index("--workers") + 1] == "4"
