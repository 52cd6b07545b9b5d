"""Flask's request and response classes, on werkzeug's."""

from __future__ import annotations

import typing as t
from urllib.parse import unquote
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser as _WzFormDataParser
from werkzeug.sansio.request import Request as _SansioRequest
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request as RequestBase
from werkzeug.wrappers import Response as ResponseBase
from werkzeug.wsgi import _get_server
from werkzeug.wsgi import get_input_stream
from werkzeug.wsgi import LimitedStream

from . import json
from ._class_memo import ClassMemo
from ._class_memo import MISSING
from ._lazy import lazy_names as _lazy_names
from .globals import _cv_app_get

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.datastructures import MultiDict
    from werkzeug.formparser import t_parse_result
    from werkzeug.routing import Rule

    from ._websocket import Websocket as Websocket

# werkzeug's class-level defaults, used outside an app context.
_WZ_MAX_CONTENT_LENGTH = RequestBase.max_content_length
_WZ_MAX_FORM_MEMORY = RequestBase.max_form_memory_size
_WZ_MAX_FORM_PARTS = RequestBase.max_form_parts

# Bytes that are not UTF-8 stay percent-encoded (``\xff`` -> ``%FF``), as
# werkzeug already does for percent-encoded invalid bytes.
_URL_QUOTE = "werkzeug.url_quote"


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(text, keep_blank_values=True,
    errors="werkzeug.url_quote")``, with the per-field work skipped where
    there is nothing to do: a name or value without ``%`` is only ``+`` to
    space (``unquote`` returns such a string unchanged)."""
    rv: list[tuple[str, str]] = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        name = name.replace("+", " ")
        if "%" in name:
            name = _unquote(name)
        value = value.replace("+", " ")
        if "%" in value:
            value = _unquote(value)
        rv.append((name, value))
    return rv


def _unquote(text: str) -> str:
    """``unquote(text, "utf-8", "werkzeug.url_quote")``. For ASCII text (what
    clients send) that is the decoded bytes of the whole string, which is
    what ``unquote`` computes after splitting the text into ASCII runs."""
    if text.isascii():
        return unquote_to_bytes(text).decode("utf-8", _URL_QUOTE)
    return unquote(text, "utf-8", _URL_QUOTE)


class FormDataParser(_WzFormDataParser):
    """werkzeug's form parser, except that a form is never silently emptied.

    werkzeug turns any parse error into an empty form, so a view could not
    tell a broken body from one without fields. Here a URL-encoded body
    keeps bytes that are not UTF-8 percent-encoded (like the query string),
    and a multipart body that cannot be parsed is a 400. ``silent=True``
    restores werkzeug's behaviour for multipart.
    """

    def __init__(
        self,
        stream_factory: t.Any = None,
        max_form_memory_size: int | None = None,
        max_content_length: int | None = None,
        cls: type[MultiDict[str, t.Any]] | None = None,
        silent: bool = False,
        *,
        max_form_parts: int | None = None,
    ) -> None:
        super().__init__(
            stream_factory,
            max_form_memory_size,
            max_content_length,
            cls,
            silent,
            max_form_parts=max_form_parts,
        )

    def parse(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> t_parse_result:
        """Parse a URL-encoded or multipart body into ``(stream, form, files)``;
        other mimetypes give empty ones."""
        if mimetype == "application/x-www-form-urlencoded":
            text = self._read_urlencoded(stream, content_length).decode(
                "utf-8", _URL_QUOTE
            )
            return stream, self.cls(parse_pairs(text)), self.cls()
        if mimetype != "multipart/form-data" or self.silent:
            return super().parse(stream, mimetype, content_length, options)
        if content_length == 0:
            return stream, self.cls(), self.cls()
        if not options or not options.get("boundary"):
            raise BadRequest("The multipart form data has no boundary parameter.")
        try:
            return super().parse(stream, mimetype, content_length, options)
        except ValueError as e:
            if _nothing_read(stream):
                # No body at all (e.g. chunked and empty): an empty form.
                return stream, self.cls(), self.cls()
            raise BadRequest("The multipart form data could not be parsed.") from e

    def _read_urlencoded(
        self, stream: t.IO[bytes], content_length: int | None
    ) -> bytes:
        """The URL-encoded body, at most ``max_form_memory_size`` bytes
        (``MAX_FORM_MEMORY_SIZE``): a longer body is a 413, whether its
        length is announced or not (a chunked body is read one byte past
        the limit to tell)."""
        limit = self.max_form_memory_size
        if limit is None:
            return stream.read()
        if content_length is not None and content_length > limit:
            raise RequestEntityTooLarge()
        if isinstance(stream, LimitedStream) and stream.limit <= limit:
            # Already bounded (by Content-Length or MAX_CONTENT_LENGTH).
            return stream.read()
        chunks: list[bytes] = []
        size = 0
        # Ask for what is announced (plus one byte, to see more), else for
        # 64 KiB at a time: a raw stream's read(n) allocates n bytes first.
        step = 65536 if content_length is None else content_length + 1
        while size <= limit:
            # A raw stream may return less than asked before its end.
            chunk = stream.read(min(limit + 1 - size, step))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        return b"".join(chunks)


def _nothing_read(stream: t.IO[bytes]) -> bool:
    """Whether ``stream`` is known to be at its start."""
    try:
        return stream.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False


def _decode_wsgi(value: str) -> str:
    # A WSGI string (latin-1 code points) as the UTF-8 text it carries.
    return value.encode("latin1").decode(errors="replace")


_plain_init_classes: ClassMemo[bool] = ClassMemo()
_SAMPLE_ENVIRON = {
    "REQUEST_METHOD": "post",
    "wsgi.url_scheme": "https",
    "SERVER_NAME": "example.test",
    "SERVER_PORT": "8443",
    "SCRIPT_NAME": "/r\xc3\xa9/",
    "PATH_INFO": "//p\xc3\xa4th/\xff",
    "QUERY_STRING": "a=1&b=\xe9",
    "HTTP_HOST": "example.test:8443",
    "REMOTE_ADDR": "127.0.0.1",
}


def _plain_init(cls: t.Any) -> bool:
    """Whether :class:`Request`'s one-step constructor gives ``cls`` what
    werkzeug's constructors give: no class after it in the MRO defines
    ``__init__`` (a subclass's own ``__init__`` calls this one), and a sample
    request built both ways has the same attributes (this also catches a
    werkzeug version that sets others)."""
    known = _plain_init_classes.fast.get(cls, MISSING)
    if known is MISSING:
        known = _plain_init_classes.find(cls)
    if known is not MISSING:
        return known
    ok = False
    mro = cls.__mro__
    after = mro[mro.index(Request) + 1 :]  # subclasses' own __init__ call ours
    allowed = {RequestBase, _SansioRequest, object}
    if all("__init__" not in vars(k) for k in after if k not in allowed):
        _plain_init_classes.put(cls, True)  # the fast build below asks again
        try:
            fast: Request = cls.__new__(cls)
            Request.__init__(fast, dict(_SAMPLE_ENVIRON))
            slow: Request = cls.__new__(cls)
            RequestBase.__init__(slow, dict(_SAMPLE_ENVIRON))
            ok = (
                list(vars(fast)) == list(vars(slow))
                and list(fast.headers.items()) == list(slow.headers.items())
                and all(
                    getattr(fast, k) == getattr(slow, k)
                    for k in vars(slow)
                    if k not in {"headers", "environ"}
                )
            )
        except Exception:
            ok = False
    return _plain_init_classes.put(cls, ok)


class Request(RequestBase):
    """The request object behind :data:`flask.request`.

    Adds what routing found (``url_rule``, ``view_args``, ``endpoint``,
    ``blueprint``) and takes body limits from the current app's config.
    """

    json_module: t.Any = json
    form_data_parser_class: type[_WzFormDataParser] = FormDataParser

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        # werkzeug's two constructors (WSGI, then sans-IO) in one step, when a
        # one-time check per class shows the same attributes come out.
        if not _plain_init(type(self)):
            super().__init__(environ, populate_request, shallow)
            return
        get = environ.get
        self.method: str = get("REQUEST_METHOD", "GET").upper()
        self.scheme: str = get("wsgi.url_scheme", "http")
        self.server: tuple[str, int | None] | None = _get_server(environ)
        # ASCII (the usual case) reads the same as latin-1 or UTF-8.
        script: str = get("SCRIPT_NAME") or ""
        if not script.isascii():
            script = _decode_wsgi(script)
        path: str = get("PATH_INFO") or ""
        if not path.isascii():
            path = _decode_wsgi(path)
        self.root_path: str = script.rstrip("/")
        self.path: str = "/" + path.lstrip("/")
        self.query_string: bytes = get("QUERY_STRING", "").encode("latin1")
        self.headers: EnvironHeaders = EnvironHeaders(environ)
        self.remote_addr: str | None = get("REMOTE_ADDR")
        self.environ = environ
        self.shallow = shallow
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    #: The rule that matched, or ``None`` before matching or on a routing error.
    url_rule: Rule | None = None
    #: The URL values that matched the rule.
    view_args: dict[str, t.Any] | None = None
    #: The 404/405/redirect raised while matching (or the 400 for a
    #: malformed ``Host`` header), if any; dispatch raises it.
    routing_exception: HTTPException | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string. Bytes that are not UTF-8 stay
        percent-encoded instead of failing with ``UnicodeDecodeError``."""
        return self.parameter_storage_class(
            parse_pairs(self.query_string.decode("utf-8", _URL_QUOTE))
        )

    @cached_property
    def full_path(self) -> str:
        """The path and query string; bytes that are not UTF-8 in the query
        string stay percent-encoded."""
        return f"{self.path}?{self.query_string.decode('utf-8', _URL_QUOTE)}"

    @cached_property
    def stream(self) -> t.IO[bytes]:
        """The body stream, limited to ``Content-Length`` and
        ``MAX_CONTENT_LENGTH`` (413 past it).

        A body the server terminates (chunked) that is longer than
        ``MAX_CONTENT_LENGTH`` is a 413 however it is read, never a body cut
        at the limit.
        """
        if self.shallow:
            raise RuntimeError(
                "This request was created with 'shallow=True': reading the"
                " input stream is disabled."
            )
        environ = self.environ
        limit = self.max_content_length
        if limit is not None and "wsgi.input_terminated" in environ:
            length = self.content_length
            if length is not None and length > limit:
                raise RequestEntityTooLarge()
            from ._terminated import TerminatedBody

            return t.cast("t.IO[bytes]", TerminatedBody(environ["wsgi.input"], limit))
        return get_input_stream(environ, max_content_length=limit)

    def _app_config(self, key: str, own: int | None, default: int | None) -> int | None:
        """A per-request override, else the current app's config, else
        werkzeug's default."""
        if own is not None:
            return own
        ctx = _cv_app_get(None)
        if ctx is None:
            return default
        return ctx.app.config[key]  # type: ignore[no-any-return]

    @property
    def max_content_length(self) -> int | None:
        """Largest accepted body in bytes (``MAX_CONTENT_LENGTH``): a larger
        body is a 413 when form data or the stream is read."""
        return self._app_config(
            "MAX_CONTENT_LENGTH", self._max_content_length, _WZ_MAX_CONTENT_LENGTH
        )

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest non-file form field in bytes (``MAX_FORM_MEMORY_SIZE``)."""
        return self._app_config(
            "MAX_FORM_MEMORY_SIZE", self._max_form_memory_size, _WZ_MAX_FORM_MEMORY
        )

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        self._max_form_memory_size = value

    @property  # type: ignore[override]
    def max_form_parts(self) -> int | None:
        """Most fields in a multipart form (``MAX_FORM_PARTS``)."""
        return self._app_config(
            "MAX_FORM_PARTS", self._max_form_parts, _WZ_MAX_FORM_PARTS
        )

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    def close(self) -> None:
        """Close the uploaded files, if the form was parsed and has any."""
        # werkzeug's close iterates the files even when there are none.
        if self.__dict__.get("files"):
            super().close()

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint the endpoint belongs to."""
        rule = self.url_rule
        if rule is None:
            return None
        endpoint: str = rule.endpoint
        if "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except HTTPException:
            # A 400 or 413 while parsing: later reads (an error handler, a
            # teardown function) see an empty form instead of parsing the
            # half-read body again and failing differently.
            d = self.__dict__
            if "form" not in d:
                d["form"] = self.parameter_storage_class()
                d["files"] = self.parameter_storage_class()
            raise
        ctx = _cv_app_get(None)
        if (
            ctx is not None
            and ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            from .debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

    def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> t.Any:
        """Parse the body as JSON; see werkzeug's ``get_json``.

        JSON nested too deeply for the parser (``RecursionError``) is handled
        like invalid JSON: ``None`` if ``silent``, else a 400.
        """
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as e:
            if silent:
                return None
            error = ValueError("The JSON data is nested too deeply.")
            error.__cause__ = e
            return self.on_json_loading_failed(error)

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Invalid JSON is a 400 (a 415 for a non-JSON content type); the
        parser's message is only shown in debug mode."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as ebr:
            ctx = _cv_app_get(None)
            if ctx is not None and ctx.app.debug:
                raise
            raise BadRequest() from ebr


class Response(ResponseBase):
    """The response class used by default: HTML mimetype, JSON via the app's
    provider, and the cookie size limit from ``MAX_COOKIE_SIZE``."""

    default_mimetype: str | None = "text/html"
    json_module = json
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app, else werkzeug's default."""
        ctx = _cv_app_get(None)
        if ctx is not None:
            return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]
        return super().max_cookie_size


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "current_app": ".globals:current_app",
        "Websocket": "._websocket:Websocket",
    },
)
