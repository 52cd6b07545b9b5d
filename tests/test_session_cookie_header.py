"""The session cookie is read from the ``Cookie`` header exactly as werkzeug
reads it, whitespace included: only spaces and tabs around names and values
are ignored, so a vertical tab or an information separator keeps a name from
matching and stays part of a value."""

from __future__ import annotations

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Request

import flask
from flask.sessions import _session_cookie


def _environ(header: str) -> dict[str, object]:
    return {"REQUEST_METHOD": "GET", "HTTP_COOKIE": header}


def _werkzeug_value(header: str, name: str) -> str | None:
    return Request(_environ(header)).cookies.get(name)


# Whitespace of every kind, the cookie syntax characters, signed-value
# characters and a few non-ASCII ones (a WSGI header is a latin-1 string).
_CHARS = list(' \t\x0b\x0c\x1c\x1f\x85\xa0;="\\,.-_') + list("sAZ09é")
_SEGMENT = st.one_of(
    st.text(st.sampled_from(_CHARS), max_size=10),
    st.builds(
        lambda pre, key, mid, value, post: f"{pre}{key}{mid}{value}{post}",
        st.text(st.sampled_from(" \t\x0b\x1c\xa0"), max_size=2),
        st.sampled_from(["session", "sess", "session\x0b", "other", ""]),
        st.sampled_from(["=", " = ", "\t=", "\x0b=", "", "=\x1c", "==", "=\xa0"]),
        st.text(st.sampled_from(list('abcXY09.-_ \t\x0b\x1c"é')), max_size=8),
        st.text(st.sampled_from(" \t\x0b\x0c\x1c\x85"), max_size=2),
    ),
)
_HEADERS = st.lists(_SEGMENT, max_size=5).map(";".join)


@settings(max_examples=800, deadline=None)
@given(header=_HEADERS, name=st.sampled_from(["session", "sess", "__Host-s"]))
@example(header="\x0bsession=A; session=B", name="session")
@example(header="session=\x1cabc.def", name="session")
@example(header="session=abc.def\x0c", name="session")
@example(header=" \tsession\t = abc.def \t; session=x", name="session")
@example(header="session\xa0=abc; session=def", name="session")
def test_lookup_matches_werkzeug(header: str, name: str) -> None:
    expected = _werkzeug_value(header, name)
    assert _session_cookie(Request(_environ(header)), name) == expected
    # The header parser werkzeug documents gives the same for ASCII headers.
    if header.isascii():
        assert parse_cookie(header).get(name) == expected


@pytest.mark.parametrize("name", ["a b", " s", "s\x0b", "a=b", "", 'q"'])
def test_names_werkzeug_cannot_parse_are_left_to_it(name: str) -> None:
    header = f"{name}=abc.def; x=1"
    assert _session_cookie(Request(_environ(header)), name) == _werkzeug_value(
        header, name
    )


@pytest.fixture
def signed(app: flask.Flask) -> str:
    @app.route("/set")
    def set_value() -> str:
        flask.session["user"] = "alice"
        return ""

    @app.route("/get")
    def get_value() -> str:
        return repr(dict(flask.session))

    header = app.test_client().get("/set").headers["Set-Cookie"]
    return header.partition("=")[2].partition(";")[0]


@pytest.mark.parametrize(
    ("template", "loaded"),
    [
        # werkzeug sees the name "\x0bsession" first, then "session".
        ("\x0bsession=A; session={v}", True),
        ("session=A; \x0bsession={v}", False),
        # The separator is part of the value: a bad signature, no session.
        ("session=\x1c{v}", False),
        ("session={v}\x0c", False),
        ("session=\xa0{v}", False),
        # Spaces and tabs are ignored.
        ("\t session \t= \t{v} \t", True),
    ],
)
def test_session_loaded_as_werkzeug_reads_the_header(
    app: flask.Flask, signed: str, template: str, loaded: bool
) -> None:
    header = template.format(v=signed)
    # The literal expectations are werkzeug >= 3.1.9's, which strips only
    # spaces and tabs; whatever werkzeug is installed is followed.
    if _STRIPS_ONLY_SPACE_AND_TAB:
        assert (_werkzeug_value(header, "session") == signed) is loaded
    loaded = _werkzeug_value(header, "session") == signed
    client = app.test_client(use_cookies=False)
    rv = client.get("/get", headers={"Cookie": header})
    assert rv.data == (b"{'user': 'alice'}" if loaded else b"{}")


_STRIPS_ONLY_SPACE_AND_TAB = parse_cookie("\x0bs=1").get("s") is None
