"""Defaults of the WSGI-vs-ASGI differential's options (see
``conftest.py``): the fixed seed and number of requests of every CI run."""

DEFAULT_SEED = 20261206
DEFAULT_COUNT = 2000
