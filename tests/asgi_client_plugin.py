"""pytest plugin: ``-p asgi_client_plugin`` (with ``tests`` on ``PYTHONPATH``)
routes every Flask test client request through ``app.asgi_app``, to run an
existing test module over the ASGI front door (see ``tests/asgi/``)."""

from __future__ import annotations

import typing as t

import pytest
from asgi_bridge import route_test_clients

_routing: list[t.Any] = []


def pytest_configure(config: pytest.Config) -> None:
    cm = route_test_clients()
    cm.__enter__()
    _routing.append(cm)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _routing:
        _routing.pop().__exit__(None, None, None)
