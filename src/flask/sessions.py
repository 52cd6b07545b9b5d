"""Client-side sessions stored in a signed cookie, and the interface to replace
them (server-side stores, other formats).

The default cookie format is itsdangerous' timed serializer with HMAC-SHA1,
the ``cookie-session`` salt and the tagged JSON serializer, so a cookie made
by one Flask implementation is read by any other with the same secret key.
"""

from __future__ import annotations

import collections.abc as cabc
import hashlib
import typing as t
from datetime import datetime
from datetime import timezone
from functools import lru_cache

from werkzeug.datastructures import CallbackDict
from werkzeug.http import dump_cookie

from ._lazy import lazy_names as _lazy_names
from ._lazy import LazyClassAttribute as _LazyClassAttribute

#: Largest session payload inflated from a compressed cookie (bytes); over
#: it the session is empty. Here, not in ``_signing``, which imports
#: itsdangerous: this module is imported with ``flask``.
_MAX_PAYLOAD_SIZE = 256 * 1024

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed import ReadableBuffer
    from itsdangerous import URLSafeTimedSerializer
    from werkzeug.sansio.request import Request as SansioRequest
    from werkzeug.sansio.response import Response as SansioResponse

    from ._signing import SessionCodec as _SessionCodec
    from .app import Flask
    from .json.tag import TaggedJSONSerializer


_SAMESITE_VALUES = {"strict": "Strict", "lax": "Lax", "none": "None"}


def check_samesite(value: t.Any) -> str | None:
    """Validate a ``SESSION_COOKIE_SAMESITE`` value, returning its canonical
    spelling (``"Strict"``, ``"Lax"``, ``"None"``) or ``None``.

    Called at start-up so a typo fails at once instead of on the first
    response that sets the cookie. Matching is case-insensitive, like the
    browser's; the Python value ``None`` means the attribute is left out.
    """
    if value is None:
        return None
    canonical = _SAMESITE_VALUES.get(value.lower()) if isinstance(value, str) else None
    if canonical is None:
        raise ValueError(
            f"Invalid SESSION_COOKIE_SAMESITE value {value!r}: it must be"
            " 'Strict', 'Lax', 'None' (the string) or None (no attribute)."
        )
    return canonical


def check_cookie_prefix(app: Flask) -> None:
    """Validate the session cookie's attributes against its name prefix.

    Browsers reject a ``__Secure-`` cookie without ``Secure``, and a
    ``__Host-`` cookie that lacks ``Secure``, has a ``Domain`` or a ``Path``
    other than ``/`` (prefixes match case-insensitively), so such a session
    would silently never be kept. Called at the first request, with the
    app's session interface, like :func:`check_samesite`.
    """
    interface = app.session_interface
    name = interface.get_cookie_name(app)
    # (An overridden get_cookie_name may return a non-string.)
    lower = name.lower() if isinstance(name, str) else ""  # pyright: ignore[reportUnnecessaryIsInstance]
    if lower.startswith("__host-"):
        problems: list[str] = []
        if not interface.get_cookie_secure(app):
            problems.append("SESSION_COOKIE_SECURE is not True")
        domain = interface.get_cookie_domain(app)
        if domain:
            problems.append(f"SESSION_COOKIE_DOMAIN is set ({domain!r})")
        path = interface.get_cookie_path(app)
        if path != "/":
            problems.append(
                f"the cookie path is {path!r} (SESSION_COOKIE_PATH or"
                " APPLICATION_ROOT), not '/'"
            )
        if problems:
            raise ValueError(
                f"The session cookie name {name!r} has the '__Host-' prefix,"
                " so browsers only keep it with Secure, no Domain and Path=/,"
                f" but {', '.join(problems)}."
            )
    elif lower.startswith("__secure-") and not interface.get_cookie_secure(app):
        raise ValueError(
            f"The session cookie name {name!r} has the '__Secure-' prefix, so"
            " browsers only keep it with Secure, but SESSION_COOKIE_SECURE is"
            " not True."
        )


class SessionMixin(cabc.MutableMapping[str, t.Any]):
    """The attributes every session object has, on top of a mutable mapping."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session, expiring after
        ``PERMANENT_SESSION_LIFETIME``. Stored in the ``_permanent`` key."""
        return self.get("_permanent", False)  # type: ignore[no-any-return]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was just created. The default cookie session
    #: always reports ``False``; server-side interfaces may use it.
    new: bool = False

    #: Whether the session was changed. Mutable values changed in place
    #: (``session["list"].append(1)``) are not seen; set this to ``True``.
    modified: bool = True

    #: Whether the session was read or written, so responses vary on the
    #: cookie (``Vary: Cookie``) and caches do not share them.
    accessed: bool = True


def _on_update(session: SecureCookieSession) -> None:
    """Called by ``CallbackDict`` after every change."""
    session.modified = True
    session.accessed = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):  # pyright: ignore[reportIncompatibleMethodOverride]
    """The session of :class:`SecureCookieSessionInterface`: a dict that
    records whether it was read (:attr:`accessed`) or changed
    (:attr:`modified`).

    Reading keys only (``in``, ``len``, iteration) counts as access too, since
    the response still depends on the cookie.
    """

    modified: bool = False
    accessed: bool = False

    def __init__(
        self,
        initial: cabc.Mapping[str, t.Any]
        | cabc.Iterable[tuple[str, t.Any]]
        | None = None,
    ) -> None:
        super().__init__(initial, _on_update)

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().setdefault(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def __iter__(self) -> t.Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def keys(self) -> t.KeysView[str]:  # type: ignore[override]
        """The session's keys; marks the session as accessed."""
        self.accessed = True
        return super().keys()

    def values(self) -> t.ValuesView[t.Any]:  # type: ignore[override]
        """The session's values; marks the session as accessed."""
        self.accessed = True
        return super().values()

    def items(self) -> t.ItemsView[str, t.Any]:  # type: ignore[override]
        """The session's ``(key, value)`` pairs; marks it as accessed."""
        self.accessed = True
        return super().items()

    def copy(self) -> dict[str, t.Any]:
        """A plain ``dict`` copy of the data; marks the session as accessed."""
        self.accessed = True
        return dict.copy(self)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


class NullSession(SecureCookieSession):
    """The session used when sessions are unavailable (no secret key).

    It can be read (it is always empty) but any change raises a
    ``RuntimeError`` explaining that ``SECRET_KEY`` must be set.
    """

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        """Raise :exc:`RuntimeError`: the session cannot be changed."""
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set"
            " 'SECRET_KEY' (app.secret_key) on the application to a long random"
            " value, kept secret, to use the session or flash messages."
        )

    __setitem__: t.Callable[..., t.NoReturn] = _fail
    __delitem__: t.Callable[..., t.NoReturn] = _fail
    clear: t.Callable[..., t.NoReturn] = _fail
    pop: t.Callable[..., t.NoReturn] = _fail
    popitem: t.Callable[..., t.NoReturn] = _fail
    update: t.Callable[..., t.NoReturn] = _fail
    setdefault: t.Callable[..., t.NoReturn] = _fail


class SessionInterface:
    """How an app opens and saves sessions; set ``app.session_interface`` to
    an instance of a subclass to store sessions differently.

    :meth:`open_session` runs when the session is first used in a request and
    :meth:`save_session` at the end of a request that opened it. Both are
    called with the app context active. The ``get_cookie_*`` helpers read
    the ``SESSION_COOKIE_*`` settings for subclasses to reuse.
    """

    #: What :meth:`make_null_session` creates.
    null_session_class: type[SessionMixin] = NullSession

    #: Whether the interface pickles session data. Informational, for
    #: extensions that need to know.
    pickle_based = False

    def make_null_session(self, app: Flask) -> SessionMixin:
        """The session used when :meth:`open_session` returns ``None``: read
        access works, writes explain what is misconfigured."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Flask) -> str:
        """``SESSION_COOKIE_NAME``."""
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: Flask) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` makes a host-only cookie."""
        return app.config["SESSION_COOKIE_DOMAIN"]  # type: ignore[no-any-return]

    def get_cookie_path(self, app: Flask) -> str:
        """``SESSION_COOKIE_PATH``, falling back to ``APPLICATION_ROOT``."""
        config = app.config
        path: str = config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"]
        return path

    def get_cookie_httponly(self, app: Flask) -> bool:
        """``SESSION_COOKIE_HTTPONLY``: hide the cookie from JavaScript."""
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: Flask) -> bool:
        """``SESSION_COOKIE_SECURE``: send the cookie over HTTPS only."""
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: Flask) -> str | None:
        """``SESSION_COOKIE_SAMESITE``: ``"Strict"``, ``"Lax"``, ``"None"``
        or ``None``."""
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: Flask) -> bool:
        """``SESSION_COOKIE_PARTITIONED`` (CHIPS); browsers require
        ``Secure`` with it."""
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now plus ``PERMANENT_SESSION_LIFETIME``
        for a permanent session, ``None`` (end of browser session) otherwise."""
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether :meth:`save_session` should send the cookie: when the
        session changed, or to push the expiry of a permanent session forward
        when ``SESSION_REFRESH_EACH_REQUEST`` is on."""
        if session.modified:
            return True
        return session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])

    def open_session(self, app: Flask, request: SansioRequest) -> SessionMixin | None:
        """Load the session for ``request``.

        Return ``None`` when sessions are unavailable; the app then uses
        :meth:`make_null_session`. Must not fail on bad client data: return
        a new, empty session instead.
        """
        raise NotImplementedError

    def save_session(
        self, app: Flask, session: SessionMixin, response: SansioResponse
    ) -> None:
        """Persist ``session`` and set or delete the cookie on ``response``.

        Not called for null sessions.
        """
        raise NotImplementedError


def _lazy_sha1(string: ReadableBuffer = b"") -> t.Any:
    """SHA-1 for itsdangerous' signer, kept a function so ``hashlib`` is not
    asked for it at import time (it may be disabled in FIPS builds)."""
    return hashlib.sha1(string)


#: The serializer of the default cookie session, shared by all apps:
#: ``flask.json.tag``'s, imported when first used (see ``__getattr__``).
session_json_serializer: TaggedJSONSerializer
#: ``TaggedJSONSerializer``, once a session has needed it.
_tagged_class: type[TaggedJSONSerializer] | None = None

_CACHE_LIMIT = 64


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in the cookie itself, signed (not encrypted) with
    ``SECRET_KEY``.

    Keys in ``SECRET_KEY_FALLBACKS`` (a list, or a single string or bytes
    for one old key) are accepted when reading, so a key can be
    rotated without logging everyone out; cookies are always signed with the
    current key. Cookies that are tampered with, signed with an unknown key,
    older than ``PERMANENT_SESSION_LIFETIME`` or not a valid cookie at all
    give an empty session.
    """

    #: Mixed into the key so the session signature is not valid for other
    #: itsdangerous uses of the same secret key.
    salt = "cookie-session"
    #: The hash for the HMAC signature.
    digest_method: staticmethod[[ReadableBuffer], t.Any] = staticmethod(_lazy_sha1)
    #: How the signing key is derived from the secret key and salt.
    key_derivation = "hmac"
    #: Turns session data into a string and back (``session_json_serializer``,
    #: imported on first use).
    serializer: t.Any = _LazyClassAttribute(".json.tag:_session_serializer")
    #: The session object created by :meth:`open_session`.
    session_class: type[SecureCookieSession] = SecureCookieSession
    #: The most a compressed cookie payload may inflate to, in bytes (256
    #: KiB); a cookie that inflates to more gives an empty session.
    max_payload_size: int = _MAX_PAYLOAD_SIZE

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer for ``app``'s keys, or ``None`` if no
        secret key is set.

        Built once per set of keys and settings, then reused; changing
        ``SECRET_KEY`` or ``SECRET_KEY_FALLBACKS`` makes a new one.
        """
        return self._cached(app, self._serializers, self._make_serializer)  # type: ignore[no-any-return]

    def _make_serializer(self, keys: list[t.Any]) -> URLSafeTimedSerializer:
        from ._signing import CachedSignerSerializer

        # itsdangerous signs with the last key and accepts all of them.
        serializer = CachedSignerSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        serializer.max_payload_size = self.max_payload_size
        return serializer

    def _codec(self, app: Flask) -> t.Any:
        """What opens and saves cookies: the one-pass :class:`SessionCodec`
        for the standard settings, else :meth:`get_signing_serializer` (so
        overriding it or the signing settings keeps working)."""
        cls = type(self)
        tagged = _tagged_class
        if tagged is None:
            tagged = _load_tagged_class()
        if (
            cls.get_signing_serializer is _BASE_GET_SERIALIZER
            and self.key_derivation == "hmac"
            and type(self.serializer) is tagged
        ):
            return self._cached(app, self._codecs, self._make_codec)
        return self.get_signing_serializer(app)

    def _make_codec(self, keys: list[t.Any]) -> _SessionCodec:
        # itsdangerous is imported with the first signer, not with this module.
        from ._signing import SessionCodec

        return SessionCodec(
            keys, self.salt, self.digest_method, self.serializer, self.max_payload_size
        )

    @property
    def _serializers(self) -> dict[tuple[t.Any, ...], t.Any]:
        # Created on first use so subclasses need not call an ``__init__``.
        return self.__dict__.setdefault("_serializer_cache", {})  # type: ignore[no-any-return]

    @property
    def _codecs(self) -> dict[tuple[t.Any, ...], t.Any]:
        return self.__dict__.setdefault("_codec_cache", {})  # type: ignore[no-any-return]

    def _cached(
        self,
        app: Flask,
        cache: dict[tuple[t.Any, ...], t.Any],
        make: t.Callable[[list[t.Any]], t.Any],
    ) -> t.Any:
        """The object ``make(keys)`` for ``app``'s current keys and this
        instance's settings, built once and reused; ``None`` without a key."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS")
        if not fallbacks:
            fallback_keys: tuple[t.Any, ...] = ()
        elif isinstance(fallbacks, (str, bytes, bytearray)):
            # One key (what FLASK_SECRET_KEY_FALLBACKS=old gives), not one
            # key per character, which would make cookies forgeable.
            fallback_keys = (fallbacks,)
        else:
            fallback_keys = tuple(fallbacks)
        cache_key: tuple[t.Any, ...] | None = (
            secret_key,
            fallback_keys,
            self.salt,
            self.key_derivation,
            self.digest_method,
            self.serializer,
            self.max_payload_size,
        )
        try:
            obj = cache.get(cache_key)  # type: ignore[arg-type]
        except TypeError:  # something unhashable (a bytearray key): no caching
            obj, cache_key = None, None
        if obj is None:
            obj = make([*fallback_keys, secret_key])
            if cache_key is not None:
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[cache_key] = obj
        return obj

    def open_session(
        self, app: Flask, request: SansioRequest
    ) -> SecureCookieSession | None:
        """Load the session from the cookie; an empty session if there is no
        valid cookie, ``None`` if no secret key is set."""
        signer = self._codec(app)
        if signer is None:
            return None
        value = _session_cookie(request, self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = signer.loads(value, max_age=max_age)
        except Exception as e:
            from itsdangerous import BadData

            if not isinstance(e, BadData):
                raise
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)  # pyright: ignore[reportUnknownArgumentType]

    def save_session(
        self, app: Flask, session: SessionMixin, response: SansioResponse
    ) -> None:
        """Set the cookie if the session changed (or is refreshed), delete it
        if the session was emptied, and add ``Vary: Cookie`` when the
        response depends on it.

        Reading the session here (its length, ``permanent``, the data to
        sign) is not a use by the app: ``accessed`` is left as it was.
        """
        accessed = session.accessed
        try:
            self._save_cookie(app, session, response)
        finally:
            if not accessed:
                try:
                    session.accessed = False
                except AttributeError:  # a class whose flag cannot be set
                    pass

    def _save_cookie(
        self, app: Flask, session: SessionMixin, response: SansioResponse
    ) -> None:
        """The work of :meth:`save_session`."""
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        if session.accessed:
            _vary_cookie(response)

        if not session:
            # An emptied session: remove the cookie with the same attributes
            # it was set with, or browsers would keep it.
            if session.modified:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                _vary_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        signer = self._codec(app)
        if signer is None:
            return
        value = signer.dumps(dict(session))
        # What browsers limit: name plus value, in bytes (RFC 6265bis 5.7).
        size = len(name.encode()) + len(value)
        limit = response.max_cookie_size
        if limit and size > _BROWSER_COOKIE_LIMIT and size > limit:
            _cookie_too_large(app, name, size, max(limit, _BROWSER_COOKIE_LIMIT))
            return
        expires = self.get_expiration_time(app, session)
        # werkzeug's own check: a warning when the whole header is over
        # MAX_COOKIE_SIZE, as ``response.set_cookie`` gives.
        header = dump_cookie(
            name,
            value,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
            max_size=limit,
        )
        response.headers.add("Set-Cookie", header)
        _vary_cookie(response)


#: The most a browser keeps of a cookie's name plus value, in bytes.
_BROWSER_COOKIE_LIMIT = 4096


#: Characters of a signed session cookie value (URL-safe base64 and dots).
_SIGNED_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
)


@lru_cache(maxsize=32)
def _scannable_name(name: str) -> bool:
    """Whether cookie ``name`` is one werkzeug's parser can return: not
    empty, no space, tab, ``=``, ``"`` or ``;``, no whitespace at its ends."""
    return bool(name) and name == name.strip() and _NOT_IN_NAME.isdisjoint(name)


_NOT_IN_NAME = frozenset(' \t=";')


def _session_cookie(request: SansioRequest, name: str) -> str | None:
    """The value of cookie ``name``, as ``request.cookies.get(name)`` returns
    it, without parsing every cookie of the header when that is not needed.

    The header is only scanned directly if it has no quotes, and the name
    and value found leave no doubt: werkzeug ignores spaces and tabs around
    them (and, before 3.1.9, other whitespace too), so a match with any
    other whitespace around it, or a value that is not made of signed-value
    characters, is left to werkzeug's parser, as is everything once the
    cookies were parsed.
    """
    if "cookies" not in request.__dict__ and _scannable_name(name):
        environ = getattr(request, "environ", None)
        if environ is not None:
            header = environ.get("HTTP_COOKIE")
        else:
            header = request.headers.get("Cookie")
        header = t.cast("str | None", header)
        if not header:
            return None
        if '"' not in header:
            for part in header.split(";"):
                key, _, value = part.partition("=")
                # Stripping all whitespace cannot miss a werkzeug match.
                if key.strip() == name:
                    value = value.strip(" \t")
                    if key.strip(" \t") == name and _SIGNED_CHARS.issuperset(value):
                        return value
                    break
            else:
                return None
    return request.cookies.get(name)


def _vary_cookie(response: SansioResponse) -> None:
    """Add ``Cookie`` to the ``Vary`` header, without parsing and rebuilding
    the header when it is absent or already lists it."""
    headers = response.headers
    # A scan, not ``headers.get``: werkzeug raises and catches an exception
    # for a missing header.
    for key, value in headers:
        if key.lower() == "vary":
            if value != "Cookie":
                response.vary.add("Cookie")
            return
    headers.add("Vary", "Cookie")


_BASE_GET_SERIALIZER = SecureCookieSessionInterface.get_signing_serializer


def _cookie_too_large(app: Flask, name: str, size: int, limit: int) -> None:
    """Handle a session cookie whose name and value together exceed what
    browsers keep (4096 bytes, or ``MAX_COOKIE_SIZE`` if larger): a browser
    would silently drop it, losing the whole session.

    In debug mode this raises, so the developer sees it at once. Otherwise the
    cookie is not sent, so the browser keeps its previous session cookie (this
    request's changes are lost, not the session), and a warning is logged.
    """
    message = (
        f"The session cookie {name!r} is too large: its name and value take"
        f" {size} bytes, over the limit of {limit} bytes that browsers keep."
        " Browsers ignore such a cookie, which would lose the session. Store"
        " less in the session (an id, with the data kept server-side), or"
        " raise MAX_COOKIE_SIZE above 4096 if your clients accept larger"
        " cookies (0 turns the check off)."
    )
    if app.debug:
        raise RuntimeError(message)
    app.logger.warning(
        "%s The cookie was not sent: the client keeps its previous session"
        " and this request's session changes are not saved.",
        message,
    )


def _load_tagged_class() -> type[TaggedJSONSerializer]:
    global _tagged_class
    from .json.tag import TaggedJSONSerializer

    _tagged_class = TaggedJSONSerializer
    return TaggedJSONSerializer


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {
        "session_json_serializer": ".json.tag:_session_serializer",
        "TaggedJSONSerializer": ".json.tag:TaggedJSONSerializer",
        "BadData": "itsdangerous:BadData",
        "BadSignature": "itsdangerous:BadSignature",
        "URLSafeTimedSerializer": "itsdangerous:URLSafeTimedSerializer",
        "MutableMapping": "collections.abc:MutableMapping",
        "c": "collections.abc",
    },
)
