"""Facts worked out once per class (is this response class plain, what
content type does it default to), kept without keeping the class alive.

Most classes are defined once, at import, and a plain dict is the fastest
memo for them. Some code defines a class per call (flask-sock makes a
``Response`` subclass in every WebSocket request, closing over that
request's socket): a plain dict would keep each one, and the request it
refers to, for the life of the process. So a class defined inside a
function, or any class once the dict is full, is remembered in a
:class:`weakref.WeakKeyDictionary`, which lets it go with the class.
"""

from __future__ import annotations

import enum
import typing as t
import weakref

V = t.TypeVar("V")


class Missing(enum.Enum):
    """The type of :data:`MISSING` (an enum, so that ``is`` narrows it)."""

    token = 0


#: Returned by :meth:`ClassMemo.find` for a class it does not know.
MISSING: t.Final = Missing.token

#: Classes kept in the plain dict at most; further ones go to the weak one.
_FAST_MAX = 256


class ClassMemo(t.Generic[V]):
    """One value per class. Hot paths read :attr:`fast` directly
    (``memo.fast.get(cls, MISSING)``) and call :meth:`find` on a miss."""

    __slots__ = ("fast", "_weak")

    def __init__(self) -> None:
        #: Classes defined at module level, up to ``_FAST_MAX``.
        self.fast: dict[type, V] = {}
        #: The others, made when a first one comes.
        self._weak: weakref.WeakKeyDictionary[type, V] | None = None

    def find(self, cls: type) -> V | Missing:
        """The value for ``cls``, or :data:`MISSING`."""
        value = self.fast.get(cls, MISSING)
        if value is MISSING and self._weak is not None:
            return self._weak.get(cls, MISSING)
        return value

    def lookup(self, cls: type, compute: t.Callable[[type], V]) -> V:
        """The value for ``cls``, computed with ``compute(cls)`` and
        remembered if it is not known yet."""
        value = self.find(cls)
        if value is MISSING:
            return self.put(cls, compute(cls))
        return value

    def put(self, cls: type, value: V) -> V:
        """Remember ``value`` for ``cls`` and return it."""
        if "<locals>" in cls.__qualname__ or (
            len(self.fast) >= _FAST_MAX and cls not in self.fast
        ):
            if self._weak is None:
                self._weak = weakref.WeakKeyDictionary()
            self._weak[cls] = value
        else:
            self.fast[cls] = value
        return value

    def __len__(self) -> int:
        return len(self.fast) + (len(self._weak) if self._weak is not None else 0)
