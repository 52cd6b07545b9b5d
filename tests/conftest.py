"""Shared fixtures: an app, its test client and CLI runner, and contexts."""

from __future__ import annotations

import os
import sys
import typing as t

import pytest

import flask
from flask import Flask

try:
    import fcntl
except ImportError:  # Windows: no lock, the tests run as they are
    fcntl = None  # type: ignore[assignment]

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(autouse=True)
def _standard_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep FLASK_* variables from the outer environment out of the tests."""
    for key in list(os.environ):
        if key.startswith("FLASK_") and key != "FLASK_SKIP_DOTENV":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")


@pytest.fixture
def app() -> Flask:
    app = Flask("flask_test", root_path=TESTS_DIR)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def client(app: Flask) -> flask.testing.FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> flask.testing.FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> t.Iterator[flask.ctx.AppContext]:
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def req_ctx(app: Flask) -> t.Iterator[flask.ctx.AppContext]:
    with app.test_request_context() as ctx:
        yield ctx


@pytest.fixture
def modules_tmp_path(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> t.Any:
    """A temporary folder on ``sys.path`` for modules written by a test."""
    rv = tmp_path / "modules_tmp"
    rv.mkdir()
    monkeypatch.syspath_prepend(os.fspath(rv))
    return rv


@pytest.fixture(autouse=True)
def _leak_detector() -> t.Iterator[None]:
    """Fail a test that leaves an app context pushed."""
    yield
    leaks = []
    while flask.ctx._cv_app.get(None) is not None:
        ctx = flask.ctx._cv_app.get()
        leaks.append(ctx)
        ctx.pop()
    assert not leaks, f"contexts left pushed: {leaks}"


#: What ``pytest -m "not slow"`` leaves out (docs/contributing.rst): tests
#: that start servers or subprocesses, build or install packages, run the
#: type checkers or the documentation build, run real extensions or many
#: generated cases. Paths and test names relative to ``tests/``; a name
#: ending in ``_`` is a prefix.
SLOW_PATHS = (
    "asgi/test_attack.py",
    "asgi/test_hardening.py",
    "asgi/test_observability.py",
    "asgi/test_servers.py",
    "asgi/test_suites_over_asgi.py",
    "compat/",
    "differential/test_differential.py",
    "differential_asgi/test_wsgi_asgi_wire.py",
    "robustness/",
    "scaleout/",
    "security/test_sec_fuzz.py",
    "test_deploy.py",
    "test_examples.py",
    "test_packaging.py",
    "test_typing.py",
    "test_lazy_imports.py",
    "test_benchmarks_asgi.py::test_load_rounds_",
    "test_benchmarks_scenarios.py::test_python_load_generator",
    "test_benchmarks_scenarios.py::test_scenario_via_",
    "test_benchmarks_scenarios.py::test_bare_app_matches_flask_app",
    "test_benchmarks_scenarios.py::test_tfb_database_behaviour",
    "test_cli.py::test_subprocess_",
    "test_session_cookie_header.py::test_lookup_matches_werkzeug",
    "test_session_hardening.py::test_inflate_matches_zlib",
    "security/test_sec_host_fidelity.py::test_host_check_matches_werkzeug",
    "security/test_sec_host_fidelity.py::test_request_host_of_accepted_requests",
    "test_sessions.py::test_rotated_key_across_implementations",
    "test_sessions.py::test_reference_cookie_read_by_us",
    "test_sessions.py::test_cookie_payload_identical_to_reference",
    "test_sessions.py::test_our_cookie_read_by_reference",
    "test_suite_markers.py::test_slow_marks_",
    "test_suite_markers.py::test_groups_name_",
)

#: Tests that share something a parallel run (``pytest -n``) must not use
#: from two workers at once, grouped onto one worker (``--dist loadgroup``):
#: the type checkers (pyright fetches its Node package on first use, mypy
#: writes its cache in the checkout).
XDIST_GROUPS = {
    "test_typing.py": "typing",
}


#: Tests that compare timings measured on this machine (ours against a bare
#: ASGI app). In a parallel run they never overlap another worker's slow
#: test (type checkers, docs build, package installs, servers), which would
#: take the CPU from one of the two measurements: they hold an exclusive
#: lock that every other slow test holds shared.
TIMING_TESTS = (
    # Latencies of requests while slow or vanished clients load the server.
    "asgi/test_attack.py",
    "asgi/test_hardening.py",
    "asgi/test_servers.py::test_1000_sleepers_close_to_bare_asgi",
    "asgi/test_servers.py::test_blocking_sync_view_does_not_delay_async_requests",
)


@pytest.fixture(autouse=True)
def _timing_tests_run_alone(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[None]:
    """Under pytest-xdist, a slow test holds a lock on a file shared by the
    run's workers: shared by most, exclusive by :data:`TIMING_TESTS`."""
    if (
        fcntl is None
        or "PYTEST_XDIST_WORKER" not in os.environ
        or request.node.get_closest_marker("slow") is None
    ):
        yield
        return
    node = request.node.nodeid.removeprefix("tests/")
    mode = fcntl.LOCK_EX if node.startswith(TIMING_TESTS) else fcntl.LOCK_SH
    # The workers' temporary folders share this parent (pytest-N/popen-gwX).
    path = tmp_path_factory.getbasetemp().parent / "slow-tests.lock"
    with open(path, "a") as lock:
        fcntl.flock(lock, mode)
        yield


def pytest_collection_modifyitems(config: t.Any, items: list[t.Any]) -> None:
    slow = pytest.mark.slow
    xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        node = item.nodeid.removeprefix("tests/")
        if node.startswith(SLOW_PATHS):
            item.add_marker(slow)
        group = XDIST_GROUPS.get(node.split("::", 1)[0])
        if xdist and group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_report_header(config: t.Any) -> str:
    return f"flask imported from: {os.path.dirname(flask.__file__)} ({sys.executable})"
