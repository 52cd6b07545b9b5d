"""The TechEmpower-style endpoints written for each framework the table compares.

One module per framework, each small and written the way that framework's
documentation writes an app. All of them run the same SQL through
``tfb.Database`` and render the same Jinja template
(``benchmarks/templates/fortunes.html``), so only the framework differs.
Every module exposes ``app`` (a WSGI or ASGI callable, as its name says)
and reads the SQLite file named by the ``TFB_DB`` environment variable
(a fresh one is created when it is not set, for running a module by hand).

ASGI apps use ``async def`` handlers that call SQLite directly: the
database is a local file whose queries take microseconds, less than a hop
to a worker thread would cost, and it is the same choice for every ASGI
framework.
"""
