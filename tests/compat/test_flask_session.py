"""Flask-Session: server-side sessions on the filesystem.

Also checks the requests that never touch ``session``: our session is opened
lazily, while Flask opens it for every request. Flask-Session refreshes the
stored session (and a permanent session's cookie) on each request when
``SESSION_REFRESH_EACH_REQUEST`` is on, so those requests must still save it.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta
from pathlib import Path

import pytest
from compat_support import require

import flask

fsess = require("flask_session")
from cachelib.file import FileSystemCache  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
]


class RecordingCache(FileSystemCache):
    """A FileSystemCache that records the keys written and deleted."""

    def __init__(self, cache_dir: str) -> None:
        super().__init__(cache_dir, threshold=500)
        self.log: list[tuple[str, str]] = []

    def set(self, key: str, value: t.Any, *args: t.Any, **kwargs: t.Any) -> bool:
        if not kwargs.get("mgmt_element"):  # the file counter isn't a session
            self.log.append(("set", key))
        return bool(super().set(key, value, *args, **kwargs))

    def delete(self, key: str) -> bool:
        self.log.append(("delete", key))
        return bool(super().delete(key))


def make_app(tmp_path: Path, **config: t.Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="session secret",
        SESSION_TYPE="cachelib",
        SESSION_CACHELIB=RecordingCache(str(tmp_path / "sessions")),
        PERMANENT_SESSION_LIFETIME=timedelta(days=2),
    )
    app.config.update(config)
    fsess.Session(app)

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        flask.session[key] = value
        return "ok"

    @app.route("/get/<key>")
    def get_value(key: str) -> t.Any:
        return {key: flask.session.get(key)}

    @app.route("/clear")
    def clear() -> str:
        flask.session.clear()
        return "cleared"

    @app.route("/regenerate")
    def regenerate() -> str:
        flask.current_app.session_interface.regenerate(flask.session)  # type: ignore[attr-defined]
        return "new id"

    @app.route("/ping")
    def ping() -> str:
        return "pong"

    return app


def cache_of(app: flask.Flask) -> RecordingCache:
    return app.session_interface.cache  # type: ignore[attr-defined,no-any-return]


def sid_of(client: t.Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value  # type: ignore[no-any-return]


def test_data_is_stored_on_the_server(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    rv = client.get("/set/color/blue")
    assert "Cookie" in rv.vary
    sid = sid_of(client)
    # The cookie holds only the session id, the data is in the store.
    assert "blue" not in rv.headers["Set-Cookie"]
    assert len(sid) >= 32
    assert cache_of(app).get(f"session:{sid}") == {
        "_permanent": True,
        "color": "blue",
    }
    assert any((tmp_path / "sessions").iterdir())
    assert client.get("/get/color").get_json() == {"color": "blue"}


def test_another_client_does_not_see_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.test_client().get("/set/color/blue")
    assert app.test_client().get("/get/color").get_json() == {"color": None}


def test_session_transaction_goes_through_the_store(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    client.get("/set/a/1")
    with client.session_transaction() as sess:
        assert sess["a"] == "1"
        sess["b"] = "2"
    assert client.get("/get/b").get_json() == {"b": "2"}


def test_clear_deletes_the_stored_session_and_cookie(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    client.get("/set/a/1")
    sid = sid_of(client)
    rv = client.get("/clear")
    assert "session=;" in rv.headers["Set-Cookie"]
    assert client.get_cookie("session") is None
    assert cache_of(app).get(f"session:{sid}") is None
    assert ("delete", f"session:{sid}") in cache_of(app).log


def test_regenerate_changes_the_id(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    client.get("/set/a/1")
    old = sid_of(client)
    client.get("/regenerate")
    new = sid_of(client)
    assert new != old
    assert cache_of(app).get(f"session:{old}") is None
    assert client.get("/get/a").get_json() == {"a": "1"}


def test_unknown_id_starts_a_new_session(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    client.set_cookie("session", "forged-or-expired")
    assert client.get("/get/a").get_json() == {"a": None}
    client.get("/set/a/1")
    assert sid_of(client) != "forged-or-expired"


def test_untouched_request_without_cookie_stores_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    rv = client.get("/ping")
    assert "Set-Cookie" not in rv.headers
    assert cache_of(app).log == []


def test_permanent_session_refreshed_on_untouched_request(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    client.get("/set/a/1")
    sid = sid_of(client)
    log = cache_of(app).log
    log.clear()
    rv = client.get("/ping")
    # Flask-Session stores the session again (refreshing its expiry in the
    # store) and sends the cookie with a new expiry date.
    assert log == [("set", f"session:{sid}")]
    assert rv.headers["Set-Cookie"].startswith(f"session={sid};")
    assert "Expires=" in rv.headers["Set-Cookie"]


def test_non_permanent_refreshes_the_store_only(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_PERMANENT=False)
    client = app.test_client()
    rv = client.get("/set/a/1")
    assert "Expires=" not in rv.headers["Set-Cookie"]
    sid = sid_of(client)
    log = cache_of(app).log
    log.clear()
    rv = client.get("/ping")
    assert log == [("set", f"session:{sid}")]
    assert "Set-Cookie" not in rv.headers


def test_no_refresh_each_request(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_REFRESH_EACH_REQUEST=False)
    client = app.test_client()
    client.get("/set/a/1")
    log = cache_of(app).log
    log.clear()
    rv = client.get("/ping")
    assert "Set-Cookie" not in rv.headers
    assert client.get("/get/a").get_json() == {"a": "1"}
    assert log == []


def test_filesystem_session_type(tmp_path: Path) -> None:
    """The older SESSION_TYPE="filesystem" (deprecated by Flask-Session)."""
    app = make_app(
        tmp_path,
        SESSION_TYPE="filesystem",
        SESSION_FILE_DIR=str(tmp_path / "fs"),
    )
    assert type(app.session_interface).__name__ == "FileSystemSessionInterface"
    client = app.test_client()
    client.get("/set/user/ann")
    assert any((tmp_path / "fs").iterdir())
    assert client.get("/get/user").get_json() == {"user": "ann"}
    client.get("/clear")
    assert client.get("/get/user").get_json() == {"user": None}
