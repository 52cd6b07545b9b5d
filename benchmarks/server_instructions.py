"""Instructions per request through a real server, counted by callgrind.

On a shared machine requests/s move by a third between two loads a few
seconds apart, while the instructions a server process executes for a
request do not depend on the machine's load. :func:`per_request` starts a
server command under valgrind's callgrind (following the processes it
forks or starts), sends each path ``warm`` requests on one keep-alive
connection, then ``requests`` more to the path counted, stops the server
(``SIGINT``, as Ctrl-C, so it exits the way it is meant to) and adds up
every process's count. The same run without the counted requests is
subtracted, so the server's start-up, warm-up and shutdown drop out.

What this does not see: the kernel's work, and what load adds (caches
shared with other work, several requests at once, thread hand-offs,
which callgrind runs one at a time). A count is a cost model, not a
throughput: compare counts with counts. Only the standard library is used.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import typing as t

#: Requests on one connection before the counted ones, to each path.
WARM = 50
#: Requests counted (the difference between the two runs is divided by it).
REQUESTS = 1000
#: Seconds a server under valgrind gets to start, and to exit once stopped.
START_SECONDS = 300.0
STOP_SECONDS = 120.0

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


class CountError(Exception):
    """A count could not be made (the message says why)."""


def _default_sigint() -> None:
    """In the child, before valgrind starts: SIGINT's default action. A
    process started with SIGINT ignored (a background job of a shell, some
    test runners' workers) passes that on, and a Python server would then
    never see the SIGINT that stops it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CountError(f"the server exited ({proc.returncode}) before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CountError(f"the server did not listen within {START_SECONDS:.0f} s")


def _send(port: int, paths: list[str], warm: int, target: str | None, n: int) -> None:
    """``warm`` requests to each path, then ``n`` to ``target``, one
    connection; every answer must be a 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=STOP_SECONDS)
    todo = [p for p in paths for _ in range(warm)]
    if target is not None:
        todo += [target] * n
    try:
        for path in todo:
            conn.request("GET", path, headers={"Accept": "*/*"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise CountError(f"GET {path}: status {response.status}")
    finally:
        conn.close()


def count(
    cmd: list[str],
    port: int,
    env: dict[str, str],
    cwd: str,
    paths: list[str],
    target: str | None = None,
    requests: int = 0,
    warm: int = WARM,
) -> int:
    """The instructions ``cmd`` (a server listening on ``port``) and the
    processes it starts execute while serving ``warm`` requests to each of
    ``paths`` and then ``requests`` to ``target``, start to exit."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise CountError("valgrind is not installed")
    argv = [valgrind, "--tool=callgrind", "--trace-children=yes",
            "--callgrind-out-file=/dev/null", *cmd]  # fmt: skip
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors,
            start_new_session=True, preexec_fn=_default_sigint,
        )  # fmt: skip
        try:
            _wait_for_port(port, proc)
            _send(port, paths, warm, target, requests)
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=STOP_SECONDS)
        except (OSError, subprocess.TimeoutExpired, http.client.HTTPException) as e:
            raise CountError(f"{type(e).__name__}: {e}") from e
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        errors.seek(0)
        text = errors.read().decode(errors="replace")
    found = [int(n.replace(",", "")) for n in _REFS.findall(text)]
    if not found:
        raise CountError(f"no count in valgrind's output: {text[-500:]}")
    return sum(found)


def per_request(
    start: t.Callable[[], tuple[list[str], int, dict[str, str], str]],
    paths: dict[str, str],
    requests: int = REQUESTS,
    warm: int = WARM,
) -> dict[str, float]:
    """Instructions per request for each of ``paths`` (name: path): one run
    serving only the warm-up, and one per path serving ``requests`` more.
    ``start`` gives a fresh command, port, environment and directory for
    each run."""
    every = list(paths.values())
    base = count(*start(), paths=every, warm=warm)
    out = {}
    for name, path in paths.items():
        counted = count(
            *start(), paths=every, target=path, requests=requests, warm=warm
        )
        out[name] = (counted - base) / requests
    return out
