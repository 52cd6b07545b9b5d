"""The app served by gunicorn for the end-to-end (wrk) measurement: hello text."""

from __future__ import annotations

import scenarios

app = scenarios.build_hello()
