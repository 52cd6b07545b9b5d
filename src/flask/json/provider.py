"""JSON providers: the object behind ``app.json`` that serializes for the app.

An app uses one provider for ``jsonify``, request JSON parsing and the session
cookie serializer, so replacing ``app.json`` (or ``json_provider_class``)
switches all of them to another JSON library at once.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing as t
import weakref
from datetime import date

from werkzeug.http import http_date

from .._lazy import lazy_names as _lazy_names
from .._responses import mimetype_response

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.sansio.response import Response

    from ..sansio.app import App


def _default(o: t.Any) -> t.Any:
    """Convert a value the ``json`` module does not know into one it does.

    Dates become HTTP date strings (``date`` and ``datetime`` alike), decimals
    and UUIDs strings, dataclass instances dicts, and objects with
    ``__html__`` (``Markup``) their HTML text.
    """
    if isinstance(o, date):
        return http_date(o)
    # No Decimal or UUID exists before its module is imported (they are
    # not at start-up: they cost a few milliseconds).
    modules = sys.modules
    decimal = modules.get("decimal") or modules.get("_decimal")
    uuid = modules.get("uuid")
    if (decimal is not None and isinstance(o, decimal.Decimal)) or (
        uuid is not None and isinstance(o, uuid.UUID)
    ):
        return str(o)
    if dataclasses.is_dataclass(o):
        return dataclasses.asdict(o)  # type: ignore[arg-type]
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


#: An encoder's ``encode``, or what :func:`_one_shot` makes in its place.
_Encode = t.Callable[[t.Any], str]

#: A value :func:`_one_shot` checks its function with, once per encoder:
#: nesting, every scalar type, escapes, and keys to sort.
_SAMPLE: dict[str, t.Any] = {
    "b": [1, -2.5, None, True, False, '\u00e9\n"<'],
    "a": {"c": [], "d": {}},
}


def _one_shot(encoder: json.JSONEncoder) -> _Encode:
    """``encoder.encode``, or for an encoder without ``indent`` when the C
    accelerator is there, a function returning the same text with less
    Python around the call: ``encode`` makes the accelerator's encoder
    for each call through ``iterencode``; this makes it directly (a new
    one each time, as ``encode`` does, since a failed call can leave
    entries in its table of the containers being encoded). It is used
    only if it gives what ``encode`` gives for :data:`_SAMPLE`."""
    slow = encoder.encode
    make = getattr(json.encoder, "c_make_encoder", None)
    # (typeshed leaves out indent's default, None.)
    if make is None or encoder.indent is not None:  # pyright: ignore[reportUnnecessaryComparison]
        return slow
    args = (
        encoder.default,
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring,
        None,  # the indent
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    circular = encoder.check_circular

    def encode(o: t.Any) -> str:
        if isinstance(o, str):
            return slow(o)  # a string alone does not use the encoder
        return "".join(make({} if circular else None, *args)(o, 0))

    try:
        same = encode(_SAMPLE) == slow(_SAMPLE)
    except Exception:
        same = False
    return encode if same else slow


class JSONProvider:
    """The interface an app's JSON provider implements.

    Subclasses implement :meth:`dumps` and :meth:`loads`; the other methods
    are built on those two. The app is held through a weak proxy so that the
    provider does not keep its app alive (``app.json`` points back to it).
    """

    def __init__(self, app: App) -> None:
        self._app: App = weakref.proxy(app)

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` and write it to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize a JSON string or bytes."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Read the file ``fp`` and deserialize its contents."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> t.Any:
        """Turn ``response()``'s arguments into the value to serialize.

        No arguments give ``None``, one argument is used as is, several
        become a list, keyword arguments a dict; mixing both is an error.
        """
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments into an ``application/json`` response."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


#: The ``json.dumps`` arguments :meth:`DefaultJSONProvider.dumps` passes to
#: a reused :class:`json.JSONEncoder` (any other goes to ``json.dumps``).
_ENCODER_ARGS = frozenset(
    {"default", "ensure_ascii", "sort_keys", "separators", "indent"}
)


class DefaultJSONProvider(JSONProvider):
    """A provider using Python's :mod:`json` module.

    Extra types are handled by :attr:`default`. Keys are sorted and output is
    ASCII by default; the class attributes may be changed on ``app.json`` or in
    a subclass.
    """

    #: Called for values ``json`` cannot serialize: dates, UUIDs, decimals,
    #: dataclasses and objects with ``__html__``.
    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)

    #: Escape non-ASCII characters (``\\uXXXX``) in the output.
    ensure_ascii = True

    #: Sort object keys. Keeps output stable, which matters for caching and
    #: for the session cookie; fails if a dict mixes key types.
    sort_keys = True

    #: Compact (``True``) or indented (``False``) :meth:`response` output.
    #: ``None`` means indented in debug mode, compact otherwise.
    compact: bool | None = None

    #: The mimetype of :meth:`response`.
    mimetype = "application/json"

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` with :func:`json.dumps`, applying the class
        attributes unless ``kwargs`` override them."""
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        if kwargs.keys() <= _ENCODER_ARGS:
            encode = self._encoder(
                (
                    kwargs["default"],
                    kwargs["ensure_ascii"],
                    kwargs["sort_keys"],
                    kwargs.get("separators"),
                    kwargs.get("indent"),
                )
            )
            if encode is not None:
                return encode(obj)
        return json.dumps(obj, **kwargs)

    def _encoder(self, key: tuple[t.Any, ...]) -> _Encode | None:
        """What ``json.dumps`` does with ``default``, ``ensure_ascii``,
        ``sort_keys``, ``separators`` and ``indent`` (the ``key``): the
        ``encode`` of the encoder it would build (see :func:`_one_shot`),
        built once per key and kept on this provider (an encoder holds only
        its settings), or ``None`` for unhashable arguments."""
        cache: dict[t.Any, _Encode] | None = self.__dict__.get("_flask_encoders")
        if cache is None:
            cache = self.__dict__["_flask_encoders"] = {}
        try:
            encode = cache.get(key)
        except TypeError:
            return None
        if encode is None:
            if len(cache) >= 16:
                cache.clear()
            encode = cache[key] = _one_shot(
                json.JSONEncoder(
                    ensure_ascii=key[1],
                    sort_keys=key[2],
                    separators=key[3],
                    indent=key[4],
                    default=key[0],
                )
            )
        return encode

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize with :func:`json.loads`."""
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments into a JSON response ending with a newline.

        One argument is the data, several a list, keyword arguments a dict.
        Output is indented by 2 if :attr:`compact` is ``False``, or ``None``
        while the app is in debug mode.
        """
        if (
            type(self)._prepare_response_obj is not _DEFAULT_PREPARE
            or "_prepare_response_obj" in self.__dict__
        ):
            obj = self._prepare_response_obj(args, kwargs)
        elif not args and kwargs:
            obj = kwargs  # what _prepare_response_obj gives, without the call
        elif len(args) == 1 and not kwargs:
            obj = args[0]
        else:
            obj = self._prepare_response_obj(args, kwargs)
        rv: Response = mimetype_response(
            self._app.response_class, self._response_text(obj), self.mimetype
        )
        return rv

    def _response_text(self, obj: t.Any) -> str:
        """The body of :meth:`response` for ``obj``."""
        compact = self.compact
        indent = compact is False or (compact is None and self._app.debug)
        inst = self.__dict__
        if type(self).dumps is _DEFAULT_DUMPS and "dumps" not in inst:
            # What dumps would do with these arguments, without the call.
            default = self.default
            ensure_ascii = self.ensure_ascii
            sort_keys = self.sort_keys
            # The last call's encoder while its settings are the same
            # objects (a tuple, replaced whole: threads see one or the other).
            last = inst.get("_flask_last")
            if (
                last is not None
                and last[0] is default
                and last[1] is ensure_ascii
                and last[2] is sort_keys
                and last[3] is indent
            ):
                return last[4](obj) + "\n"  # type: ignore[no-any-return]
            key = (
                default,
                ensure_ascii,
                sort_keys,
                None if indent else (",", ":"),
                2 if indent else None,
            )
            # self._encoder(key), without the call once it is built.
            encode: _Encode | None
            try:
                encode = inst["_flask_encoders"][key]
            except (KeyError, TypeError):
                encode = self._encoder(key)
            if encode is not None:
                inst["_flask_last"] = (default, ensure_ascii, sort_keys, indent, encode)
                return encode(obj) + "\n"
        if indent:
            text = self.dumps(obj, indent=2)
        else:
            text = self.dumps(obj, separators=(",", ":"))
        return f"{text}\n"


#: :meth:`DefaultJSONProvider.response` as defined here: a provider whose
#: ``response`` is another function (even one patched onto this class)
#: builds its responses itself.
_DEFAULT_RESPONSE = DefaultJSONProvider.response
_DEFAULT_DUMPS = DefaultJSONProvider.dumps
_DEFAULT_PREPARE = JSONProvider._prepare_response_obj


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(__name__, {"decimal": "decimal", "uuid": "uuid"})
