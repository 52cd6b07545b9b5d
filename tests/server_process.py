"""Running a WSGI server (gunicorn, waitress) as a subprocess for a test.

Shared by the deployment tests and the robustness suite. The server runs in
its own process group so stopping it also stops the workers it forked, and
every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import typing as t

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and every worker it forked, waiting a bounded time."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def serve(
    cmd: list[str],
    port: int,
    log_path: str,
    *,
    cwd: str,
    pythonpath: list[str],
    start_timeout: float,
) -> t.Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` in ``cwd`` with ``pythonpath`` first on ``PYTHONPATH``
    until ``port`` accepts connections; yield the process, then stop it.

    Output goes to ``log_path``; if the server exits early the test fails
    with that output.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*pythonpath, env.get("PYTHONPATH", "")])
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None:
                with open(log_path, encoding="utf-8", errors="replace") as f:
                    output = f.read()
                pytest.fail(f"server exited early ({proc.returncode}):\n{output}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not listen within {start_timeout}s")
                time.sleep(0.05)
        yield proc
    finally:
        stop(proc)
