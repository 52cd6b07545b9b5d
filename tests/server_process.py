"""Running a WSGI server (gunicorn, waitress) as a subprocess for a test.

Shared by the deployment tests and the robustness suite. The server runs in
its own process group so stopping it also stops the workers it forked, and
every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
import typing as t

import pytest


def local_port_range() -> tuple[int, int]:
    """The range the kernel takes the local ports of outgoing connections
    (and of ``bind(("", 0))``) from: Linux's setting, else the IANA one."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            low, high = (int(part) for part in f.read().split())
    except (OSError, ValueError):
        return 49152, 65535
    return low, high


def port_candidates(low: int, high: int) -> range:
    """Ports outside ``low``-``high`` (the kernel's local port range) to
    pick servers' ports from: some thousands below it, else above it."""
    if low - 1 >= 12000:
        return range(max(10000, low - 12000), low)
    if 65535 - high >= 2000:
        return range(high + 1, 65536)
    return range(0)


#: Ports :func:`free_port` gave in this process (never given twice).
_given: set[int] = set()


def worker_share(candidates: range) -> range:
    """This pytest-xdist worker's share of ``candidates`` (every n-th port
    from its index), so that two workers never pick the same port."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not name.startswith("gw") or not name[2:].isdigit() or count < 1:
        return candidates
    return candidates[int(name[2:]) % count :: count]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, for a server to bind.

    Picked at random outside the kernel's local port range: a port the
    kernel handed out (``bind(0)``) may be given again, to another test's
    probe or to a client connection's local end, before the server binds
    it, and the server then fails with "address already in use". Each
    xdist worker picks from its own share, and no port is given twice."""
    candidates = worker_share(port_candidates(*local_port_range()))
    for _ in range(200 if candidates else 0):
        port = random.choice(candidates)
        if port in _given:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
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
