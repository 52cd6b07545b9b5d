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
                pytest.fail(
                    f"server exited early ({proc.returncode}):\n{read_log(log_path)}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not listen within {start_timeout}s")
                time.sleep(0.05)
        if listened_by_others(port, proc.pid):
            pytest.fail(
                f"port {port} is listened on by another process, not the server"
                f" (another test took it first):\n{read_log(log_path)}"
            )
        try:
            yield proc
        except BaseException:
            # Shown with the failing test's captured output.
            print(f"--- server output ({' '.join(cmd)}):\n{read_log(log_path)}")
            raise
    finally:
        stop(proc)


def read_log(log_path: str) -> str:
    """The server's output so far (the last 20,000 characters)."""
    with open(log_path, encoding="utf-8", errors="replace") as f:
        return f.read()[-20000:]


def _family_of(pid: int) -> set[int]:
    """``pid`` and every process descended from it (read from ``/proc``)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                # The command name (in parentheses) may hold spaces.
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
    family = {pid}
    grew = True
    while grew:
        more = {child for child, parent in parents.items() if parent in family}
        grew = not more <= family
        family |= more
    return family


def listened_by_others(port: int, pid: int) -> bool:
    """Whether the socket listening on 127.0.0.1:``port`` (or all addresses)
    belongs to a process other than ``pid`` and its children: another test
    took the port between :func:`free_port` and the server's bind. False
    where ``/proc`` cannot tell (not Linux)."""
    try:
        with open("/proc/net/tcp", encoding="ascii") as f:
            rows = [line.split() for line in f.readlines()[1:]]
    except OSError:
        return False
    inodes = {
        f"socket:[{row[9]}]"
        for row in rows
        if row[3] == "0A"  # LISTEN
        and row[1].rpartition(":")[2] == f"{port:04X}"
        and row[1].partition(":")[0] in ("0100007F", "00000000")
    }
    if not inodes:
        return False
    for member in _family_of(pid):
        try:
            fds = os.listdir(f"/proc/{member}/fd")
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{member}/fd/{fd}") in inodes:
                    return False
    return True
