"""The app as a plain WSGI callable under production servers.

Each test starts gunicorn or waitress as a subprocess on 127.0.0.1 (a free
port), talks to it over real HTTP with http.client, and stops the whole
process group afterwards. The servers come from requirements/deploy.txt;
the tests skip when one is not installed, except in CI (``CI`` set), where
that is an error.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import sys
import typing as t
from concurrent.futures import ThreadPoolExecutor

import pytest
import server_process

import flask

APPS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
OUR_FLASK = os.path.dirname(os.path.abspath(flask.__file__))
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0


def _server_missing(name: str) -> bool:
    """Whether ``name`` cannot be imported. In CI (``CI`` set), where
    requirements/deploy.txt is installed, a missing server is an error:
    failing here keeps the tests from being skipped unnoticed."""
    if importlib.util.find_spec(name) is not None:
        return False
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        raise RuntimeError(
            f"{name} is required in CI: pip install -r requirements/deploy.txt"
        )
    return True


needs_gunicorn = pytest.mark.skipif(
    sys.platform == "win32" or _server_missing("gunicorn"),
    reason="gunicorn is not installed (pip install -r requirements/deploy.txt)",
)
needs_waitress = pytest.mark.skipif(
    _server_missing("waitress"),
    reason="waitress is not installed (pip install -r requirements/deploy.txt)",
)


@contextlib.contextmanager
def _serve(cmd: list[str], port: int, log_path: str) -> t.Iterator[int]:
    """Run ``cmd`` until ``port`` accepts connections; yield the port.

    The servers import "deploy_app" from tests/apps, and must import the
    flask package the tests are running.
    """
    with server_process.serve(
        cmd,
        port,
        log_path,
        cwd=APPS_DIR,
        pythonpath=[APPS_DIR, os.path.dirname(OUR_FLASK)],
        start_timeout=START_TIMEOUT,
    ):
        yield port


def _gunicorn_cmd(port: int, worker: str, target: str) -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS

    cmd = [sys.executable, "-m", "gunicorn", "--workers", "2"]
    cmd += ["--worker-class", worker, "--bind", f"127.0.0.1:{port}"]
    if worker == "gthread":
        cmd += ["--threads", "2"]
    # Gunicorn applies X-Forwarded-Proto itself for trusted peers (127.0.0.1
    # by default); trust nobody so only ProxyFix handles those headers.
    cmd += ["--forwarded-allow-ips", "203.0.113.250"]
    cmd += ["--graceful-timeout", "3", "--timeout", "30"]
    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        cmd.append("--no-control-socket")
    return [*cmd, target]


def _waitress_cmd(port: int, target: str, *options: str) -> list[str]:
    cmd = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}"]
    return [*cmd, "--threads=4", *options, target]


class Response(t.NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> t.Any:
        return json.loads(self.body)


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def _session_cookie(resp: Response) -> str:
    for value in resp.headers.get_all("Set-Cookie") or ():
        if value.startswith("session="):
            return value.split(";", 1)[0]
    raise AssertionError(f"no session cookie in {resp.headers!r}")


def _check_basic(port: int) -> None:
    resp = _request(port, "GET", "/")
    assert resp.status == 200
    assert resp.body.startswith(b"hello from ")
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"

    resp = _request(port, "GET", "/missing")
    assert resp.status == 404

    resp = _request(port, "DELETE", "/")
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}

    payload = json.dumps({"items": list(range(50))}).encode()
    resp = _request(
        port, "POST", "/echo", payload, {"Content-Type": "application/json"}
    )
    assert resp.status == 200
    assert resp.json() == {"length": len(payload), "json": {"items": list(range(50))}}

    resp = _request(port, "GET", "/origin")
    assert resp.json() == {"flask": OUR_FLASK}


def _check_session_across_workers(port: int, workers: int) -> None:
    """A session cookie signed by one worker is accepted by the others."""
    login = _request(
        port,
        "POST",
        "/login",
        b"user=alice",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert login.status == 200
    cookie = _session_cookie(login)

    # Sequential requests carry the updated cookie forward.
    for expected_hits in range(1, 4):
        resp = _request(port, "GET", "/whoami", headers={"Cookie": cookie})
        data = resp.json()
        assert data["user"] == "alice"
        assert data["hits"] == expected_hits
        cookie = _session_cookie(resp)

    # Concurrent slow requests keep every worker busy, so they are spread
    # over all of them; each must read the same session.
    pids: set[int] = set()

    def call(_: int) -> dict[str, t.Any]:
        resp = _request(port, "GET", "/whoami?sleep=0.3", headers={"Cookie": cookie})
        assert resp.status == 200
        return t.cast(dict[str, t.Any], resp.json())

    for _ in range(8):
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(call, range(6)))
        for data in results:
            assert data["user"] == "alice"
            assert data["hits"] == 4
        pids.update(data["pid"] for data in results)
        if len(pids) >= workers:
            break
    assert len(pids) == workers, f"requests were served by {pids} only"

    # Without the cookie there is no session.
    resp = _request(port, "GET", "/whoami")
    assert resp.json()["user"] is None

    # A tampered cookie is ignored, not an error.
    bad = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    resp = _request(port, "GET", "/whoami", headers={"Cookie": bad})
    assert resp.status == 200
    assert resp.json()["user"] is None


PROXY_HEADERS = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "example.org",
}


def _check_proxy_fix(port: int) -> None:
    resp = _request(port, "GET", "/info", headers=PROXY_HEADERS)
    assert resp.status == 200
    assert resp.json() == {
        "remote_addr": "203.0.113.7",
        "scheme": "https",
        "host": "example.org",
        "url_root": "https://example.org/",
        "external": "https://example.org/info",
    }

    # Only the last (nearest) proxy is trusted with x_for=1.
    headers = dict(PROXY_HEADERS, **{"X-Forwarded-For": "10.9.9.9, 198.51.100.2"})
    resp = _request(port, "GET", "/info", headers=headers)
    assert resp.json()["remote_addr"] == "198.51.100.2"

    # A direct request without proxy headers is unchanged.
    resp = _request(port, "GET", "/info")
    assert resp.json() == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "host": f"127.0.0.1:{port}",
        "url_root": f"http://127.0.0.1:{port}/",
        "external": f"http://127.0.0.1:{port}/info",
    }


def _check_no_proxy_fix(port: int) -> None:
    # Without ProxyFix the forwarded headers are not trusted.
    resp = _request(port, "GET", "/info", headers=PROXY_HEADERS)
    data = resp.json()
    assert data["remote_addr"] == "127.0.0.1"
    assert data["scheme"] == "http"
    assert data["external"] == f"http://127.0.0.1:{port}/info"


@needs_gunicorn
@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_gunicorn(worker: str, tmp_path: t.Any) -> None:
    port = server_process.free_port()
    cmd = _gunicorn_cmd(port, worker, "deploy_app:app")
    with _serve(cmd, port, str(tmp_path / "gunicorn.log")):
        _check_basic(port)
        _check_session_across_workers(port, workers=2)
        _check_no_proxy_fix(port)


@needs_gunicorn
def test_gunicorn_proxy_fix(tmp_path: t.Any) -> None:
    port = server_process.free_port()
    cmd = _gunicorn_cmd(port, "sync", "deploy_app:proxied_app")
    with _serve(cmd, port, str(tmp_path / "gunicorn.log")):
        _check_proxy_fix(port)


@needs_waitress
def test_waitress(tmp_path: t.Any) -> None:
    port = server_process.free_port()
    with _serve(_waitress_cmd(port, "deploy_app:app"), port, str(tmp_path / "w.log")):
        _check_basic(port)
        _check_session_across_workers(port, workers=1)
        _check_no_proxy_fix(port)


@needs_waitress
def test_waitress_proxy_fix(tmp_path: t.Any) -> None:
    port = server_process.free_port()
    # Waitress drops X-Forwarded-* headers itself unless told to pass them
    # on, as a proxy in front of it would be configured.
    cmd = _waitress_cmd(
        port, "deploy_app:proxied_app", "--no-clear-untrusted-proxy-headers"
    )
    with _serve(cmd, port, str(tmp_path / "w.log")):
        _check_proxy_fix(port)


def test_app_is_a_plain_wsgi_callable() -> None:
    """What every WSGI server relies on: ``app(environ, start_response)``
    returns an iterable of bytes after calling ``start_response`` once."""
    from werkzeug.test import EnvironBuilder

    sys.path.insert(0, APPS_DIR)
    try:
        import deploy_app
    finally:
        sys.path.remove(APPS_DIR)

    calls: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        calls.append((status, headers))
        return lambda data: None

    environ = EnvironBuilder(path="/info", base_url="http://example.com/").get_environ()
    body = deploy_app.app(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    assert len(calls) == 1
    status, headers = calls[0]
    assert status == "200 OK"
    assert ("Content-Type", "application/json") in headers
    assert json.loads(data)["external"] == "http://example.com/info"
