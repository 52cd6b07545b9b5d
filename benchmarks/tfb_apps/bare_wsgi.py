"""The bare WSGI app (no framework): the same work, the server's ceiling."""

from __future__ import annotations

import os

import tfb

app = tfb.make_bare_app(tfb.Database(os.environ.get("TFB_DB")))
