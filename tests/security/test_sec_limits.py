"""Body and cookie limits hold, and nothing is lost silently.

A body over ``MAX_CONTENT_LENGTH`` is a 413 whether it comes with a
``Content-Length`` or chunked (as gunicorn and waitress pass it: no length,
``wsgi.input_terminated`` set). A form that cannot be parsed must not turn
into an empty form that the view takes for a real one.
"""

from __future__ import annotations

import io
import logging
import random
import string
import typing as t
import warnings

import pytest

from flask import Flask
from flask import request
from flask import session
from flask.testing import FlaskClient


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.post("/form")
    def form() -> dict[str, t.Any]:
        return {
            "form": request.form.to_dict(),
            "files": {k: len(v.read()) for k, v in request.files.items()},
        }

    @app.post("/data")
    def data() -> dict[str, int]:
        return {"len": len(request.get_data())}

    @app.post("/read")
    def read_all() -> dict[str, int]:
        return {"len": len(request.stream.read())}

    @app.post("/loop")
    def read_loop() -> dict[str, int]:
        size = 0
        while chunk := request.stream.read(16):
            size += len(chunk)
        return {"len": size}

    @app.post("/json")
    def json_body() -> dict[str, t.Any]:
        return {"json": request.get_json()}

    @app.route("/session")
    def read_session() -> dict[str, t.Any]:
        return {"session": dict(session)}

    @app.route("/session/login")
    def login() -> str:
        session["user"] = "alice"
        return "ok"

    @app.route("/session/blob/<int:size>")
    def blob(size: int) -> str:
        # Random text does not compress, so the cookie really grows.
        rnd = random.Random(size)
        session["blob"] = "".join(rnd.choices(string.ascii_letters, k=size))
        return "ok"

    return app


READERS = {
    "/form": ("application/x-www-form-urlencoded", b"a="),
    "/data": ("application/octet-stream", b""),
    "/read": ("application/octet-stream", b""),
    "/loop": ("application/octet-stream", b""),
    "/json": ("application/json", b""),
}


def _body(path: str, size: int) -> tuple[str, bytes]:
    content_type, prefix = READERS[path]
    return content_type, prefix + b"1" * (size - len(prefix))


# -- MAX_CONTENT_LENGTH --------------------------------------------------------------


@pytest.mark.parametrize("path", list(READERS))
def test_content_length_over_limit_is_413(
    app: Flask, raw: t.Any, errors: list[BaseException], path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    content_type, body = _body(path, 101)
    rv = raw(path, method="POST", headers={"Content-Type": content_type}, body=body)
    assert rv.status_code == 413
    assert errors == []


@pytest.mark.parametrize("path", list(READERS))
def test_content_length_at_limit_is_accepted(
    app: Flask, raw: t.Any, errors: list[BaseException], path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    content_type, body = _body(path, 100)
    rv = raw(path, method="POST", headers={"Content-Type": content_type}, body=body)
    assert rv.status_code == 200
    assert errors == []


@pytest.mark.parametrize("path", ["/loop"])
def test_chunked_body_over_limit_read_in_pieces_is_413(
    app: Flask, raw: t.Any, errors: list[BaseException], path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    content_type, body = _body(path, 150)
    rv = raw(
        path,
        method="POST",
        headers={"Content-Type": content_type},
        body=body,
        chunked=True,
    )
    assert rv.status_code == 413
    assert errors == []


@pytest.mark.parametrize("path", ["/form", "/data", "/read", "/json"])
def test_chunked_body_over_limit_read_whole_is_413(
    app: Flask, raw: t.Any, errors: list[BaseException], path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    content_type, body = _body(path, 150)
    rv = raw(
        path,
        method="POST",
        headers={"Content-Type": content_type},
        body=body,
        chunked=True,
    )
    assert errors == []
    # For /json, a cut number is still valid JSON: 200 with the wrong value.
    assert rv.status_code == 413


@pytest.mark.parametrize("path", ["/form", "/data", "/read", "/json"])
def test_chunked_body_under_limit_is_read_fully(
    app: Flask, raw: t.Any, errors: list[BaseException], path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    content_type, body = _body(path, 99)
    rv = raw(
        path,
        method="POST",
        headers={"Content-Type": content_type},
        body=body,
        chunked=True,
    )
    assert rv.status_code == 200
    if path in {"/data", "/read"}:
        assert rv.body == b'{"len":99}\n'
    elif path == "/form":
        assert rv.body == b'{"files":{},"form":{"a":"' + b"1" * 97 + b'"}}\n'
    assert errors == []


@pytest.mark.parametrize("path", ["/data", "/read"])
def test_chunked_body_exactly_at_limit_read_whole(
    app: Flask, raw: t.Any, errors: list[BaseException], path: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    content_type, body = _body(path, 100)
    rv = raw(path, method="POST", body=body, chunked=True)
    assert rv.status_code == 200
    assert rv.body == b'{"len":100}\n'
    assert errors == []


def test_chunked_body_exactly_at_limit_read_in_pieces(
    app: Flask, raw: t.Any, errors: list[BaseException]
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    rv = raw("/loop", method="POST", body=b"1" * 100, chunked=True)
    assert errors == []
    assert rv.status_code == 200
    assert rv.body == b'{"len":100}\n'


def test_chunked_body_without_limit_is_read_fully(
    raw: t.Any, errors: list[BaseException]
) -> None:
    rv = raw("/data", method="POST", body=b"x" * 300_000, chunked=True)
    assert rv.status_code == 200
    assert rv.body == b'{"len":300000}\n'
    assert errors == []


def test_limit_applies_to_multipart_chunked(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    rv = client.post(
        "/form",
        data={"f": (io.BytesIO(b"x" * 5000), "f.bin")},
        environ_overrides={"wsgi.input_terminated": True},
        headers={"Content-Length": ""},
    )
    assert rv.status_code == 413
    assert errors == []


# -- MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS -------------------------------------------


def test_form_field_over_memory_limit_is_413(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    rv = client.post(
        "/form", data={"a": "x" * 150_000}, content_type="multipart/form-data"
    )
    assert rv.status_code == 413
    assert errors == []


_FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
@pytest.mark.parametrize(
    ("limit", "size", "status"),
    [
        (None, 500_000, 200),  # the default, 500_000: at it
        (None, 500_001, 413),
        (1000, 1000, 200),
        (1000, 1001, 413),
        (1000, 10_000_000, 413),
        (0, 0, 200),
        (0, 1, 413),
    ],
)
def test_urlencoded_body_limited_by_max_form_memory_size(
    app: Flask,
    raw: t.Any,
    errors: list[BaseException],
    limit: int | None,
    size: int,
    status: int,
    chunked: bool,
) -> None:
    if limit is not None:
        app.config["MAX_FORM_MEMORY_SIZE"] = limit
    assert app.config["MAX_FORM_MEMORY_SIZE"] == (500_000 if limit is None else limit)
    body = (b"a=" + b"x" * (size - 2)) if size >= 2 else b"a" * size
    rv = raw(
        "/form",
        method="POST",
        headers={"Content-Type": _FORM},
        body=body,
        chunked=chunked,
    )
    assert rv.status_code == status
    if status == 200 and size >= 2:
        assert rv.body == b'{"files":{},"form":{"a":"' + b"x" * (size - 2) + b'"}}\n'
    assert errors == []


def test_urlencoded_limit_can_be_disabled(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = None
    rv = client.post("/form", data=b"a=" + b"x" * 600_000, content_type=_FORM)
    assert rv.status_code == 200
    assert len(rv.json["form"]["a"]) == 600_000
    assert errors == []


@pytest.mark.parametrize(
    ("content_limit", "size", "status"),
    [
        (10_000, 1000, 200),
        (10_000, 1001, 413),  # over the form limit, under the body limit
        (500, 500, 200),
        (500, 501, 413),  # over the body limit
    ],
)
def test_urlencoded_limit_with_max_content_length(
    app: Flask, raw: t.Any, content_limit: int, size: int, status: int
) -> None:
    app.config.update(MAX_FORM_MEMORY_SIZE=1000, MAX_CONTENT_LENGTH=content_limit)
    body = b"a=" + b"x" * (size - 2)
    for chunked in (False, True):
        rv = raw(
            "/form",
            method="POST",
            headers={"Content-Type": _FORM},
            body=body,
            chunked=chunked,
        )
        assert rv.status_code == status, chunked
        if status == 200:
            assert rv.body == b'{"files":{},"form":{"a":"' + body[2:] + b'"}}\n'


class _Trickle(io.RawIOBase):
    """A body that hands out at most 7 bytes per read, like a slow socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        chunk = self._data.read(min(len(buffer), 7))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize(("size", "status"), [(100, 200), (101, 413)])
def test_urlencoded_limit_with_short_reads(
    app: Flask, raw: t.Any, size: int, status: int
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    body = b"a=" + b"x" * (size - 2)
    rv = raw(
        "/form",
        method="POST",
        headers={"Content-Type": _FORM},
        body=body,
        chunked=True,
        **{"wsgi.input": _Trickle(body)},
    )
    assert rv.status_code == status
    if status == 200:
        assert rv.body == b'{"files":{},"form":{"a":"' + b"x" * 98 + b'"}}\n'


def test_file_larger_than_memory_limit_is_accepted(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    # The limit is for fields kept in memory; files stream to disk.
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    rv = client.post(
        "/form",
        data={"a": "x" * 1000, "f": (io.BytesIO(b"y" * 300_000), "f.bin")},
    )
    assert rv.status_code == 200
    assert rv.json == {"form": {"a": "x" * 1000}, "files": {"f": 300_000}}
    assert errors == []


def test_too_many_form_parts_is_413(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["MAX_FORM_PARTS"] = 5
    many = {f"k{i}": "v" for i in range(6)}
    rv = client.post("/form", data=many, content_type="multipart/form-data")
    assert rv.status_code == 413
    few = {f"k{i}": "v" for i in range(5)}
    rv = client.post("/form", data=few, content_type="multipart/form-data")
    assert rv.status_code == 200
    assert rv.json["form"] == few
    assert errors == []


# -- forms that cannot be parsed -------------------------------------------------------

_PART_A = b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
_PART_B = b'--XX\r\nContent-Disposition: form-data; name="b"\r\n\r\n2\r\n'
_MULTIPART = "multipart/form-data; boundary=XX"
_URLENCODED = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(_URLENCODED, b"a=1&b=\xff&c=3", id="urlencoded-raw-byte"),
        pytest.param(
            _MULTIPART,
            _PART_A + _PART_B.replace(b'name="b"', b'name="\xffb"') + b"--XX--\r\n",
            id="multipart-name-byte",
        ),
        pytest.param(
            _MULTIPART,
            _PART_A + _PART_B.replace(b"Disposition", b"Dis\xffposition") + b"--XX--",
            id="multipart-header-byte",
        ),
        pytest.param(_MULTIPART, _PART_A + _PART_B + b"--XX-\xff\r\n", id="end-byte"),
        pytest.param(_MULTIPART, _PART_A + _PART_B[:-8], id="truncated"),
        pytest.param(
            "multipart/form-data", _PART_A + _PART_B + b"--XX--\r\n", id="no-boundary"
        ),
    ],
)
def test_unparsable_form_is_not_silently_emptied(
    client: FlaskClient, errors: list[BaseException], content_type: str, body: bytes
) -> None:
    rv = client.post("/form", data=body, content_type=content_type)
    assert errors == []
    # Either the client is told (400), or the fields that were fine are kept.
    if rv.status_code != 400:
        assert rv.status_code == 200
        assert rv.json["form"].get("a") == "1", rv.json


def test_valid_forms_still_parse(client: FlaskClient) -> None:
    rv = client.post("/form", data=b"a=1&b=2", content_type=_URLENCODED)
    assert rv.json["form"] == {"a": "1", "b": "2"}
    rv = client.post(
        "/form", data=_PART_A + _PART_B + b"--XX--\r\n", content_type=_MULTIPART
    )
    assert rv.json["form"] == {"a": "1", "b": "2"}
    # No body with a form content type is an empty form, not an error.
    rv = client.post("/form", content_type=_URLENCODED)
    assert rv.status_code == 200
    assert rv.json["form"] == {}


# -- MAX_COOKIE_SIZE -------------------------------------------------------------------


def _cookie_messages(
    caught: list[warnings.WarningMessage], caplog: pytest.LogCaptureFixture
) -> list[str]:
    rv = [str(w.message) for w in caught]
    rv += [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    return rv


def test_session_cookie_under_limit_is_set(client: FlaskClient) -> None:
    rv = client.get("/session/blob/3000")
    assert rv.headers["Set-Cookie"].startswith("session=")
    assert len(client.get("/session").json["session"]["blob"]) == 3000


def test_oversized_session_cookie_warns_and_keeps_old_cookie(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/session/login")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rv = client.get("/session/blob/6000")
    assert rv.status_code == 200
    messages = _cookie_messages(caught, caplog)
    assert any("too large" in m for m in messages), messages
    assert "Set-Cookie" not in rv.headers
    # The browser still has the previous cookie: the login survives.
    assert client.get("/session").json == {"session": {"user": "alice"}}


def test_oversized_session_cookie_fails_loudly_in_debug(
    app: Flask, client: FlaskClient
) -> None:
    app.debug = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception, match="(?i)too large|MAX_COOKIE_SIZE") as info:
            client.get("/session/blob/6000")
    assert not isinstance(info.value, Warning)


def test_cookie_size_check_can_be_disabled(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_COOKIE_SIZE"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rv = client.get("/session/blob/6000")
    assert rv.headers["Set-Cookie"].startswith("session=")
