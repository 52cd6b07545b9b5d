"""Flask's request and response classes, on werkzeug's."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request as RequestBase
from werkzeug.wrappers import Response as ResponseBase

from . import json
from .globals import _cv_app

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule

# werkzeug's class-level defaults, used outside an app context.
_WZ_MAX_CONTENT_LENGTH = RequestBase.max_content_length
_WZ_MAX_FORM_MEMORY = RequestBase.max_form_memory_size
_WZ_MAX_FORM_PARTS = RequestBase.max_form_parts


class Request(RequestBase):
    """The request object behind :data:`flask.request`.

    Adds what routing found (``url_rule``, ``view_args``, ``endpoint``,
    ``blueprint``) and takes body limits from the current app's config.
    """

    json_module: t.Any = json

    #: The rule that matched, or ``None`` before matching or on a routing error.
    url_rule: Rule | None = None
    #: The URL values that matched the rule.
    view_args: dict[str, t.Any] | None = None
    #: The 404/405/redirect raised while matching, if any.
    routing_exception: HTTPException | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    def _app_config(self, key: str, own: int | None, default: int | None) -> int | None:
        """A per-request override, else the current app's config, else
        werkzeug's default."""
        if own is not None:
            return own
        ctx = _cv_app.get(None)
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
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest non-file form field in bytes (``MAX_FORM_MEMORY_SIZE``)."""
        return self._app_config(
            "MAX_FORM_MEMORY_SIZE", self._max_form_memory_size, _WZ_MAX_FORM_MEMORY
        )

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
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
        super()._load_form_data()
        ctx = _cv_app.get(None)
        if (
            ctx is not None
            and ctx.app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            from .debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Invalid JSON is a 400 (a 415 for a non-JSON content type); the
        parser's message is only shown in debug mode."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as ebr:
            ctx = _cv_app.get(None)
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
        ctx = _cv_app.get(None)
        if ctx is not None:
            return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]
        return super().max_cookie_size
