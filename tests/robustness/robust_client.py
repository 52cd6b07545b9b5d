"""Clients for the robustness suite: a scripted client that checks every
reply of ``robust_app`` for cross-talk, the transports it runs over (real
HTTP, the test client), and starting a WSGI server as a subprocess."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import sys
import typing as t
import uuid

import server_process

import flask

HERE = os.path.dirname(os.path.abspath(__file__))
OUR_SRC = os.path.dirname(os.path.dirname(os.path.abspath(flask.__file__)))
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 15.0


class Reply(t.NamedTuple):
    status: int
    headers: t.Mapping[str, str]
    set_cookies: list[str]
    body: bytes


#: ``send(method, path, headers, body) -> Reply``
Send = t.Callable[[str, str, dict[str, str], "bytes | None"], Reply]

#: The request kinds a client cycles through.
KINDS = ("echo", "post", "stream", "thread", "async", "abort", "fail", "missing")


class ScriptedClient:
    """One client with its own id and session, checking that every reply
    shows only its own state. Problems are collected, not raised, so one
    run reports all of them."""

    def __init__(self, send: Send, number: int) -> None:
        self.send = send
        self.cid = f"c{number}-{uuid.uuid4().hex[:12]}"
        self.offset = number
        self.cookie: str | None = None
        self.seq = 0
        self.problems: list[str] = []
        self.done = 0

    def _request(
        self, method: str, path: str, body: bytes | None = None
    ) -> Reply | None:
        headers = {"X-Client-Id": self.cid}
        if self.cookie is not None:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/json"
        sep = "&" if "?" in path else "?"
        try:
            reply = self.send(method, f"{path}{sep}id={self.cid}", headers, body)
        except Exception as e:  # noqa: BLE001 - every failure is a finding
            self.problems.append(f"{method} {path}: {type(e).__name__}: {e}")
            return None
        for value in reply.set_cookies:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        self.done += 1
        return reply

    def _check(
        self, what: str, reply: Reply | None, status: int, expected: dict[str, t.Any]
    ) -> None:
        if reply is None:
            return
        if reply.status != status:
            self.problems.append(
                f"{what}: status {reply.status} != {status}: {reply.body[:200]!r}"
            )
            return
        try:
            data = json.loads(reply.body)
        except ValueError:
            self.problems.append(f"{what}: not JSON: {reply.body[:200]!r}")
            return
        wrong = {
            key: (data.get(key), value)
            for key, value in expected.items()
            if data.get(key) != value
        }
        if wrong:
            self.problems.append(f"{what}: (got, expected) {wrong}")

    def own(self, **extra: t.Any) -> dict[str, t.Any]:
        """The reply fields that must show this client's own state."""
        cid = self.cid
        return {
            "path": cid,
            "leftover": [],
            "g": cid,
            "query": cid,
            "header": cid,
            "session": cid,
            "seq": self.seq,
            **extra,
        }

    def login(self) -> None:
        reply = self._request("POST", f"/login/{self.cid}")
        self.seq = 0
        self._check("login", reply, 200, self.own(kind="login"))
        if reply is not None and self.cookie is None:
            self.problems.append("login: no session cookie")

    def step(self, i: int) -> None:
        kind = KINDS[(i + self.offset) % len(KINDS)]
        what = f"#{i} {kind}"
        cid = self.cid
        if kind in ("echo", "post"):
            payload = {"cid": cid, "i": i} if kind == "post" else None
            body = None if payload is None else json.dumps(payload).encode()
            method = "GET" if payload is None else "POST"
            reply = self._request(method, f"/echo/{cid}", body)
            if reply is not None and reply.status == 200:
                self.seq += 1
            expected = self.own(kind="echo", body=payload, stable=True)
            self._check(what, reply, 200, expected)
        elif kind == "stream":
            reply = self._request("GET", f"/stream/{cid}?chunks=3")
            want = "".join(f"{n}:{cid}:{cid}:{cid};" for n in range(3)).encode()
            if reply is not None and (reply.status, reply.body) != (200, want):
                self.problems.append(f"{what}: {reply.status} {reply.body[:200]!r}")
        elif kind == "thread":
            reply = self._request("GET", f"/thread/{cid}")
            inner = {
                k: v for k, v in self.own().items() if k not in ("path", "leftover")
            }
            # The copied context has its own, empty ``g``.
            self._check(what, reply, 200, self.own(thread=dict(inner, g=None)))
        elif kind == "async":
            reply = self._request("GET", f"/async/{cid}")
            self._check(what, reply, 200, self.own(kind="async", stable=True))
        elif kind == "abort":
            reply = self._request("GET", f"/abort/{cid}")
            self._check(what, reply, 403, self.own(kind="http-403"))
        elif kind == "fail":
            reply = self._request("GET", f"/fail/{cid}")
            self._check(what, reply, 500, self.own(kind="probe", raised=cid))
        else:
            reply = self._request("GET", f"/missing/{cid}")
            self._check(what, reply, 404, self.own(kind="http-404", path=None))

    def run(self, requests: int) -> ScriptedClient:
        self.login()
        for i in range(requests):
            self.step(i)
        return self


def http_sender(port: int) -> Send:
    """Send each request on a new connection to 127.0.0.1:``port``."""

    def send(
        method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            cookies = resp.headers.get_all("Set-Cookie") or []
            return Reply(resp.status, dict(resp.headers), cookies, data)
        finally:
            conn.close()

    return send


def test_client_sender(client: flask.testing.FlaskClient) -> Send:
    """Send through a test client; cookies are passed by hand so several
    threads can share one client."""

    def send(
        method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        resp = client.open(path, method=method, headers=headers, data=body)
        try:
            cookies = resp.headers.getlist("Set-Cookie")
            return Reply(resp.status_code, dict(resp.headers), cookies, resp.data)
        finally:
            resp.close()

    return send


test_client_sender.__test__ = False  # type: ignore[attr-defined]


free_port = server_process.free_port


@contextlib.contextmanager
def serve(cmd: list[str], port: int, log_path: str) -> t.Iterator[str]:
    """Run ``cmd`` until ``port`` accepts connections; yield the log path."""
    with server_process.serve(
        cmd,
        port,
        log_path,
        cwd=HERE,
        pythonpath=[HERE, OUR_SRC],
        start_timeout=START_TIMEOUT,
    ):
        yield log_path


def gunicorn_cmd(port: int, workers: int, threads: int) -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS

    cmd = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread"]
    cmd += ["--workers", str(workers), "--threads", str(threads)]
    cmd += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "3"]
    cmd += ["--timeout", "30", "--log-level", "warning"]
    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        cmd.append("--no-control-socket")
    return [*cmd, "robust_app:create_app()"]


def waitress_cmd(port: int, threads: int) -> list[str]:
    cmd = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}"]
    return [*cmd, f"--threads={threads}", "--call", "robust_app:create_app"]
