"""The oracle environment: pinned like the test environment, and a failed
install is a skip only when the package index is unreachable."""

from __future__ import annotations

import importlib.metadata
import subprocess
import typing as t
from pathlib import Path

import oracle_env
import pytest


def test_pins_follow_this_environment() -> None:
    pins = oracle_env.pins()
    assert pins[0] == f"flask=={oracle_env.FLASK_VERSION}"
    werkzeug = importlib.metadata.version("werkzeug")
    assert f"werkzeug=={werkzeug}" in pins
    assert len(pins) >= 1 + len(oracle_env.SHARED)


@pytest.fixture
def failing_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """Installs into ``tmp_path`` that fail, without a real venv or pip."""
    calls: list[list[str]] = []

    def run(cmd: list[str], **kwargs: t.Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: no connection")

    monkeypatch.setattr(oracle_env, "CACHE", tmp_path)
    monkeypatch.setattr(oracle_env.venv.EnvBuilder, "create", lambda self, d: None)
    monkeypatch.setattr(oracle_env.subprocess, "run", run)
    return calls


def test_unreachable_index_is_a_skip(
    failing_install: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle_env, "_index_reachable", lambda: False)
    with pytest.raises(oracle_env.OracleUnavailable, match="no connection"):
        oracle_env.ensure_oracle()
    assert failing_install[0][-len(oracle_env.pins()) :] == oracle_env.pins()


def test_other_install_failures_fail(
    failing_install: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle_env, "_index_reachable", lambda: True)
    with pytest.raises(RuntimeError, match="installing the oracle failed"):
        oracle_env.ensure_oracle()
