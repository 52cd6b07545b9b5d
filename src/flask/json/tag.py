"""Compact tagged JSON, used to store non-JSON types in the session cookie.

A value JSON cannot represent is written as a one-key object whose key is a
tag, e.g. ``{" t": [1, 2]}`` for the tuple ``(1, 2)``. Tag keys start with a
space so they rarely clash with real keys; a real one-key dict whose key is a
tag is itself wrapped in the ``" di"`` tag so it survives the round trip.

The output must stay byte-identical with other Flask implementations, since
session cookies are shared between them: the tag keys, their check order and
the compact separators are part of the format.

Custom tags subclass :class:`JSONTag` and are added with
:meth:`TaggedJSONSerializer.register`::

    class TagOrderedDict(JSONTag):
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

import sys
import typing as t
from base64 import b64decode
from base64 import b64encode
from datetime import datetime

from markupsafe import Markup
from werkzeug.http import http_date
from werkzeug.http import parse_date

from .._lazy import lazy_names as _lazy_names
from ..json import dumps
from ..json import loads

if t.TYPE_CHECKING:
    pass


class JSONTag:
    """One tagged type: how to recognise it and convert it to and from JSON.

    A tag with an empty :attr:`key` only transforms values (it is never
    written as a tag, so it is never untagged either).
    """

    __slots__ = ("serializer",)

    #: The tag key written in the JSON. Empty for pass-through tags.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        #: The serializer this tag is registered with, for tagging nested
        #: values.
        self.serializer: TaggedJSONSerializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether ``value`` should be handled by this tag."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Convert the Python value to a JSON-compatible one (the tag is
        added by :meth:`JSONTag.tag`)."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Convert the JSON value found under the tag back to Python."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` and wrap it in ``{key: ...}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is a registered tag.

    The key gets ``__`` appended so the inner dict is not untagged; the
    suffix is stripped when loading.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        if not isinstance(value, dict) or len(value) != 1:  # pyright: ignore[reportUnknownArgumentType]
            return False
        return next(iter(value)) in self.serializer.tags  # pyright: ignore[reportUnknownArgumentType]

    def to_json(self, value: t.Any) -> t.Any:
        ((k, v),) = value.items()
        return {f"{k}__": self.serializer.tag(v)}

    def to_python(self, value: t.Any) -> t.Any:
        ((k, v),) = value.items()
        return {k[:-2]: v}


class PassDict(JSONTag):
    """Any other dict: kept as an object, its values tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        # JSON keys are strings; other key types are left to the JSON module.
        return {k: tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """A tuple, stored as a tagged list."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: kept as an array, its items tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, stored as standard base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """An object with ``__html__`` (such as ``Markup``), loaded as ``Markup``."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A UUID, stored as its 32-digit hex form."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        # No UUID exists before the uuid module is imported (it is not at
        # start-up: it costs a few milliseconds).
        uuid = sys.modules.get("uuid")
        return uuid is not None and isinstance(value, uuid.UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        from uuid import UUID

        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, stored as an HTTP date (second precision, in UTC).

    Loads as an aware UTC datetime; microseconds and the original time zone
    are not kept.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        return parse_date(value)


#: JSON scalar types, which the built-in tags pass through unchanged.
_SCALARS = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSerializer:
    """Serialize to and from tagged JSON, with :class:`JSONTag` extensions.

    Values are checked against the tags in :attr:`order`, first match wins;
    values no tag claims are passed to the JSON provider unchanged.
    """

    __slots__ = ("order", "tags", "_builtin_only")

    #: The tag classes registered on every new serializer, in check order.
    default_tags: list[type[JSONTag]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        #: Tags by key, for untagging.
        self.tags: dict[str, JSONTag] = {}
        #: Tags in the order they are checked when tagging.
        self.order: list[JSONTag] = []
        #: Whether only the built-in tags are registered, so plain JSON
        #: scalars and ordinary dicts can skip the tag checks.
        self._builtin_only = True
        for cls in self.default_tags:
            self.register(cls)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Add a tag, checked last or at position ``index`` of :attr:`order`.

        A key that is already registered raises ``KeyError`` unless ``force``
        is true, in which case the new tag replaces it for loading (the old
        one stays in the check order).
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            if key in self.tags and not force:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        self._builtin_only = [type(t) for t in self.order] == _BUILTIN_ORDER

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` to tagged, JSON-compatible data."""
        if self._builtin_only:
            # No built-in tag matches these exact types, and an ordinary dict
            # only needs its values tagged.
            value_type = type(value)  # pyright: ignore[reportUnknownVariableType]
            if value_type in _SCALARS:
                return value
            if value_type is dict and (
                len(value) != 1 or next(iter(value)) not in self.tags
            ):
                tag_value = self.tag
                return {k: tag_value(v) for k, v in value.items()}
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Convert one tagged object back; others are returned unchanged."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        """Untag nested data bottom-up, so inner tags are resolved first."""
        if type(value) in _SCALARS:
            return value
        if isinstance(value, dict):
            scan = self._untag_scan
            return self.untag({k: scan(v) for k, v in value.items()})  # pyright: ignore[reportUnknownVariableType]
        if isinstance(value, list):
            scan = self._untag_scan
            return [scan(item) for item in value]  # pyright: ignore[reportUnknownVariableType]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialize it to compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Deserialize tagged JSON and convert the tags back."""
        return self._untag_scan(loads(value))


#: The tag classes of a fresh serializer, in check order.
_BUILTIN_ORDER: list[type[JSONTag]] = list(TaggedJSONSerializer.default_tags)

#: The serializer of the default cookie session, shared by all apps
#: (``flask.sessions.session_json_serializer``; made here so that
#: ``flask.sessions`` imports this module only when a session needs it).
_session_serializer = TaggedJSONSerializer()


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(__name__, {"UUID": "uuid:UUID"})
