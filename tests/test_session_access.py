"""Every use of the ``session`` proxy marks the session as accessed, whatever
the session class, so the response carries ``Vary: Cookie`` (GHSA-68rp-wp8r-4726:
without it a shared cache may serve one user's page to another)."""

from __future__ import annotations

import typing as t

import pytest

import flask
from flask.sessions import SessionInterface
from flask.testing import FlaskClient


class PlainSession(dict):  # type: ignore[type-arg]
    """Shaped like Flask-Session's sessions: a plain dict subclass with
    ``accessed`` and ``modified`` attributes and no method overrides."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.accessed = False
        self.modified = False
        self.permanent = False


class PlainInterface(SessionInterface):
    """Adds ``Vary: Cookie`` only when the session reports an access, like
    Flask-Session's interfaces; records the flag it saw."""

    def open_session(self, app: t.Any, request: t.Any) -> PlainSession:
        return PlainSession(user="alice")

    def save_session(self, app: t.Any, session: t.Any, response: t.Any) -> None:
        response.headers["X-Accessed"] = str(session.accessed)
        if session.accessed:
            response.vary.add("Cookie")


def _getitem() -> object:
    try:
        return flask.session["user"]
    except KeyError:  # the default session starts empty
        return None


OPERATIONS: dict[str, t.Callable[[], object]] = {
    "eq": lambda: flask.session == {},
    "ne": lambda: flask.session != {},
    "str": lambda: str(flask.session),
    "repr": lambda: repr(flask.session),
    "template": lambda: flask.render_template_string("{{ session }}"),
    "in": lambda: "user" in flask.session,
    "len": lambda: len(flask.session),
    "bool": lambda: bool(flask.session),
    "iter": lambda: list(flask.session),
    "get": lambda: flask.session.get("user"),
    "getitem": _getitem,
    "keys": lambda: list(flask.session.keys()),
    "copy": lambda: flask.session.copy(),
    "attribute": lambda: flask.session.modified,
    "flashes": lambda: flask.get_flashed_messages(),
}


def _app(custom: bool) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    if custom:
        app.session_interface = PlainInterface()

    for name, op in OPERATIONS.items():
        # Bind ``op`` per route; the view returns a fixed body so only the
        # access counts.
        def view(op: t.Callable[[], object] = op) -> str:
            op()
            return "done"

        app.add_url_rule(f"/{name}", name, view)

    app.add_url_rule("/unused", "unused", lambda: "done")
    return app


@pytest.mark.parametrize("custom", [False, True], ids=["default", "custom"])
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_proxy_access_sets_vary(custom: bool, name: str) -> None:
    client: FlaskClient = _app(custom).test_client()
    rv = client.get(f"/{name}")
    assert rv.status_code == 200
    assert rv.data == b"done"
    assert rv.headers["Vary"] == "Cookie"
    if custom:
        assert rv.headers["X-Accessed"] == "True"
    else:
        # Reading only: the default interface sends no cookie.
        assert rv.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("custom", [False, True], ids=["default", "custom"])
def test_unused_session_has_no_vary(custom: bool) -> None:
    rv = _app(custom).test_client().get("/unused")
    assert rv.status_code == 200
    assert "Vary" not in rv.headers
    if custom:
        assert rv.headers["X-Accessed"] == "False"


def test_session_with_read_only_accessed_still_works() -> None:
    """A class whose ``accessed`` cannot be set is used as it is."""

    class Frozen(dict):  # type: ignore[type-arg]
        __slots__ = ()
        accessed = False
        modified = False
        permanent = False

    class Interface(SessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> Frozen:
            return Frozen(a=1)

        def save_session(self, app: t.Any, session: t.Any, response: t.Any) -> None:
            response.headers["X-Len"] = str(len(session))

    app = flask.Flask(__name__)
    app.secret_key = "k"
    app.session_interface = Interface()
    app.add_url_rule("/", "i", lambda: str(flask.session["a"]))
    rv = app.test_client().get("/")
    assert (rv.status_code, rv.data, rv.headers["X-Len"]) == (200, b"1", "1")


def test_session_proxy_outside_request() -> None:
    app = flask.Flask(__name__)
    with pytest.raises(RuntimeError, match="outside of request context"):
        len(flask.session)
    with app.app_context():
        with pytest.raises(RuntimeError, match="outside of request context"):
            len(flask.session)


@pytest.mark.parametrize("permanent", [False, True], ids=["browser", "permanent"])
def test_saving_a_cookie_session_does_not_mark_it_accessed(permanent: bool) -> None:
    """A request that carries a session cookie but never touches the
    session ends with ``accessed`` false: the interface's own reads while
    saving (its length, ``permanent``, the data it signs) are not uses."""
    from flask.globals import app_ctx

    app = _app(custom=False)

    @app.post("/set")
    def set_value() -> str:
        flask.session["user"] = "alice"
        flask.session.permanent = permanent
        return "set"

    client = app.test_client()
    assert client.post("/set").headers["Vary"] == "Cookie"
    with client:
        rv = client.get("/unused")
        assert (rv.status_code, rv.data) == (200, b"done")
        session = app_ctx._session
        assert session is not None
        assert dict.__getitem__(session, "user") == "alice"  # type: ignore[index]
        assert session.accessed is False
        assert session.modified is False
        # A permanent session is refreshed (SESSION_REFRESH_EACH_REQUEST):
        # the new cookie varies the response on Cookie; otherwise nothing.
        if permanent:
            assert "session=" in rv.headers["Set-Cookie"]
            assert rv.headers["Vary"] == "Cookie"
        else:
            assert "Set-Cookie" not in rv.headers
            assert "Vary" not in rv.headers
    with client:
        rv = client.get("/get")
        assert app_ctx._session.accessed is True
        assert rv.headers["Vary"] == "Cookie"
