"""A page that talks to a JSON endpoint with ``fetch``."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)

# Imported last: the views module registers its routes on ``app`` above.
from js_example import views  # noqa: E402, F401  # pyright: ignore[reportUnusedImport]
