"""Test helpers: a client that calls the app without a server, a runner
for the app's CLI commands, and :class:`TestApp`, which runs the app's
serving lifespan around tests."""

from __future__ import annotations

import os
import typing as t
from contextlib import contextmanager
from contextlib import ExitStack
from copy import copy
from types import TracebackType
from urllib.parse import urlsplit

import werkzeug.test
from werkzeug.test import Client
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Request as BaseRequest
from werkzeug.wsgi import get_current_url

from ._hosts import encode_idna as _encode_idna
from ._hosts import host_syntax_ok as _host_syntax_ok
from ._lazy import lazy_names as _lazy_names
from .sessions import SessionMixin

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.datastructures import Headers
    from werkzeug.test import TestResponse

    from ._cli_runner import FlaskCliRunner as FlaskCliRunner
    from ._test_app import TestApp as TestApp
    from ._websocket_testing import (
        AsyncWebsocketTestSession as AsyncWebsocketTestSession,
    )
    from ._websocket_testing import WebsocketResponseError as WebsocketResponseError
    from ._websocket_testing import WebsocketTestConnection as WebsocketTestConnection
    from ._websocket_testing import WebsocketTestSession as WebsocketTestSession
    from .app import Flask


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """An environ builder whose defaults come from the app: host from
    ``SERVER_NAME``, path prefix from ``APPLICATION_ROOT``, scheme from
    ``PREFERRED_URL_SCHEME``, and JSON from ``app.json``."""

    def __init__(
        self,
        app: Flask,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise AssertionError(
                "Cannot pass 'subdomain' or 'url_scheme' with 'base_url'."
            )
        if base_url is None:
            http_host = app.config.get("SERVER_NAME") or "localhost"
            app_root = app.config["APPLICATION_ROOT"]
            if subdomain:
                http_host = f"{subdomain}.{http_host}"
            if url_scheme is None:
                url_scheme = app.config["PREFERRED_URL_SCHEME"]
            url = urlsplit(path)
            base_url = (
                f"{url.scheme or url_scheme}://{url.netloc or http_host}"
                f"/{app_root.lstrip('/')}"
            )
            path = url.path
            if url.query:
                path = f"{path}?{url.query}"
        self.app = app
        if _unchanged_by_iri_to_uri(base_url):
            # Werkzeug would pass it through ``iri_to_uri``, which returns a
            # URL of this shape unchanged but first loads the IDNA codec (a
            # few milliseconds, on every test run's first request).
            super().__init__(path, None, *args, **kwargs)
            self.base_url = base_url
        else:
            super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


#: What a path may hold for ``_unchanged_by_iri_to_uri``: characters no part
#: of a URL quotes.
_PATH_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/"
)


def _unchanged_by_iri_to_uri(url: str | None) -> bool:
    """Whether werkzeug's ``iri_to_uri`` gives ``url`` back as it is, known
    without calling it: an ``http`` or ``https`` URL whose host has
    werkzeug's host syntax (``_hosts.host_syntax_ok``, no IPv6
    brackets), is lowercase (``urlsplit`` lowers it) and has labels IDNA
    takes (``_hosts.encode_idna`` does not raise), and whose path
    has unreserved characters only; no user, query or fragment. Anything
    else answers ``False``, so the caller takes werkzeug's path.
    """
    if url is None or not url.isascii():
        return False
    scheme, sep, rest = url.partition("://")
    netloc, _, path = rest.partition("/")
    if (
        scheme not in ("http", "https")
        or not sep
        or not _host_syntax_ok(netloc)
        or netloc[0] == "["
        or netloc != netloc.lower()
        or not _PATH_CHARACTERS.issuperset(path)
    ):
        return False
    try:
        _encode_idna(netloc.partition(":")[0])
    except UnicodeError:
        return False
    return True


def _plain_hosts(environ: WSGIEnvironment) -> bool:
    """Whether the environ's hosts (``Host`` header, server name) can go
    into a URL that ``urlsplit`` takes without raising: ASCII strings
    without IPv6 brackets, or absent."""
    return all(
        host is None
        or (
            isinstance(host, str)
            and host.isascii()
            and "[" not in host
            and "]" not in host
        )
        for host in (environ.get("HTTP_HOST"), environ.get("SERVER_NAME"))
    )


_werkzeug_version_cache: list[str] = []


def _werkzeug_version() -> str:
    """Werkzeug's version for the client's ``User-Agent``, looked up once, on
    the first client.

    It is read from the metadata next to the imported ``werkzeug`` package,
    which is what ``importlib.metadata`` finds in any usual install, without
    importing that (slow) machinery; anything unusual falls back to it.
    """
    if not _werkzeug_version_cache:
        version = _version_from_dist_info()
        if version is None:
            import importlib.metadata

            try:
                version = importlib.metadata.version("werkzeug")
            except importlib.metadata.PackageNotFoundError:  # pragma: no cover
                version = "unknown"
        _werkzeug_version_cache.append(version)
    return _werkzeug_version_cache[0]


def _version_from_dist_info() -> str | None:
    """The ``Version`` of the single ``werkzeug-*.dist-info`` beside the
    imported package, or ``None`` when there is not exactly one."""
    site = os.path.dirname(os.path.dirname(werkzeug.__file__ or ""))
    try:
        found = [
            entry
            for entry in os.listdir(site)
            if entry.lower().startswith("werkzeug-") and entry.endswith(".dist-info")
        ]
    except OSError:
        return None
    if len(found) != 1:
        return None
    try:
        with open(os.path.join(site, found[0], "METADATA"), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    break
                if line.startswith("Version:"):
                    return line[8:].strip() or None
    except OSError:
        return None
    return None


class FlaskClient(Client):
    """The client returned by :meth:`flask.Flask.test_client`.

    ``with client:`` keeps the context of the last request active after it
    returns, so ``request``, ``session`` and ``g`` can be inspected.
    """

    application: Flask

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context: bool = False
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }

    # Werkzeug's client finds the cookies a request sends, and stores those
    # its response sets, by way of the request's full URL, whose host it
    # decodes with the IDNA codec: loading that codec costs several
    # milliseconds on a test run's first request. With no cookie to send or
    # to store, the URL is not needed. A host that could make building the
    # URL raise takes werkzeug's way, so it raises as it would there.

    def _add_cookies_to_wsgi(self, environ: WSGIEnvironment) -> None:
        if self._cookies is not None and not self._cookies and _plain_hosts(environ):
            environ.pop("HTTP_COOKIE", None)
            return
        super()._add_cookies_to_wsgi(environ)

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        self._add_cookies_to_wsgi(environ)
        response = run_wsgi_app(self.application, environ, buffered=buffered)
        set_cookie = response[2].getlist("Set-Cookie")
        if set_cookie or not _plain_hosts(environ):
            url = urlsplit(get_current_url(environ))
            self._update_cookies_from_response(
                url.hostname or "localhost", url.path, set_cookie
            )
        return response

    @contextmanager
    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Generator[SessionMixin, None, None]:
        """Open the client's session for changes outside a request; it is
        saved to the client's cookies when the block ends. Arguments are
        those of ``test_request_context``."""
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled. Create a client with 'use_cookies=True'."
            )
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            sess = app.session_interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError(
                "Session backend did not open a session. Check the configuration"
                " (is SECRET_KEY set?)."
            )
        yield sess
        resp = app.response_class()
        if app.session_interface.is_null_session(sess):
            return
        with ctx:
            app.session_interface.save_session(app, sess, resp)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            resp.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: WSGIEnvironment) -> WSGIEnvironment:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        if args and isinstance(
            args[0], (werkzeug.test.EnvironBuilder, dict, BaseRequest)
        ):
            if isinstance(args[0], werkzeug.test.EnvironBuilder):
                builder = copy(args[0])
                builder.environ_base = self._copy_environ(builder.environ_base or {})  # type: ignore[arg-type]
                request = builder.get_request()
            elif isinstance(args[0], dict):
                request = EnvironBuilder.from_environ(
                    args[0],  # pyright: ignore[reportUnknownArgumentType]
                    app=self.application,
                    environ_base=self._copy_environ({}),
                ).get_request()
            else:
                request = copy(args[0])
                request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)

        # Contexts preserved from the previous request end now.
        self._context_stack.close()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        while self._new_contexts:
            cm = self._new_contexts.pop(0)
            self._context_stack.enter_context(cm)
        return response

    def websocket(
        self,
        *args: t.Any,
        subprotocols: t.Sequence[str] | None = None,
        timeout: float = 10.0,
        **kwargs: t.Any,
    ) -> WebsocketTestConnection:
        """Connect to a WebSocket route of the app: ``with
        client.websocket("/ws") as ws:`` (blocking methods) or ``async
        with`` (coroutine methods). Arguments describe the handshake
        request as for :meth:`get` (path, ``query_string``, ``headers``,
        ``base_url``, ...); ``subprotocols`` are offered in that order.
        Each wait for the app gives up after ``timeout`` seconds. A
        rejected handshake raises :class:`WebsocketResponseError`."""
        from ._websocket_testing import WebsocketTestConnection

        return WebsocketTestConnection(self, args, kwargs, subprotocols, timeout)

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


# The CLI runner needs click, loaded only when a runner is asked for.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "FlaskCliRunner": "._cli_runner:FlaskCliRunner",
        "TestApp": "._test_app:TestApp",
        "AsyncWebsocketTestSession": "._websocket_testing:AsyncWebsocketTestSession",
        "WebsocketResponseError": "._websocket_testing:WebsocketResponseError",
        "WebsocketTestConnection": "._websocket_testing:WebsocketTestConnection",
        "WebsocketTestSession": "._websocket_testing:WebsocketTestSession",
        "CliRunner": "click.testing:CliRunner",
        "Result": "click.testing:Result",
        "ScriptInfo": ".cli:ScriptInfo",
        "importlib": "importlib",
    },
)
