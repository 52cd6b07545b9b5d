"""Defaults of the differential test's options (see ``conftest.py``): the
fixed seed and number of requests of every CI run."""

DEFAULT_SEED = 20261130
DEFAULT_COUNT = 5000
