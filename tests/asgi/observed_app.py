"""The app served by gunicorn and uvicorn in tests/asgi/test_observability.py.

One small app (a sync and an async view, a POST, a sync and an async view
that raise, a stream that raises after its first chunk, and whatever
404s), observed by one library chosen by environment variables, so the
test can compare what the library recorded on each door:

``OBSERVE_LIB``
    ``sentry`` (sentry-sdk's Flask integration, with a transport that
    writes envelopes to a file), ``otel`` (OpenTelemetry, spans exported to
    a file) or ``prometheus`` (prometheus-flask-exporter, read at
    ``/metrics``).
``OBSERVE_SETUP``
    ``flask``: the library set up on the Flask app, as under WSGI;
    ``asgi``: the setup docs/asgi.rst recommends under ASGI.
``OBSERVE_OUT``
    the file the records are appended to, one JSON object a line.

Served as ``observed_app:app`` (WSGI) and ``observed_app:asgi`` (ASGI).
``/_door`` tells whether the ASGI door drives this app's steps itself (or
falls back to running whole requests in a thread).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import typing as t

import flask
from flask.asgi._steps import splittable

LIB = os.environ.get("OBSERVE_LIB", "")
SETUP = os.environ.get("OBSERVE_SETUP", "flask")
OUT = os.environ.get("OBSERVE_OUT", os.devnull)
_lock = threading.Lock()


def record(obj: dict[str, t.Any]) -> None:
    line = json.dumps(obj, sort_keys=True, default=str)
    with _lock, open(OUT, "a", encoding="utf-8") as f:
        f.write(line + "\n")


app = flask.Flask(__name__)


@app.route("/hello/<name>")
def hello(name: str) -> str:
    return f"hello {name}"


@app.route("/async/<int:n>")
async def counted(n: int) -> dict[str, int]:
    await asyncio.sleep(0.01)
    return {"n": n}


@app.route("/boom")
def boom() -> str:
    return str(1 / 0)


@app.route("/aboom")
async def aboom() -> str:
    await asyncio.sleep(0)
    raise LookupError("async boom")


@app.route("/stream")
def stream() -> t.Any:
    def generate() -> t.Iterator[str]:
        yield "part 1\n"
        raise KeyError("mid-stream")

    return generate()


@app.post("/items")
def add_item() -> tuple[t.Any, int]:
    return flask.request.get_json(), 201


@app.route("/_door")
def door() -> dict[str, bool]:
    return {"split": splittable(flask.current_app._get_current_object())}


asgi: t.Any = app.asgi_app


# -- sentry-sdk -------------------------------------------------------------

if LIB == "sentry":
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.transport import Transport

    class FileTransport(Transport):
        """Writes each envelope item (event, transaction) to ``OUT``."""

        def capture_envelope(self, envelope: t.Any) -> None:
            for item in envelope.items:
                if item.type in ("event", "transaction"):
                    record({"type": item.type, "payload": item.payload.json})

    sentry_sdk.init(
        dsn="https://public@127.0.0.1/1",
        transport=FileTransport,
        traces_sample_rate=1.0,
        auto_enabling_integrations=False,
        integrations=[FlaskIntegration()],
    )
    if SETUP == "asgi":
        from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

        asgi = SentryAsgiMiddleware(app.asgi_app)


# -- OpenTelemetry ------------------------------------------------------------

elif LIB == "otel":
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    class FileSpanExporter(SpanExporter):
        """Writes each finished span to ``OUT``."""

        def export(self, spans: t.Any) -> SpanExportResult:
            for span in spans:
                record(
                    {
                        "name": span.name,
                        "kind": span.kind.name,
                        "parent": span.parent is not None,
                        "attributes": dict(span.attributes or {}),
                        "status": span.status.status_code.name,
                        "events": [
                            {"name": e.name, "attributes": dict(e.attributes or {})}
                            for e in span.events
                        ],
                        "start": span.start_time,
                        "end": span.end_time,
                    }
                )
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter()))
    trace.set_tracer_provider(provider)
    if SETUP == "asgi":
        # As docs/asgi.rst recommends: the ASGI middleware makes the server
        # span, two Flask hooks add the route and the exception to it.
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        asgi = OpenTelemetryMiddleware(app.asgi_app, exclude_spans=["receive", "send"])

        @flask.request_started.connect_via(app)
        def name_span_after_route(sender: flask.Flask, **extra: t.Any) -> None:
            rule = flask.request.url_rule
            if rule is not None:
                span = trace.get_current_span()
                span.update_name(f"{flask.request.method} {rule.rule}")
                span.set_attribute("http.route", rule.rule)

        @flask.got_request_exception.connect_via(app)
        def record_exception(
            sender: flask.Flask, exception: Exception, **extra: t.Any
        ) -> None:
            trace.get_current_span().record_exception(exception)

    else:
        from opentelemetry.instrumentation.flask import FlaskInstrumentor

        FlaskInstrumentor().instrument_app(app)
        asgi = app.asgi_app


# -- prometheus-flask-exporter ----------------------------------------------

elif LIB == "prometheus":
    from prometheus_flask_exporter import PrometheusMetrics

    metrics = PrometheusMetrics(app)
