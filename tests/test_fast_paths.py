"""Fast paths give what the slow (werkzeug) path gives, byte for byte."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.exceptions import default_exceptions
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import Unauthorized
from werkzeug.routing import RequestRedirect
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as BaseResponse

import flask
from flask._responses import _from_http_exception


def _environ(method: str) -> dict[str, t.Any]:
    builder = EnvironBuilder(path="/x", method=method)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _errors() -> list[HTTPException]:
    rv: list[HTTPException] = [cls() for cls in default_exceptions.values()]
    rv.append(MethodNotAllowed(valid_methods=["GET", "POST"]))
    rv.append(Unauthorized(www_authenticate=None, description="<b>who?</b>"))
    rv.append(RequestRedirect("http://localhost/y"))
    rv.append(HTTPException(response=BaseResponse("custom", 418)))
    return rv


class MyResponse(flask.Response):
    def __init__(self, body: str = "", marker: str = "") -> None:  # odd signature
        super().__init__(body)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
@pytest.mark.parametrize("cls", [flask.Response, MyResponse])
def test_http_exception_conversion_matches_force_type(
    method: str, cls: type[flask.Response]
) -> None:
    for error in _errors():
        fast = _from_http_exception(cls, error, _environ(method))
        slow = cls.force_type(error, _environ(method))  # type: ignore[arg-type]
        assert fast is not None, error
        assert type(fast) is type(slow) is cls
        assert fast.status == slow.status
        assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
        assert fast.get_data() == slow.get_data(), error


def test_unusual_errors_take_the_slow_path() -> None:
    class Streaming(HTTPException):
        code = 500

        def get_response(self, environ: t.Any = None, scope: t.Any = None) -> t.Any:
            return BaseResponse(iter([b"a", b"b"]), 500)

    class Called(HTTPException):
        code = 400

        def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
            return super().__call__(environ, start_response)

    closing = BaseResponse("x", 400)
    closing.call_on_close(lambda: None)
    for error in (Streaming(), Called(), HTTPException(response=closing)):
        assert _from_http_exception(flask.Response, error, _environ("GET")) is None


def test_abort_responses_through_the_app() -> None:
    app = flask.Flask(__name__)

    @app.route("/<int:code>", methods=["GET", "POST"])
    def fail(code: int) -> str:
        flask.abort(code)

    @app.after_request
    def check(response: flask.Response) -> flask.Response:
        response.headers["X-Class"] = type(response).__name__
        return response

    client = app.test_client()
    rv = client.get("/403")
    assert rv.status == "403 FORBIDDEN"
    assert rv.headers["X-Class"] == "Response"
    assert rv.headers["Content-Length"] == str(len(rv.data))
    assert b"<title>403 Forbidden</title>" in rv.data
    head = client.head("/404")
    assert head.status_code == 404 and head.data == b""
    assert client.put("/400").status_code == 405
    allow = client.put("/400").headers["Allow"]
    assert sorted(allow.split(", ")) == ["GET", "HEAD", "OPTIONS", "POST"]
