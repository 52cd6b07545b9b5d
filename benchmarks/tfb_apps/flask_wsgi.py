"""Flask (this package or Flask 3.1.3, whichever the venv has): sync views,
the app the in-process ``tfb_*`` scenarios time (``scenarios.build_tfb``)."""

from __future__ import annotations

import os

import scenarios
import tfb

app = scenarios.build_tfb(tfb.Database(os.environ.get("TFB_DB")))
