"""Errors with extra explanations, raised only in debug mode."""

from __future__ import annotations

import typing as t

from werkzeug.routing import RequestRedirect

from ._lazy import lazy_names as _lazy_names

if t.TYPE_CHECKING:
    from .wrappers import Request


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised in debug mode for unicode errors that are a programming mistake."""


class DebugFilesKeyError(KeyError, AssertionError):
    """Raised in debug mode when ``request.files`` is accessed for a key that
    is missing because the form was not sent as ``multipart/form-data``."""

    def __init__(self, request: Request, key: str) -> None:
        form_matches = request.form.getlist(key)
        lines = [
            f"You tried to access the file {key!r} in the request.files"
            " dictionary but it does not exist. The mimetype for the request"
            f" is {request.mimetype!r} instead of 'multipart/form-data' which"
            " means that no file contents were transmitted. To fix this error"
            ' you should provide enctype="multipart/form-data" in your form.'
        ]
        if form_matches:
            names = ", ".join(repr(x) for x in form_matches)
            lines.append(
                "\n\nThe browser instead transmitted some file names. This was"
                f" submitted: {names}"
            )
        self.msg: str = "".join(lines)

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """Raised in debug mode when routing would redirect a request with a body
    (e.g. a POST to a URL without its trailing slash): the browser would drop
    the form data on the redirect."""

    def __init__(self, request: Request) -> None:
        exc = request.routing_exception
        assert isinstance(exc, RequestRedirect)
        buf = [
            f"A request was sent to '{request.url}', but routing issued"
            f" a redirect to the canonical URL '{exc.new_url}'."
        ]
        if f"{request.base_url}/" == exc.new_url.partition("?")[0]:
            buf.append(
                " The URL was defined with a trailing slash. Flask will"
                " redirect to the URL with a trailing slash if it was"
                " accessed without one."
            )
        buf.append(
            " Send requests to the canonical URL, or use 307 or 308 for"
            " routing redirects. Otherwise, browsers will drop form data."
            "\n\nThis exception is only raised in debug mode."
        )
        super().__init__("".join(buf))


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` (with an
    explanation) instead of a plain 400 when the form had the wrong enctype."""
    oldcls = request.files.__class__

    class newcls(oldcls):  # type: ignore[valid-type, misc]
        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as e:
                if key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(
                    e.__traceback__
                ) from None

    newcls.__name__ = oldcls.__name__
    newcls.__module__ = oldcls.__module__
    request.files.__class__ = newcls


__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
]


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "App": ".sansio.app:App",
        "BaseLoader": "jinja2:BaseLoader",
        "Blueprint": ".blueprints:Blueprint",
        "explain_template_loading_attempts": ".templating:_explain_attempts",
        "request_ctx": ".globals:request_ctx",
    },
)
