"""URL converters for numbers that accept ASCII digits only.

werkzeug's ``int`` and ``float`` converters match ``\\d``, which in a Python
``str`` pattern is any Unicode digit, so ``/page/١٢`` (Arabic-Indic digits)
would reach a view as ``page=12``: two URLs for one resource, and a way
around filters that check for ``[0-9]``. These subclasses keep werkzeug's
options (``fixed_digits``, ``min``, ``max``, ``signed``) and URL building.
"""

from __future__ import annotations

import typing as t

from werkzeug.routing import FloatConverter as _WzFloatConverter
from werkzeug.routing import IntegerConverter as _WzIntegerConverter

if t.TYPE_CHECKING:
    from werkzeug.routing import Map


class IntegerConverter(_WzIntegerConverter):
    """``<int:name>``: one or more ASCII digits (``-`` allowed if ``signed``).

    A value too long for :func:`int` (more digits than Python's
    ``sys.get_int_max_str_digits()``) is rejected as a 404 by werkzeug's
    conversion, before any quadratic work.
    """

    regex = r"[0-9]+"


class FloatConverter(_WzFloatConverter):
    """``<float:name>``: ASCII digits, a dot, ASCII digits."""

    regex = r"[0-9]+\.[0-9]+"


def use_ascii_number_converters(url_map: Map) -> None:
    """Make ``int`` and ``float`` in ``url_map`` the ASCII-only converters.

    Only werkzeug's own classes are replaced, so a ``url_map_class`` with its
    own ``default_converters`` (or a converter set before this runs) is kept.
    """
    converters = url_map.converters
    if converters.get("int") is _WzIntegerConverter:
        converters["int"] = IntegerConverter
    if converters.get("float") is _WzFloatConverter:
        converters["float"] = FloatConverter
