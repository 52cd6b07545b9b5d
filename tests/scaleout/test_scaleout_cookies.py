"""Scenario 1: signed-cookie sessions across hosts, and a key rotation.

Four hosts (gunicorn sync and gthread with two workers each, two uvicorn
processes) behind a round-robin balancer, all configured from the same
environment. The session lives in the cookie, so any process reads it.
Rotating ``SECRET_KEY`` is a rolling restart in two rounds: first every
host learns the new key as a fallback, then every host signs with it and
keeps the old one as a fallback; no user is logged out at any step.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
import scaleout_harness as harness

from flask import Flask

OLD, NEW = "old key of the scale-out test", "new key of the scale-out test"
USERS = ("alice", "bob", "carol")


def _env(key: str, fallbacks: list[str]) -> dict[str, str]:
    env = {"FLASK_SECRET_KEY": key}
    if fallbacks:
        env["FLASK_SECRET_KEY_FALLBACKS"] = json.dumps(fallbacks)
    return env


def _cookie_signed_with(key: str, data: dict[str, t.Any]) -> str:
    """A session cookie value signed with ``key`` alone, made here."""
    app = Flask("signer")
    app.secret_key = key
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    return t.cast(str, serializer.dumps(data))


def _reads_with(key: str, cookie: str) -> dict[str, t.Any] | None:
    """The session data if ``cookie`` verifies with ``key`` alone."""
    app = Flask("reader")
    app.secret_key = key
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    try:
        return t.cast(dict[str, t.Any], serializer.loads(cookie))
    except Exception:
        return None


def _check_everyone_logged_in(
    browsers: dict[str, harness.Browser], balancer: harness.Balancer, step: str
) -> set[str]:
    """Each user sends one request to every host, in turn; all must be
    recognised. Returns the hosts that answered."""
    hosts = set()
    for user, browser in browsers.items():
        for _ in balancer.servers():
            resp = browser.get("/me")
            assert resp.status == 200, (step, user, resp.served_by, resp.body)
            assert resp.json()["user"] == user, (step, resp.served_by)
            hosts.add(resp.served_by.split("/")[0])
    return hosts


def test_signed_cookie_sessions_and_rolling_key_rotation(
    redis_binary: str, workdir: Path
) -> None:
    def host(kind: str, name: str, env: dict[str, str]) -> harness.AppServer:
        return harness.make_server(kind, "cookie_app:app", name, env, workdir)

    kinds = {"sync": "sync", "gthread": "gthread", "uv1": "uvicorn", "uv2": "uvicorn"}
    servers = [host(kind, name, _env(OLD, [])) for name, kind in kinds.items()]
    everything = list(servers)
    balancer = harness.Balancer(servers)
    try:
        with harness.running(servers):
            # A login on one process is honoured by every other.
            browsers = {user: harness.Browser(balancer) for user in USERS}
            for user, browser in browsers.items():
                resp = browser.post("/login", form={"user": user})
                assert resp.status == 200, resp.body
            hosts = _check_everyone_logged_in(browsers, balancer, "start")
            assert hosts == set(kinds)
            visits = browsers["alice"].get("/me").json()["visits"]
            assert visits == len(kinds) + 1
            old_cookie = browsers["alice"].cookies["session"]
            assert _reads_with(OLD, old_cookie) is not None

            # Why the first round is needed: a host that knows only the old
            # key does not accept a cookie signed with the new one.
            forged = harness.Browser(balancer)
            forged.cookies["session"] = _cookie_signed_with(
                NEW, {"user": "alice", "visits": 0}
            )
            resp = forged.get("/me", port=servers[0].port)
            assert resp.status == 401

            # Round 1: every host verifies the new key too, still signs with
            # the old one. Round 2: every host signs with the new key and
            # still verifies the old one. One host at a time: start its
            # replacement, point the balancer at it, stop the old process.
            rounds = [("learn", _env(OLD, [NEW])), ("switch", _env(NEW, [OLD]))]
            for label, env in rounds:
                for i, (name, kind) in enumerate(kinds.items()):
                    old = balancer.servers()[i]
                    new = host(kind, f"{name}-{label}", env)
                    everything.append(new)
                    new.start()
                    balancer.replace(old, new)
                    old.stop()
                    _check_everyone_logged_in(browsers, balancer, f"{label} {name}")

            # Every cookie is now signed with the new key ...
            for browser in browsers.values():
                browser.get("/me")
                cookie = browser.cookies["session"]
                assert _reads_with(NEW, cookie) is not None
                assert _reads_with(OLD, cookie) is None
            # ... and a cookie from before the rotation still works.
            stale = harness.Browser(balancer)
            stale.cookies["session"] = old_cookie
            resp = stale.get("/me")
            assert resp.status == 200
            assert resp.json()["user"] == "alice"
    except Exception:
        print(harness.logs(everything))
        raise
    finally:
        for server in everything:
            server.stop()


@pytest.mark.parametrize("fallbacks", ['["a", "b"]', "a"])
def test_fallbacks_from_the_environment(
    fallbacks: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the hosts above rely on: ``from_prefixed_env`` reads a JSON list
    of fallbacks, and a plain string is taken as one key."""
    monkeypatch.setenv("FLASK_SECRET_KEY", "current")
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", fallbacks)
    app = Flask("env")
    app.config.from_prefixed_env()
    cookie = _cookie_signed_with("a", {"user": "x"})
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    assert serializer.loads(cookie) == {"user": "x"}
