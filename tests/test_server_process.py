"""The server helper tells a port race (another process listening on the
port given to the server) from a server that is up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from server_process import free_port
from server_process import listened_by_others
from server_process import serve

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/net/tcp"), reason="reads /proc (Linux)"
)


def test_listener_of_this_process_or_another() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert not listened_by_others(port, os.getpid())
            assert listened_by_others(port, child.pid)
        finally:
            child.kill()
            child.wait()
    # Nobody listens any more: nothing to blame.
    assert not listened_by_others(port, os.getpid())


def test_serve_fails_clearly_when_the_port_was_taken(tmp_path: object) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        # A "server" that never binds: the port answers, but not from it.
        cmd = [sys.executable, "-c", "import time; time.sleep(30)"]
        log = os.path.join(str(tmp_path), "server.log")
        with pytest.raises(pytest.fail.Exception, match="another process"):
            with serve(cmd, port, log, cwd=".", pythonpath=[], start_timeout=5):
                pass


def test_serve_accepts_its_own_server(tmp_path: object) -> None:
    port = free_port()
    code = (
        "import socket, time\n"
        f"s = socket.create_server(('127.0.0.1', {port}))\n"
        "time.sleep(30)\n"
    )
    log = os.path.join(str(tmp_path), "server.log")
    with serve(
        [sys.executable, "-c", code],
        port,
        log,
        cwd=".",
        pythonpath=[],
        start_timeout=10,
    ) as proc:
        assert proc.poll() is None
