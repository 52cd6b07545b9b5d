"""Turning a view's return value into a response object."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

from werkzeug.datastructures import Headers
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Response as BaseResponse

from . import typing as ft
from .globals import _cv_app

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Flask
    from .wrappers import Response

_BODY_TYPES = (str, bytes, bytearray)
_HEADER_TYPES = (Headers, dict, tuple, list)


def make_response(app: Flask, rv: ft.ResponseReturnValue, environ: t.Any) -> Response:
    """Convert ``rv`` (see :meth:`flask.Flask.make_response`) to
    ``app.response_class``, raising a ``TypeError`` that says what was wrong."""
    response_class = app.response_class
    rv_type = type(rv)
    # The common cases first.
    if rv_type is response_class:
        return rv  # type: ignore[return-value]
    if rv_type is str:
        content_type = _default_content_type(response_class)
        if content_type is not None:
            return response_class(t.cast(str, rv), content_type=content_type)
        return response_class(t.cast(str, rv))
    if rv_type is dict:
        return app.json.response(rv)  # type: ignore[return-value]

    status: t.Any = None
    headers: t.Any = None
    if isinstance(rv, tuple):
        n = len(rv)  # pyright: ignore[reportUnknownArgumentType]
        if n == 3:
            rv, status, headers = rv  # type: ignore[misc]
        elif n == 2:
            if isinstance(rv[1], _HEADER_TYPES):
                rv, headers = rv  # pyright: ignore[reportAssignmentType, reportUnknownVariableType]
            else:
                rv, status = rv  # type: ignore[misc]
        else:
            raise TypeError(
                "The view function did not return a valid response tuple."
                " The tuple must have the form (body, status, headers),"
                " (body, status), or (body, headers)."
            )

    if rv is None:
        endpoint = _current_endpoint()
        raise TypeError(
            f"The view function for {endpoint!r} did not return a valid"
            " response. The function either returned None or ended without a"
            " return statement."
        )

    if not isinstance(rv, response_class):
        if isinstance(rv, _BODY_TYPES) or isinstance(rv, Iterator):
            # Status and headers go straight into the constructor.
            rv = response_class(rv, status=status, headers=headers)  # pyright: ignore[reportArgumentType, reportUnknownArgumentType]
            status = headers = None
        elif isinstance(rv, (dict, list)):
            rv = app.json.response(rv)
        elif isinstance(rv, BaseResponse) or callable(rv):  # pyright: ignore[reportUnknownArgumentType]
            try:
                rv = response_class.force_type(rv, environ)  # type: ignore[arg-type]
            except TypeError as e:
                raise TypeError(
                    f"{e}\nThe view function did not return a valid response."
                    " The return type must be a string, dict, list, tuple"
                    " with headers or status, Response instance, or WSGI"
                    f" callable, but it was a {type(rv).__name__}."
                ).with_traceback(e.__traceback__) from None
        else:
            raise TypeError(
                "The view function did not return a valid response. The return"
                " type must be a string, dict, list, tuple with headers or"
                " status, Response instance, or WSGI callable, but it was a"
                f" {type(rv).__name__}."  # pyright: ignore[reportUnknownArgumentType]
            )

    response = t.cast("Response", rv)
    if status is not None:
        if isinstance(status, (str, bytes, bytearray)):
            response.status = status  # type: ignore[assignment]
        else:
            response.status_code = status
    if headers:
        response.headers.update(headers)  # pyright: ignore[reportUnknownArgumentType]
    return response


_content_types: dict[type, str | None] = {}


def _default_content_type(cls: type[Response]) -> str | None:
    """The ``Content-Type`` werkzeug's constructor gives a response of class
    ``cls`` without arguments, or ``None`` if that cannot be passed in
    directly (a custom ``__init__``, no default mimetype). Passing it skips
    a header lookup that raises and catches ``KeyError`` per response."""
    try:
        return _content_types[cls]
    except KeyError:
        pass
    value = None
    if cls.__init__ is BaseResponse.__init__ and cls.default_mimetype:
        value = get_content_type(cls.default_mimetype, "utf-8")
    _content_types[cls] = value
    return value


def _current_endpoint() -> str | None:
    ctx = _cv_app.get(None)
    if ctx is None or ctx._request is None:
        return None
    return ctx._request.endpoint


# -- sending a response ------------------------------------------------------

#: The werkzeug methods :func:`serve` stands in for. A response class that
#: overrides any of them is always served through its own ``__call__``.
_SERVE_METHODS = (
    "__call__",
    "get_wsgi_response",
    "get_wsgi_headers",
    "get_app_iter",
    "iter_encoded",
    "close",
)
_plain_classes: dict[type, bool] = {}


def _is_plain(cls: type) -> bool:
    plain = _plain_classes.get(cls)
    if plain is None:
        plain = all(
            getattr(cls, name) is getattr(BaseResponse, name) for name in _SERVE_METHODS
        )
        _plain_classes[cls] = plain
    return plain


def serve(
    response: BaseResponse, environ: WSGIEnvironment, start_response: StartResponse
) -> t.Iterable[bytes]:
    """Send ``response`` as werkzeug's ``Response.__call__`` would.

    The common case, a buffered body of bytes with no ``Location`` header,
    no close callbacks and a status that has a body, is sent directly: the
    header list is passed as is and the body list is the WSGI iterable
    (closing it would do nothing). Everything else goes through werkzeug.
    """
    body = response.response
    status = response.status_code
    if (
        type(body) is list
        and not response._on_close
        and 200 <= status < 600
        and status != 204
        and status != 304
        and environ["REQUEST_METHOD"] != "HEAD"
        and _is_plain(type(response))
    ):
        headers = response.headers.to_wsgi_list()
        has_length = False
        for key, _value in headers:
            key = key.lower()
            if key == "content-length":
                has_length = True
            elif key == "location" or key == "content-location":
                break
        else:
            for chunk in body:  # pyright: ignore[reportUnknownVariableType]
                if type(chunk) is not bytes:  # pyright: ignore[reportUnknownArgumentType]
                    break
            else:
                if not has_length and response.automatically_set_content_length:
                    headers.append(("Content-Length", str(sum(map(len, body)))))  # pyright: ignore[reportUnknownArgumentType]
                start_response(response.status, headers)
                return body  # pyright: ignore[reportUnknownVariableType]
    return response(environ, start_response)
