"""benchmarks/websocket_bench.py's in-process worker and report work on our
package: the worker echoes through our app and holds idle connections, and
the report prints each scenario's rows. No servers and no venvs here; the
benchmark itself is run by hand (docs/benchmarks.rst)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import types

BENCH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "benchmarks",
    "websocket_bench.py",
)
SRC = os.path.join(os.path.dirname(os.path.dirname(BENCH)), "src")


def load() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("websocket_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inprocess_worker_measures_our_app(tmp_path: os.PathLike[str]) -> None:
    bench = load()
    tmp = str(tmp_path)
    with open(os.path.join(tmp, "ours_app.py"), "w") as f:
        f.write(bench.OURS_APP)
    worker = os.path.join(tmp, "inprocess_worker.py")
    with open(worker, "w") as f:
        # fewer messages than the benchmark, the same code
        f.write(
            bench.INPROCESS_WORKER.replace("echo_run(20000)", "echo_run(2000)")
            .replace("for _ in range(5)", "for _ in range(2)")
            .replace("idle(2000)", "idle(200)")
        )
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run(
        [sys.executable, worker, "ours_app"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result) == {"echo_us_per_msg", "idle_heap_kib_per_conn"}
    assert 0 < result["echo_us_per_msg"] < 1000
    # a connection holds something, and not megabytes
    assert 0.5 < result["idle_heap_kib_per_conn"] < 200


def test_report_has_a_row_per_framework_and_scenario() -> None:
    bench = load()
    results = {
        "starlette": {
            "echo": {"clients": 10, "msgs_per_s": 100, "p50_ms": 2.0, "p99_ms": 4.0},
            "inprocess": {"echo_us_per_msg": 2.0, "idle_heap_kib_per_conn": 8.0},
        },
        "ours": {
            "echo": {"clients": 10, "msgs_per_s": 90, "p50_ms": 3.0, "p99_ms": 5.0},
            "inprocess": {"echo_us_per_msg": 4.0, "idle_heap_kib_per_conn": 12.0},
        },
    }
    text = bench.report(results)
    assert "echo round trips" in text
    assert "in process (no server)" in text
    rows = [line for line in text.splitlines() if line.startswith("ours ")]
    assert any("1.50" in line for line in rows)  # p50 against Starlette's
    assert any("2.00" in line and "1.50" in line for line in rows)  # in process
