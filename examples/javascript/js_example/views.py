"""The page and the ``/add`` endpoint it calls."""

from __future__ import annotations

import math
from typing import Any
from typing import cast

from flask import jsonify
from flask import render_template
from flask import request
from flask.wrappers import Response
from js_example import app


@app.route("/")
def index() -> str:
    """The form; its script sends the numbers to :func:`add`."""
    return render_template("index.html")


def _number(data: Any, key: str) -> float:
    """Read a finite number from the posted data, or raise ``ValueError``."""
    # JSON objects and form data both have string keys.
    fields = cast("dict[str, Any]", data) if isinstance(data, dict) else {}
    value = fields.get(key)
    # bool is an int subclass, but true + true is not what anyone means.
    if isinstance(value, bool) or value is None:
        raise ValueError(key)
    number = float(value)  # accepts numbers and numeric strings
    if not math.isfinite(number):
        raise ValueError(key)
    return number


@app.post("/add")
def add() -> Response | tuple[Response, int]:
    """Add ``a`` and ``b`` from a JSON body (or form fields) and return JSON.

    Bad input gets a 400 with a JSON error, so the script can show it.
    """
    data = request.get_json(silent=True) if request.is_json else request.form
    try:
        a = _number(data, "a")
        b = _number(data, "b")
    except (TypeError, ValueError, OverflowError):
        return jsonify(error="Send two numbers, 'a' and 'b'."), 400

    total = a + b
    if not math.isfinite(total):
        # JSON has no Infinity: the sum of two huge finite numbers overflows.
        return jsonify(error="The sum is too large to represent."), 400
    # Whole numbers come back as ints: 1 + 2 is 3, not 3.0.
    result: int | float = int(total) if total.is_integer() else total
    return jsonify(result=result)
