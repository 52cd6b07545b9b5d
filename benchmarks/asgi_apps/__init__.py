"""The apps ``asgi_bench.py`` and ``asgi_breakdown.py`` compare.

One module per framework, each small and written the way that framework's
documentation writes an app, serving the same four endpoints:

``/sync``
    a plain ``def`` view returning ``Hello, World!`` (a framework that runs
    sync views in a worker thread does so here);
``/hello``
    the same text from an ``async def`` view;
``/json``
    ``{"message": "Hello, World!"}`` from an ``async def`` view;
``/sleep``
    an ``async def`` view that awaits ``asyncio.sleep(1)`` (the "sleepers"
    scenario: many requests waiting at once).

Every module exposes ``app``, an ASGI callable. When the environment
variable ``ASGI_BENCH_ORIGIN`` names a file, importing a module writes to it
which framework it loaded and from where (:func:`report_origin`), so the
runner can check that the server really serves this checkout's ``flask``.
"""

from __future__ import annotations

import json
import os
import types

TEXT = b"Hello, World!"
JSON = {"message": "Hello, World!"}
PATHS = {"sync": "/sync", "hello": "/hello", "json": "/json"}


def report_origin(framework: str, module: types.ModuleType) -> None:
    """Write ``framework``, its version and the file ``module`` came from to
    the file named by ``ASGI_BENCH_ORIGIN`` (if set)."""
    target = os.environ.get("ASGI_BENCH_ORIGIN")
    if not target:
        return
    from importlib import metadata

    try:
        version = metadata.version(framework)
    except metadata.PackageNotFoundError:
        version = ""
    with open(target, "w") as f:
        json.dump(
            {
                "framework": framework,
                "version": version,
                "file": os.path.realpath(module.__file__ or ""),
            },
            f,
        )
