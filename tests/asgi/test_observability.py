"""Monitoring libraries see the same requests on both doors.

The same app (``observed_app.py``) runs under gunicorn (WSGI) and uvicorn
(ASGI) as real server processes, observed by sentry-sdk's Flask
integration, OpenTelemetry or prometheus-flask-exporter; the same requests
go to each, and what the library recorded is compared: the requests
(method, route, status), the errors (the exception type, once per failing
request) and that a duration was measured. Under ASGI both ways of setting
the library up are served: as on WSGI (``flask``), and as docs/asgi.rst
recommends (``asgi``). The libraries come from the compatibility tests'
environment (``.compat-env/``, see tests/compat/compat_support.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
from datetime import datetime
from pathlib import Path

import pytest
import rawhttp
from server_process import free_port
from server_process import stop

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
SRC = TESTS.parent / "src"
sys.path.insert(0, str(TESTS / "compat"))
import compat_support  # noqa: E402

compat_support.ensure_installed()
pytest.importorskip("uvicorn")
pytest.importorskip("gunicorn")
for _name in ("sentry_sdk", "opentelemetry.sdk", "prometheus_flask_exporter"):
    compat_support.require(_name)

#: (door, setup) of each run, per library: the first is the reference.
RUNS = {
    "sentry": [("gunicorn", "flask"), ("uvicorn", "asgi"), ("uvicorn", "flask")],
    "otel": [("gunicorn", "flask"), ("uvicorn", "flask"), ("uvicorn", "asgi")],
    "prometheus": [("gunicorn", "flask"), ("uvicorn", "flask")],
}
#: The requests sent to every server, in order.
REQUESTS = [
    ("GET", "/hello/ann", b""),
    ("GET", "/async/3", b""),
    ("POST", "/items", b'{"name": "pen"}'),
    ("GET", "/boom", b""),
    ("GET", "/aboom", b""),
    ("GET", "/missing", b""),
    ("GET", "/stream", b""),
    ("GET", "/_door", b""),
]
#: Views that raise (Flask answers 500), and one whose stream raises after
#: its first chunk (the server drops the connection).
ERRORS = ["/boom", "/aboom"]
STREAM_ERRORS = ["/stream"]


class Observed(t.NamedTuple):
    """What one server answered and what the library recorded there."""

    responses: list[tuple[int, dict[str, str], bytes, bool]]
    split: bool
    records: list[dict[str, t.Any]]
    metrics: str


def _command(door: str, port: int) -> list[str]:
    if door == "gunicorn":
        from gunicorn.config import KNOWN_SETTINGS

        cmd = [sys.executable, "-m", "gunicorn", "observed_app:app"]
        cmd += ["--workers", "1", "--bind", f"127.0.0.1:{port}"]
        cmd += ["--graceful-timeout", "3"]
        if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
            cmd.append("--no-control-socket")
        return cmd
    return [
        *(sys.executable, "-m", "uvicorn", "observed_app:asgi"),
        *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
    ]


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited early:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("server did not listen within 30s")
            time.sleep(0.05)


def _exchange(
    port: int, method: str, path: str, body: bytes
) -> tuple[int, dict[str, str], bytes, bool]:
    """Status, headers (but ``Date`` and ``Server``), the raw body as
    received until the server closed the connection, and whether it was
    complete."""
    fields = {"Connection": "close"}
    if body:
        fields["Content-Type"] = "application/json"
        fields["Content-Length"] = str(len(body))
    with rawhttp.connect(port) as s:
        s.sendall(rawhttp.head(method, path, fields) + body)
        reader = rawhttp.Reader(s)
        status, headers = reader.status_line()
        while reader._fill():
            pass
    del headers["date"], headers["server"]
    raw = reader.buffer
    if headers.get("transfer-encoding") == "chunked":
        complete = raw.endswith(b"0\r\n\r\n")
    else:
        complete = len(raw) == int(headers["content-length"])
    return status, headers, raw, complete


def _read(out: Path) -> list[dict[str, t.Any]]:
    """The records written so far: a line still being written (no newline
    yet) is left for the next read."""
    text = out.read_text()
    text = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in text.splitlines()]


def _wait_records(out: Path, expected: int) -> list[dict[str, t.Any]]:
    """The records once ``expected`` arrived (10 s at most), and a moment
    later, so one too many shows too."""
    deadline = time.monotonic() + 10
    while len(_read(out)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    return _read(out)


def observe(lib: str, tmp: Path, expected: dict[str, int]) -> dict[str, Observed]:
    """Start one server per run of ``lib`` (at once, to save time), send the
    requests to each and collect what was recorded; keyed ``door/setup``."""
    runs = RUNS[lib]
    procs: dict[str, tuple[subprocess.Popen[bytes], int, Path, Path]] = {}
    base = dict(os.environ, OBSERVE_LIB=lib)
    base["PYTHONPATH"] = compat_support.pythonpath(HERE, SRC)
    results = {}
    try:
        for door, setup in runs:
            key = f"{door}/{setup}"
            port = free_port()
            out = tmp / f"{lib}-{door}-{setup}.jsonl"
            out.write_text("")
            log = tmp / f"{lib}-{door}-{setup}.log"
            env = dict(base, OBSERVE_SETUP=setup, OBSERVE_OUT=str(out))
            with open(log, "wb") as f:
                proc = subprocess.Popen(
                    _command(door, port),
                    cwd=HERE,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=f,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            procs[key] = (proc, port, out, log)
        for key, (proc, port, out, log) in procs.items():
            _wait_listening(proc, port, log)
            responses = []
            split = False
            for method, path, body in REQUESTS:
                if path == "/_door":
                    r = rawhttp.request(port, method, path)
                    split = json.loads(r.body)["split"]
                else:
                    responses.append(_exchange(port, method, path, body))
            metrics = ""
            if lib == "prometheus":
                metrics = rawhttp.request(port, "GET", "/metrics").body.decode()
            records = _wait_records(out, expected.get(key, expected["*"]))
            results[key] = Observed(responses, split, records, metrics)
    finally:
        for proc, *_ in procs.values():  # all at once, then wait for each
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, *_ in procs.values():
            stop(proc)
    return results


@pytest.fixture(scope="module")
def sentry(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Observed]:
    # An event per error and a transaction per request; without the ASGI
    # middleware, only the events of errors Flask handled.
    events = len(ERRORS) + len(STREAM_ERRORS)
    counts = {"*": events + len(REQUESTS), "uvicorn/flask": len(ERRORS)}
    return observe("sentry", tmp_path_factory.mktemp("sentry"), counts)


@pytest.fixture(scope="module")
def otel(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Observed]:
    return observe("otel", tmp_path_factory.mktemp("otel"), {"*": len(REQUESTS)})


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Observed]:
    return observe("prometheus", tmp_path_factory.mktemp("prom"), {"*": 0})


def _same_responses(results: dict[str, Observed]) -> None:
    """Each server answered the same bytes (but its ``Date`` and ``Server``
    headers): the ASGI middleware changes nothing."""
    first, *others = results.values()
    statuses = [r[0] for r in first.responses]
    assert statuses == [200, 200, 201, 500, 500, 404, 200]
    # The stream that raised was cut short after its first chunk.
    complete = [r[3] for r in first.responses]
    assert complete == [True] * 6 + [False]
    assert first.responses[-1][2] == b"7\r\npart 1\n\r\n"
    for other in others:
        assert other.responses == first.responses


# -- sentry-sdk -----------------------------------------------------------------


def _timestamp(value: str | float) -> float:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


def sentry_events(obs: Observed, mechanism: str = "flask") -> list[tuple[t.Any, ...]]:
    """The error events captured by ``mechanism``: ``flask`` for errors
    Flask handled, ``wsgi``/``asgi`` for errors raised out of the app."""
    rows = []
    for rec in obs.records:
        if (
            rec["type"] == "event"
            and rec["payload"]["exception"]["values"][-1]["mechanism"]["type"]
            == mechanism
        ):
            ev = rec["payload"]
            exc = ev["exception"]["values"][-1]
            req = ev.get("request", {})
            rows.append(
                (
                    exc["type"],
                    exc["mechanism"]["type"],
                    exc["mechanism"]["handled"],
                    ev.get("transaction"),
                    req.get("method"),
                    req.get("url"),
                )
            )
    return sorted(rows, key=repr)


def sentry_transactions(obs: Observed) -> list[tuple[t.Any, ...]]:
    rows = []
    for rec in obs.records:
        if rec["type"] == "transaction":
            tx = rec["payload"]
            trace = tx["contexts"]["trace"]
            assert _timestamp(tx["timestamp"]) > _timestamp(tx["start_timestamp"])
            # Named after the endpoint when a route matched; each door has
            # its own name for the others.
            routed = tx["transaction_info"]["source"] == "component"
            rows.append(
                (
                    tx["transaction"] if routed else None,
                    trace["op"],
                    trace["status"],
                    trace["data"]["http.response.status_code"],
                    tx["request"]["method"],
                    tx["request"]["url"],
                )
            )
    return sorted(rows, key=repr)


def test_sentry_same_responses(sentry: dict[str, Observed]) -> None:
    _same_responses(sentry)


def test_sentry_errors_same_on_both_doors(sentry: dict[str, Observed]) -> None:
    wsgi = sentry_events(sentry["gunicorn/flask"])
    assert wsgi == [
        ("LookupError", "flask", False, "aboom", "GET", "http://127.0.0.1/aboom"),
        ("ZeroDivisionError", "flask", False, "boom", "GET", "http://127.0.0.1/boom"),
    ]
    assert sentry_events(sentry["uvicorn/asgi"]) == wsgi
    # The Flask integration alone (no ASGI middleware) still reports each
    # error once, without the request's URL and method, which its WSGI
    # middleware (Flask.__call__, not called under ASGI) adds.
    alone = sentry_events(sentry["uvicorn/flask"])
    assert [row[:4] for row in alone] == [row[:4] for row in wsgi]
    assert [row[4:] for row in alone] == [(None, None)] * 2


def test_sentry_scope_per_request(sentry: dict[str, Observed]) -> None:
    """The error of /boom is logged; the event of /aboom (the next request)
    carries that log line as a breadcrumb only when the requests share one
    Sentry scope: without the ASGI middleware."""

    def crumbs(obs: Observed) -> list[str]:
        for rec in obs.records:
            ev = rec["payload"]
            if ev.get("transaction") == "aboom" and rec["type"] == "event":
                values = ev.get("breadcrumbs", {}).get("values", [])
                return [b.get("message", "") for b in values]
        raise AssertionError("no event for /aboom")

    assert "Exception on /boom [GET]" not in crumbs(sentry["gunicorn/flask"])
    assert "Exception on /boom [GET]" not in crumbs(sentry["uvicorn/asgi"])
    assert "Exception on /boom [GET]" in crumbs(sentry["uvicorn/flask"])


def test_sentry_stream_errors_same_on_both_doors(sentry: dict[str, Observed]) -> None:
    """An error raised while the response streams leaves the app: the
    library's middleware captures it, WSGI or ASGI."""
    wsgi = sentry_events(sentry["gunicorn/flask"], "wsgi")
    asgi = sentry_events(sentry["uvicorn/asgi"], "asgi")
    url = "http://127.0.0.1/stream"
    assert [(r[0], r[2], r[4], r[5]) for r in wsgi] == [("KeyError", False, "GET", url)]
    assert [(r[0], r[2], r[4], r[5]) for r in asgi] == [("KeyError", False, "GET", url)]
    # Without the ASGI middleware nothing sees it.
    assert sentry_events(sentry["uvicorn/flask"], "asgi") == []


def test_sentry_transactions_same_on_both_doors(sentry: dict[str, Observed]) -> None:
    wsgi = sentry_transactions(sentry["gunicorn/flask"])
    url = "http://127.0.0.1"
    assert wsgi == sorted(
        [
            ("hello", "http.server", "ok", 200, "GET", f"{url}/hello/ann"),
            ("counted", "http.server", "ok", 200, "GET", f"{url}/async/3"),
            ("add_item", "http.server", "ok", 201, "POST", f"{url}/items"),
            ("boom", "http.server", "internal_error", 500, "GET", f"{url}/boom"),
            ("aboom", "http.server", "internal_error", 500, "GET", f"{url}/aboom"),
            (None, "http.server", "not_found", 404, "GET", f"{url}/missing"),
            ("stream", "http.server", "ok", 200, "GET", f"{url}/stream"),
            ("door", "http.server", "ok", 200, "GET", f"{url}/_door"),
        ],
        key=repr,
    )
    # The ASGI middleware also marks the stream that raised as failed.
    stream = ("stream", "http.server", "ok", 200, "GET", f"{url}/stream")
    failed = ("stream", "http.server", "internal_error", 200, "GET", f"{url}/stream")
    asgi = sentry_transactions(sentry["uvicorn/asgi"])
    assert [failed if row == stream else row for row in wsgi] == asgi
    assert sentry_transactions(sentry["uvicorn/flask"]) == []


def test_sentry_keeps_the_split(sentry: dict[str, Observed]) -> None:
    assert sentry["uvicorn/flask"].split
    assert sentry["uvicorn/asgi"].split


# -- OpenTelemetry --------------------------------------------------------------


def otel_spans(obs: Observed) -> list[tuple[t.Any, ...]]:
    rows = []
    for span in obs.records:
        attrs = span["attributes"]
        assert span["end"] > span["start"]
        rows.append(
            (
                span["name"],
                span["kind"],
                span["parent"],
                attrs["http.method"],
                attrs.get("http.route"),
                attrs["http.target"],
                attrs["http.status_code"],
                span["status"],
                [e["attributes"]["exception.type"] for e in span["events"]],
            )
        )
    return sorted(rows, key=repr)


def test_otel_same_responses(otel: dict[str, Observed]) -> None:
    _same_responses(otel)


def test_otel_spans_same_on_both_doors(otel: dict[str, Observed]) -> None:
    wsgi = otel_spans(otel["gunicorn/flask"])
    ok, error = "UNSET", "ERROR"
    assert wsgi == sorted(
        [
            ("GET /hello/<name>", "SERVER", False, "GET", "/hello/<name>",
             "/hello/ann", 200, ok, []),
            ("GET /async/<int:n>", "SERVER", False, "GET", "/async/<int:n>",
             "/async/3", 200, ok, []),
            ("POST /items", "SERVER", False, "POST", "/items", "/items", 201, ok, []),
            ("GET /boom", "SERVER", False, "GET", "/boom", "/boom", 500, error,
             ["ZeroDivisionError"]),
            ("GET /aboom", "SERVER", False, "GET", "/aboom", "/aboom", 500, error,
             ["LookupError"]),
            ("GET /missing", "SERVER", False, "GET", None, "/missing", 404, ok, []),
            ("GET /stream", "SERVER", False, "GET", "/stream", "/stream", 200, ok, []),
            ("GET /_door", "SERVER", False, "GET", "/_door", "/_door", 200, ok, []),
        ],
        key=repr,
    )  # fmt: skip
    assert otel_spans(otel["uvicorn/flask"]) == wsgi
    # The ASGI middleware's span lasts until the response is sent, so it
    # also records the error the stream raised.
    stream = ("GET /stream", "SERVER", False, "GET", "/stream", "/stream", 200, ok, [])
    failed = (*stream[:7], error, ["KeyError"])
    asgi = otel_spans(otel["uvicorn/asgi"])
    assert [failed if row == stream else row for row in wsgi] == asgi


def test_otel_flask_instrumentor_sees_the_same_environ(
    otel: dict[str, Observed],
) -> None:
    """FlaskInstrumentor reads its attributes from the WSGI environ: under
    uvicorn it gets the same keys and values as under gunicorn (but the
    ports, which differ from one server and connection to the next)."""

    def attributes(obs: Observed) -> list[dict[str, t.Any]]:
        rows = []
        for span in obs.records:
            attrs = dict(span["attributes"])
            assert isinstance(attrs.pop("net.host.port"), int)
            assert isinstance(attrs.pop("net.peer.port"), int)
            rows.append(attrs)
        return sorted(rows, key=lambda a: a["http.target"])

    assert attributes(otel["uvicorn/flask"]) == attributes(otel["gunicorn/flask"])


def test_otel_fallback(otel: dict[str, Observed]) -> None:
    # FlaskInstrumentor wraps app.wsgi_app: whole requests in a thread.
    assert not otel["uvicorn/flask"].split
    # The ASGI middleware and two hooks keep the split.
    assert otel["uvicorn/asgi"].split


# -- prometheus-flask-exporter --------------------------------------------------


def prometheus_samples(obs: Observed) -> dict[str, float]:
    """The exporter's samples (but the histogram buckets, which depend on
    timing); every duration sum is positive."""
    samples = {}
    for line in obs.metrics.splitlines():
        if not line.startswith("flask_") or "_bucket{" in line:
            continue
        name, _, value = line.rpartition(" ")
        if "_created" in name:
            continue
        if "_sum{" in name:
            assert float(value) > 0, line
            value = "1"
        samples[name] = float(value)
    return samples


def test_prometheus_same_responses(prometheus: dict[str, Observed]) -> None:
    _same_responses(prometheus)


def test_prometheus_metrics_same_on_both_doors(
    prometheus: dict[str, Observed],
) -> None:
    wsgi = prometheus_samples(prometheus["gunicorn/flask"])
    total = "flask_http_request_total"
    duration = "flask_http_request_duration_seconds_count"
    assert wsgi[f'{total}{{method="GET",status="200"}}'] == 4
    assert wsgi[f'{total}{{method="POST",status="201"}}'] == 1
    assert wsgi[f'{total}{{method="GET",status="500"}}'] == 2
    assert wsgi[f'{total}{{method="GET",status="404"}}'] == 1
    assert wsgi['flask_http_request_exceptions_total{method="GET",status="500"}'] == 2
    assert wsgi[f'{duration}{{method="GET",path="/aboom",status="500"}}'] == 1
    assert wsgi[f'{duration}{{method="GET",path="/async/3",status="200"}}'] == 1
    assert prometheus_samples(prometheus["uvicorn/flask"]) == wsgi


def test_prometheus_keeps_the_split(prometheus: dict[str, Observed]) -> None:
    assert prometheus["uvicorn/flask"].split
