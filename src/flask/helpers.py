"""Helper functions used in views: URLs, redirects, aborts, responses,
streaming, and re-exports of the file-sending and flashing helpers."""

from __future__ import annotations

import os
import typing as t
from functools import update_wrapper
from inspect import isasyncgenfunction

from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect

from ._lazy import lazy_names as _lazy_names
from ._paths import get_root_path as get_root_path
from .globals import _cv_app as _cv_app
from .globals import _cv_app_get
from .globals import _no_app_msg
from .globals import current_app

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response as BaseResponse

    # Re-exported (defined in their modules, imported on first use).
    from ._flash import flash as flash
    from ._flash import get_flashed_messages as get_flashed_messages
    from ._static import send_file as send_file
    from ._static import send_from_directory as send_from_directory
    from .sansio.app import App
    from .wrappers import Response

#: Helpers defined in their own modules, which load on first use.
RE_EXPORTED = {
    "flash": "._flash:flash",
    "get_flashed_messages": "._flash:get_flashed_messages",
    "send_file": "._static:send_file",
    "send_from_directory": "._static:send_from_directory",
}

_P = t.ParamSpec("_P")


def get_debug_flag() -> bool:
    """Whether the ``FLASK_DEBUG`` environment variable turns debug mode on."""
    val = os.environ.get("FLASK_DEBUG")
    return bool(val and val.lower() not in {"0", "false", "no"})


def _propagates(app: App) -> bool:  # pyright: ignore[reportUnusedFunction]
    """Whether ``app`` raises an unhandled error instead of answering with
    a 500: ``PROPAGATE_EXCEPTIONS``, by default on in testing or debug
    mode."""
    propagate: bool | None = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        return app.testing or app.debug
    return propagate


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files: ``False`` if ``FLASK_SKIP_DOTENV`` is
    set to a true value, else ``default``."""
    val = os.environ.get("FLASK_SKIP_DOTENV")
    if not val:
        return default
    return val.lower() in ("0", "false", "no")


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` as rule arguments (others
    become the query string).

    ``.name`` is relative to the current request's blueprint. Inside a request
    URLs are relative unless ``_external``; outside one they need
    ``SERVER_NAME`` and are absolute.
    """
    ctx = _cv_app_get(None)
    if ctx is None:  # what ``current_app`` raises, without the proxy's cost
        raise RuntimeError(_no_app_msg)
    return ctx.app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(
    location: str, code: int = 303, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A response redirecting to ``location`` (303 See Other by default).

    Inside an app context, :meth:`flask.Flask.redirect` builds it, so an app
    can change how redirects are made.
    """
    ctx = _cv_app_get(None)
    if ctx is not None and Response is None:
        return ctx.app.redirect(location, code=code)
    return _wz_redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the :class:`~werkzeug.exceptions.HTTPException` for ``code``
    (or raise with the given response)."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)


def make_response(*args: t.Any) -> Response:
    """Turn view-style return values into a response object, to add headers
    or cookies before returning it. With no arguments, an empty response."""
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """A macro or variable exported by a template, e.g. to call a macro from
    Python."""
    module = current_app.jinja_env.get_template(template_name).module
    return getattr(module, attribute)


@t.overload
def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr],
) -> t.Iterator[t.AnyStr]: ...


@t.overload
def stream_with_context(
    generator_or_function: t.AsyncIterator[t.AnyStr],
) -> t.AsyncIterator[t.AnyStr]: ...


@t.overload
def stream_with_context(
    generator_or_function: t.Callable[_P, t.Iterator[t.AnyStr]],
) -> t.Callable[_P, t.Iterator[t.AnyStr]]: ...


@t.overload
def stream_with_context(
    generator_or_function: t.Callable[_P, t.AsyncIterator[t.AnyStr]],
) -> t.Callable[_P, t.AsyncIterator[t.AnyStr]]: ...


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr]
    | t.AsyncIterator[t.AnyStr]
    | t.Callable[..., t.Iterator[t.AnyStr]]
    | t.Callable[..., t.AsyncIterator[t.AnyStr]],
) -> (
    t.Iterator[t.AnyStr]
    | t.AsyncIterator[t.AnyStr]
    | t.Callable[..., t.Iterator[t.AnyStr]]
    | t.Callable[..., t.AsyncIterator[t.AnyStr]]
):
    """Keep the current app context (with its request) active while a
    streamed response's generator runs, after the view has returned.

    Works on a generator or, as a decorator, on a generator function; async
    generators (and async generator functions) too.
    """
    if hasattr(generator_or_function, "__aiter__") or isasyncgenfunction(
        generator_or_function
    ):
        return t.cast(
            "t.AsyncIterator[t.AnyStr]",
            _async_stream_with_context(generator_or_function),
        )
    try:
        gen = iter(t.cast("t.Iterable[t.AnyStr]", generator_or_function))
    except TypeError:
        func = t.cast(t.Callable[..., t.Iterator[t.AnyStr]], generator_or_function)

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Iterator[t.AnyStr]:
            return stream_with_context(func(*args, **kwargs))

        return update_wrapper(decorator, func)

    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is"
            " active, such as in a view function."
        )

    def generator() -> t.Iterator[t.AnyStr | None]:
        with ctx:
            # Primed below, so the context is captured before the view returns.
            yield None
            try:
                yield from gen
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()

    wrapped = generator()
    next(wrapped)
    return wrapped  # type: ignore[return-value]


def _async_stream_with_context(agen_or_function: t.Any) -> t.Any:
    """:func:`stream_with_context` for an async generator (function)."""
    if isasyncgenfunction(agen_or_function):
        func = agen_or_function

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return _async_stream_with_context(func(*args, **kwargs))

        return update_wrapper(decorator, func)
    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    agen = agen_or_function.__aiter__()

    async def generator() -> t.AsyncIterator[t.Any]:
        with ctx:
            try:
                async for item in agen:
                    yield item
            finally:
                aclose = getattr(agen, "aclose", None)
                if aclose is not None:
                    await aclose()

    return generator()


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "BaseResponse": "werkzeug.wrappers:Response",
        "cache": "functools:cache",
        "datetime": "datetime:datetime",
        "importlib": "importlib",
        "message_flashed": ".signals:message_flashed",
        "request": ".globals:request",
        "request_ctx": ".globals:request_ctx",
        "session": ".globals:session",
        "sys": "sys",
        "werkzeug": "werkzeug",
        **RE_EXPORTED,
    },
)
