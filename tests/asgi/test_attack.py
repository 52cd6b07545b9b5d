"""benchmarks/asgi_attack.py against hypercorn: hundreds of partial, slow,
abandoned and malformed requests at once leave the server with the threads,
loop tasks and open files it had, and it stops on SIGTERM. (Under this load
hypercorn once kept every early-answered request open forever: see the
drain in ``flask.asgi._stream.respond``.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypercorn")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "asgi_attack.py"


def test_attack_leaves_nothing_behind_on_hypercorn() -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "hypercorn"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "hypercorn during the attack: /hello 200" in out.stdout
    assert "hypercorn stopped on SIGTERM" in out.stdout
