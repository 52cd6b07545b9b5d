"""Turning a view's return value into a response object."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as BaseResponse

from . import typing as ft
from .globals import _cv_app

if t.TYPE_CHECKING:
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
        return response_class(t.cast(str, rv))
    if rv_type is dict:
        return app.json.response(rv)  # type: ignore[return-value]

    status: t.Any = None
    headers: t.Any = None
    if isinstance(rv, tuple):
        n = len(rv)
        if n == 3:
            rv, status, headers = rv  # type: ignore[misc]
        elif n == 2:
            if isinstance(rv[1], _HEADER_TYPES):
                rv, headers = rv
            else:
                rv, status = rv
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
            rv = response_class(rv, status=status, headers=headers)
            status = headers = None
        elif isinstance(rv, (dict, list)):
            rv = app.json.response(rv)
        elif isinstance(rv, BaseResponse) or callable(rv):
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
                f" {type(rv).__name__}."
            )

    response = t.cast("Response", rv)
    if status is not None:
        if isinstance(status, (str, bytes, bytearray)):
            response.status = status  # type: ignore[assignment]
        else:
            response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def _current_endpoint() -> str | None:
    ctx = _cv_app.get(None)
    if ctx is None or ctx._request is None:
        return None
    return ctx._request.endpoint
