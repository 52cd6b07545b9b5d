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
from server_process import local_port_range
from server_process import port_candidates
from server_process import serve
from server_process import worker_share

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


def test_free_port_is_outside_the_local_port_range_and_bindable() -> None:
    low, high = local_port_range()
    for _ in range(20):
        port = free_port()
        assert not low <= port <= high
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # free, as promised


def test_port_candidates_avoid_the_range() -> None:
    assert port_candidates(32768, 60999) == range(20768, 32768)
    assert port_candidates(15000, 60999) == range(10000, 15000)
    assert port_candidates(1024, 50000) == range(50001, 65536)
    assert port_candidates(1024, 65000) == range(0)  # no room: bind(0)


def test_workers_pick_from_disjoint_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    ports = range(20000, 20010)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
    shares = []
    for name in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", name)
        shares.append(list(worker_share(ports)))
    assert shares == [
        [20000, 20003, 20006, 20009],
        [20001, 20004, 20007],
        [20002, 20005, 20008],
    ]
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert worker_share(ports) == ports  # not under xdist


def test_free_port_never_gives_a_port_twice() -> None:
    given = [free_port() for _ in range(50)]
    assert len(set(given)) == 50
