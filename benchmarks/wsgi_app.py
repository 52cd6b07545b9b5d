"""The app gunicorn serves for the end-to-end measurements.

``BENCH_APP`` picks it: ``hello`` (default, hello text), ``tfb`` (the
TechEmpower-style endpoints on Flask) or ``bare`` (the same endpoints as a
plain WSGI callable, no framework: the server's ceiling).
"""

from __future__ import annotations

import os

import scenarios
import tfb

_which = os.environ.get("BENCH_APP", "hello")
if _which == "bare":
    app = tfb.make_bare_app()
elif _which == "tfb":
    app = scenarios.build_tfb()  # type: ignore[assignment]
else:
    app = scenarios.build_hello()  # type: ignore[assignment]
