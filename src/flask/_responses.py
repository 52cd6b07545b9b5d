"""Turning a view's return value into a response object."""

from __future__ import annotations

import typing as t
from collections.abc import AsyncIterator
from collections.abc import Iterator

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Response as BaseResponse

from ._class_memo import ClassMemo
from ._class_memo import MISSING
from .globals import _cv_app_get

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

    from . import typing as ft
    from .app import Flask
    from .wrappers import Response

_BODY_TYPES = (str, bytes, bytearray)
_HEADER_TYPES = (Headers, dict, tuple, list)


def make_response(app: Flask, rv: ft.ResponseReturnValue) -> Response:
    """Convert ``rv`` (see :meth:`flask.Flask.make_response`) to
    ``app.response_class``, raising a ``TypeError`` that says what was wrong."""
    response_class = app.response_class
    rv_type = type(rv)
    # The common cases first.
    if rv_type is response_class:
        return rv  # type: ignore[return-value]
    if rv_type is str:
        text: str = rv  # type: ignore[assignment]  # no t.cast call per request
        content_type = _default_content_type(response_class)
        if content_type is not None:
            if _fast_text(response_class, content_type):
                return _text_response(response_class, text, content_type)
            return response_class(text, content_type=content_type)
        return response_class(text)
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

    if type(rv) is str and status is None and type(headers) is dict:  # pyright: ignore[reportUnknownArgumentType]
        given: dict[t.Any, t.Any] = headers  # pyright: ignore[reportUnknownVariableType]
        fast = _text_with_headers(response_class, rv, given)  # pyright: ignore[reportArgumentType]
        if fast is not None:
            return fast
    if not isinstance(rv, response_class):
        if isinstance(rv, (*_BODY_TYPES, Iterator, AsyncIterator)):
            # Status and headers go straight into the constructor.
            rv = response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportUnknownArgumentType]
            status = headers = None
        elif isinstance(rv, (dict, list)):
            rv = app.json.response(rv)
        elif (
            isinstance(rv, HTTPException)
            and (fast := _from_http_exception(response_class, rv, _environ()))
            is not None
        ):
            rv = fast
        elif isinstance(rv, BaseResponse) or callable(rv):  # pyright: ignore[reportUnknownArgumentType]
            try:
                rv = response_class.force_type(rv, _environ())  # type: ignore[arg-type]
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


_BODILESS = frozenset({204, 304})


def _from_http_exception(
    cls: type[Response], e: HTTPException, environ: t.Any
) -> Response | None:
    """``cls.force_type(e, environ)`` for an HTTP error without running it as
    a WSGI app through werkzeug's test machinery: the same status, headers
    (``get_wsgi_headers``) and body bytes, the body as a list.

    ``None`` (use ``force_type``) unless the exception and the response it
    gives are werkzeug's own classes with a plain byte-list body, the case of
    every ``abort(code)`` without a handler.
    """
    if type(e).__call__ is not HTTPException.__call__ or environ is None:
        return None
    key = _error_page_key(e)
    page = _error_pages.get(key) if key is not None else None
    if page is None:
        base = e.get_response(environ)
        if type(base) is not BaseResponse:
            return None
        response: object = base.response
        if base.direct_passthrough or base._on_close or type(response) is not list:
            return None
        for chunk in response:  # pyright: ignore[reportUnknownVariableType]
            if type(chunk) is not bytes:  # pyright: ignore[reportUnknownArgumentType]
                return None
        page = (
            base.status,
            base.status_code,
            list(base.get_wsgi_headers(environ).items()),
            b"".join(response),  # pyright: ignore[reportUnknownArgumentType]
        )
        if key is not None:
            if len(_error_pages) >= _ERROR_PAGES_SIZE:
                _error_pages.clear()
            _error_pages[key] = page
    status, code, headers, data = page
    body = [data] if data else []
    if (
        environ.get("REQUEST_METHOD") == "HEAD"
        or code in _BODILESS
        or 100 <= code < 200
    ):
        body = []
    # As force_type does: a werkzeug response whose class is then switched,
    # so a response_class with its own __init__ is not called either.
    rv = BaseResponse(body, status, list(headers))
    rv.__class__ = cls
    return t.cast("Response", rv)


#: Error pages by (class, code, description): the status, WSGI headers and
#: body werkzeug renders for them, which depend on nothing else for its own
#: exception classes (see :func:`_error_page_key`).
_error_pages: dict[t.Any, tuple[str, int, list[tuple[str, str]], bytes]] = {}
_ERROR_PAGES_SIZE = 256
_ERROR_PAGE_METHODS = (
    "get_response",
    "get_body",
    "get_headers",
    "get_description",
    "name",
)
_pure_error_classes: ClassMemo[bool] = ClassMemo()


def _renders_plain_pages(cls: type) -> bool:
    """Whether error class ``cls`` leaves its page to :class:`HTTPException`."""
    return all(
        getattr(cls, name) is getattr(HTTPException, name)
        for name in _ERROR_PAGE_METHODS
    )


def _error_page_key(e: HTTPException) -> tuple[t.Any, ...] | None:
    """The key of ``e``'s page in ``_error_pages``, or ``None`` when its
    page may depend on more than its class, code and description (a class
    that renders its page or headers itself, a set response, a description
    that is not a plain string)."""
    cls = type(e)
    pure = _pure_error_classes.fast.get(cls)
    if pure is None:
        pure = _pure_error_classes.lookup(cls, _renders_plain_pages)
    if not pure or e.response is not None or vars(e).keys() - _PLAIN_ERROR_ATTRS:
        return None
    description = e.description
    if description is not None and type(description) is not str:
        return None
    return (cls, e.code, description)


#: Instance attributes a plain ``abort(code)`` or ``abort(code, text)``
#: error has (others, set by a subclass or the caller, may change its page).
_PLAIN_ERROR_ATTRS = frozenset({"description", "response"})


_fast_text_classes: ClassMemo[bool] = ClassMemo()
#: Per class: mimetype -> the content type to pass, or ``None`` (build it
#: through the constructor).
_mimetype_content_types: ClassMemo[dict[str, str | None]] = ClassMemo()
_NO_TYPES: dict[str, str | None] = {}


def mimetype_response(cls: type[t.Any], text: str, mimetype: str) -> t.Any:
    """``cls(text, mimetype=mimetype)``, built directly (see
    :func:`_text_response`) when that gives the same response for ``cls``."""
    # _mimetype_content_type(cls, mimetype), without a call once known.
    content_type = _mimetype_content_types.fast.get(cls, _NO_TYPES).get(
        mimetype, MISSING
    )
    if content_type is MISSING:
        content_type = _mimetype_content_type(cls, mimetype)
    if content_type is None:
        return cls(text, mimetype=mimetype)
    return _text_response(cls, text, content_type)


def _mimetype_content_type(cls: type[t.Any], mimetype: str) -> str | None:
    """The ``Content-Type`` to build ``cls(text, mimetype=mimetype)`` with
    :func:`_text_response`, or ``None`` when that would differ."""
    by_mimetype = _mimetype_content_types.fast.get(cls, MISSING)
    if by_mimetype is MISSING:
        by_mimetype = _mimetype_content_types.find(cls)
        if by_mimetype is MISSING:
            by_mimetype = _mimetype_content_types.put(cls, {})
    content_type = by_mimetype.get(mimetype, MISSING)
    if content_type is MISSING:
        if len(by_mimetype) >= 64:
            by_mimetype.clear()
        content_type = None
        if cls.__init__ is BaseResponse.__init__:
            candidate = get_content_type(mimetype, "utf-8")
            same = (
                cls("x", mimetype=mimetype).headers.to_wsgi_list()
                == cls("x", content_type=candidate).headers.to_wsgi_list()
            )
            if same and _fast_text(cls, candidate):
                content_type = candidate
        by_mimetype[mimetype] = content_type
    return content_type


def plain_parts(app: Flask, value: t.Any) -> tuple[list[tuple[str, str]], bytes] | None:
    """For a view's ``str``, ``dict`` or ``(str, dict_of_headers)`` value:
    the header list and body that :func:`make_response` and then
    :func:`direct_parts` give (status 200, not for HEAD), without building
    the response; ``None`` where that is not known to be the same (a
    response class or JSON provider method of the user's, a header that
    werkzeug checks or rewrites)."""
    cls = app.response_class
    kind = type(value)  # pyright: ignore[reportUnknownVariableType]
    text: str
    given: list[tuple[str, str]] | None = None
    typed = False
    if kind is str or kind is tuple:
        content_type = _plain_text_types.fast.get(cls, MISSING)
        if content_type is MISSING:
            content_type = _plain_text_type(cls)
        if content_type is None:
            return None
        if kind is str:
            text = value
        elif (
            len(value) == 2  # pyright: ignore[reportUnknownArgumentType]
            and type(value[0]) is str
            and type(value[1]) is dict
        ):
            checked = _checked_headers(value[1])
            if checked is None or checked[2]:
                return None  # a Location header is made absolute when sent
            given, typed, _located = checked
            text = value[0]
        else:
            return None
    elif kind is dict:
        provider: t.Any = app.json
        if (
            type(provider).response  # pyright: ignore[reportUnknownMemberType]
            is not (_json_response or _default_json_response())
            or "response" in provider.__dict__
        ):
            return None
        mimetype: str = provider.mimetype
        content_type = _plain_json_types.get((cls, mimetype), MISSING)
        if content_type is MISSING:
            content_type = _plain_json_type(cls, mimetype)
        if content_type is None:
            return None
        text = provider._response_text(value)
    else:
        return None
    data = text.encode()
    if given is None:
        # A text response's headers: its type, then its length.
        return [
            ("Content-Type", content_type),
            _lengths.get(len(data)) or length_header(len(data)),
        ], data
    if not typed:
        given.append(("Content-Type", content_type))
    given.append(_lengths.get(len(data)) or length_header(len(data)))
    return given, data


#: ``Content-Length`` headers made before, by length (a tuple can be
#: shared: an int's decimal string costs several times the lookup).
_lengths: dict[int, tuple[str, str]] = {}

#: The most lengths kept; past it they start afresh.
_MAX_LENGTHS = 512


def length_header(size: int) -> tuple[str, str]:
    """The ``Content-Length`` header for a body of ``size`` bytes, kept
    in ``_lengths`` (hot paths look there first)."""
    header = ("Content-Length", str(size))
    if len(_lengths) >= _MAX_LENGTHS:
        _lengths.clear()
    _lengths[size] = header
    return header


_plain_text_types: ClassMemo[str | None] = ClassMemo()


def _plain_text_type(cls: type[Response]) -> str | None:
    """The ``Content-Type`` of a view's ``str`` for :func:`plain_parts`
    (remembered per class), or ``None`` when ``cls`` is not served as
    werkzeug serves or its text responses are built otherwise."""
    found = _plain_text_types.find(cls)
    if found is not MISSING:
        return found
    content_type = _default_content_type(cls) if _is_plain(cls) else None
    if content_type is not None and not _fast_text(cls, content_type):
        content_type = None
    return _plain_text_types.put(cls, content_type)


#: (response class, mimetype) -> what :func:`_plain_json_type` gives.
_plain_json_types: dict[tuple[type[t.Any], str], str | None] = {}


def _plain_json_type(cls: type[Response], mimetype: str) -> str | None:
    """The ``Content-Type`` of a view's ``dict`` for :func:`plain_parts`
    with a JSON provider of ``mimetype`` (remembered, up to 64), or
    ``None`` when ``cls`` is not served as werkzeug serves or builds such
    responses otherwise."""
    content_type = _mimetype_content_type(cls, mimetype) if _is_plain(cls) else None
    if len(_plain_json_types) >= 64:
        _plain_json_types.clear()
    _plain_json_types[cls, mimetype] = content_type
    return content_type


def _default_json_response() -> t.Any:
    """``DefaultJSONProvider.response`` as Flask defines it (imported on
    first use: the JSON provider module imports this one)."""
    global _json_response
    if _json_response is None:
        from .json.provider import _DEFAULT_RESPONSE

        _json_response = _DEFAULT_RESPONSE
    return _json_response


_json_response: t.Any = None


def _text_with_headers(
    cls: type[Response], text: str, given: dict[t.Any, t.Any]
) -> Response | None:
    """``cls(text, headers=given)`` (a view's ``(text, headers_dict)``),
    built directly when :func:`_checked_headers` accepts the headers;
    ``None`` otherwise.

    The constructor keeps the given headers in order, adds the default
    ``Content-Type`` after them unless one is given, then the length.
    """
    content_type = _default_content_type(cls)
    if content_type is None or not _fast_text(cls, content_type):
        return None
    checked = _checked_headers(given)
    if checked is None:
        return None
    items, typed, _located = checked
    return _text_response(cls, text, None if typed else content_type, items)


def _checked_headers(
    given: dict[t.Any, t.Any],
) -> tuple[list[tuple[str, str]], bool, bool] | None:
    """A view's headers dict as the header list a response constructor
    makes of it, when every header is a ``str`` name and a ``str`` value
    without a line break and none is ``Content-Length`` (else ``None``);
    with whether one is ``Content-Type`` and whether one is ``Location``
    or ``Content-Location``."""
    items: list[tuple[str, str]] = []
    typed = located = False
    for key, value in given.items():
        if (
            type(key) is not str
            or type(value) is not str
            or "\n" in value
            or "\r" in value
        ):
            return None
        lower = key.lower()
        if lower == "content-length":
            return None
        if lower == "content-type":
            typed = True
        elif lower == "location" or lower == "content-location":
            located = True
        items.append((key, value))
    return items, typed, located


def _text_response(
    cls: type[Response],
    text: str,
    content_type: str | None,
    given: list[tuple[str, str]] | None = None,
) -> Response:
    """``cls(text, content_type=content_type)`` without the constructor's
    header validation: the attributes it would set, set directly (after
    the ``given`` headers, checked by the caller)."""
    data = text.encode()
    # Headers() without its __init__, which only sets the list (checked by
    # _fast_text with the rest).
    headers = _new_object(Headers)
    if given is None:
        # A text response's headers: its type, then its length.
        headers._list = [
            ("Content-Type", content_type),  # type: ignore[list-item]  # pyright: ignore[reportAttributeAccessIssue]
            _lengths.get(len(data)) or length_header(len(data)),
        ]
    else:
        if content_type is not None:
            given.append(("Content-Type", content_type))
        given.append(_lengths.get(len(data)) or length_header(len(data)))
        headers._list = given
    rv = _new_object(cls)  # (_fast_text checked cls.__new__ is object's)
    # Set one by one, in the constructor's order (a third cheaper than
    # updating ``__dict__`` from keywords).
    rv.headers = headers
    rv._status = "200 OK"
    rv._status_code = 200
    rv.direct_passthrough = False
    rv._on_close = []
    rv.response = [data]
    return rv


def _fast_text(cls: type[Response], content_type: str) -> bool:
    """Whether :func:`_text_response` builds for ``cls`` exactly what its
    constructor builds: checked once per class by building one both ways
    (this also catches a werkzeug version that sets other attributes)."""
    known = _fast_text_classes.fast.get(cls, MISSING)
    if known is MISSING:
        known = _fast_text_classes.find(cls)
    if known is not MISSING:
        return known
    ok = False
    if (
        cls.__new__ is object.__new__
        and cls.default_status == 200
        and cls.automatically_set_content_length
    ):
        try:
            fast = _text_response(cls, "é<x>", content_type)
            slow = cls("é<x>", content_type=content_type)
            ok = (
                list(vars(fast)) == list(vars(slow))
                and fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
                and type(fast.headers) is type(slow.headers)
                and vars(fast.headers).keys() == vars(slow.headers).keys()
                and all(
                    getattr(fast, k) == getattr(slow, k)
                    for k in vars(slow)
                    if k != "headers"
                )
            )
        except Exception:
            ok = False
    return _fast_text_classes.put(cls, ok)


#: ``object.__new__``, looked up once (called on a class, it is looked up
#: at each call).
_new_object = object.__new__
_content_types: ClassMemo[str | None] = ClassMemo()


def _default_content_type(cls: type[Response]) -> str | None:
    """The ``Content-Type`` werkzeug's constructor gives a response of class
    ``cls`` without arguments, or ``None`` if that cannot be passed in
    directly (a custom ``__init__``, no default mimetype). Passing it skips
    a header lookup that raises and catches ``KeyError`` per response."""
    value = _content_types.fast.get(cls, MISSING)
    if value is MISSING:
        value = _content_types.find(cls)
    if value is not MISSING:
        return value
    value = None
    if cls.__init__ is BaseResponse.__init__ and cls.default_mimetype:
        value = get_content_type(cls.default_mimetype, "utf-8")
    return _content_types.put(cls, value)


def _environ() -> WSGIEnvironment:
    """The current request's environ (empty without one), for a value that
    becomes a response by running it as an HTTP error or WSGI app."""
    ctx = _cv_app_get(None)
    request = None if ctx is None else ctx._request
    return {} if request is None else request.environ


def _current_endpoint() -> str | None:
    ctx = _cv_app_get(None)
    if ctx is None or ctx._request is None:
        return None
    return ctx._request.endpoint


# -- sending a response ------------------------------------------------------

#: The werkzeug methods :func:`serve` stands in for. A response class that
#: overrides any of them is always served through its own ``__call__``.
_SERVE_METHODS = (
    "__call__",
    "status",
    "status_code",
    "get_wsgi_response",
    "get_wsgi_headers",
    "get_app_iter",
    "iter_encoded",
    "close",
)
_plain_classes: ClassMemo[bool] = ClassMemo()


def _is_plain(cls: type) -> bool:
    plain = _plain_classes.fast.get(cls)
    if plain is None:
        plain = _plain_classes.lookup(cls, _serves_like_werkzeug)
    return plain


def _serves_like_werkzeug(cls: type) -> bool:
    return all(
        getattr(cls, name) is getattr(BaseResponse, name) for name in _SERVE_METHODS
    )


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
    if hasattr(body, "__aiter__"):
        # An async iterable body: each chunk is awaited on this thread's loop.
        from ._async import SyncIterator

        response.response = SyncIterator(t.cast("t.AsyncIterable[t.Any]", body))
        return response(environ, start_response)
    direct = direct_parts(response, environ["REQUEST_METHOD"] == "HEAD")
    if direct is not None:
        headers, chunks = direct
        # The status as the property gives it (direct_parts checked the
        # class serves like werkzeug's).
        start_response(response._status, headers)
        return chunks
    return response(environ, start_response)


#: Header names (as responses usually spell them) that :func:`direct_parts`
#: passes without looking further: neither a length nor a location.
_SENT_AS_IS = frozenset(
    {
        "Content-Type",
        "Set-Cookie",
        "Vary",
        "Cache-Control",
        "ETag",
        "Last-Modified",
        "Expires",
        "Content-Encoding",
        "Content-Disposition",
        "Access-Control-Allow-Origin",
    }
)


def direct_parts(
    response: BaseResponse, head: bool
) -> tuple[list[tuple[str, str]], list[bytes]] | None:
    """The header list and body chunks :func:`serve` sends directly (the
    common case it describes) for a request that is a HEAD request or not
    (``head``), or ``None`` when werkzeug must serve it."""
    chunks: list[bytes] = response.response  # type: ignore[assignment]
    if type(chunks) is not list:
        return None
    cls = type(response)
    # _is_plain(cls), without a call once it is known.
    plain = _plain_classes.fast.get(cls)
    if plain is None:
        plain = _is_plain(cls)
    if not plain:
        return None
    # What the status properties give, for a class that serves like
    # werkzeug's (its own status properties included).
    status: int = response._status_code
    if (
        response._on_close
        or not 200 <= status < 600
        or status == 204
        or status == 304
        or head
    ):
        return None
    headers_obj = response.headers
    if type(headers_obj) is Headers:
        # to_wsgi_list() of werkzeug's own class: a copy of its list.
        headers = list(headers_obj._list)
    else:
        headers = headers_obj.to_wsgi_list()
    has_length = False
    for key, _value in headers:
        if key in _SENT_AS_IS:
            continue
        key = key.lower()
        if key == "content-length":
            has_length = True
        elif key == "location" or key == "content-location":
            return None
    for chunk in chunks:
        if type(chunk) is not bytes:
            return None
    if not has_length and response.automatically_set_content_length:
        size = sum(map(len, chunks))
        headers.append(_lengths.get(size) or length_header(size))
    return headers, chunks
