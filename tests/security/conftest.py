"""Fixtures for the security suite: an app that answers errors with responses
(not propagated exceptions), a recorder of unhandled exceptions, and a way to
send raw WSGI environs with bytes a well-behaved client would never send."""

from __future__ import annotations

import io
import typing as t

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

import flask
from flask import Flask


class RawResponse(t.NamedTuple):
    status_code: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def errors(app: Flask) -> t.Iterator[list[BaseException]]:
    """Unhandled exceptions of ``app``; errors become 500 responses.

    A client mistake must never show up here: the point of these suites.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False
    recorded: list[BaseException] = []

    def record(sender: Flask, exception: BaseException, **kw: t.Any) -> None:
        recorded.append(exception)

    flask.got_request_exception.connect(record, app)
    yield recorded
    flask.got_request_exception.disconnect(record, app)


RawCall = t.Callable[..., RawResponse]


@pytest.fixture
def raw(app: Flask) -> RawCall:
    """Call ``app`` with an environ built from latin-1 strings as a server
    passes them on, so invalid UTF-8 and odd headers reach the app as is."""

    def call(
        path: str = "/",
        *,
        method: str = "GET",
        query: str = "",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        chunked: bool = False,
        **environ: t.Any,
    ) -> RawResponse:
        env = EnvironBuilder(method=method).get_environ()
        env.pop("CONTENT_LENGTH", None)
        env.pop("CONTENT_TYPE", None)
        env["PATH_INFO"] = path
        env["QUERY_STRING"] = query
        for key, value in (headers or {}).items():
            name = key.upper().replace("-", "_")
            if name in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
                env[name] = value
            else:
                env[f"HTTP_{name}"] = value
        if body is not None:
            env["wsgi.input"] = io.BytesIO(body)
            if chunked:
                # How gunicorn and waitress pass a chunked body: no length,
                # and the server promises to end the stream.
                env.pop("CONTENT_LENGTH", None)
                env["wsgi.input_terminated"] = True
                env["HTTP_TRANSFER_ENCODING"] = "chunked"
            else:
                env.setdefault("CONTENT_LENGTH", str(len(body)))
        env.update(environ)
        app_iter, status, hdrs = run_wsgi_app(app, env, buffered=True)
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return RawResponse(int(status.split()[0]), dict(hdrs), data)

    return call
