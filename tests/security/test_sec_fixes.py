"""Edge cases around the fixes for the client-error, limit and traversal bugs
the other security tests found: what the fixes must not break, and the
corners they must also cover."""

from __future__ import annotations

import io
import logging
import os
import random
import string
import time
import typing as t
import warnings
import zlib

import pytest
from itsdangerous.encoding import base64_encode
from werkzeug.routing import IntegerConverter as WzIntegerConverter
from werkzeug.routing import Map

import flask._converters
from flask import Flask
from flask import request
from flask import send_from_directory
from flask import session
from flask import url_for
from flask.testing import FlaskClient
from flask.wrappers import FormDataParser

_MULTIPART = "multipart/form-data; boundary=XX"
_PART_A = b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.post("/json")
    def post_json() -> dict[str, t.Any]:
        first = request.get_json(silent=True)
        return {"json": first, "again": request.get_json(silent=True)}

    @app.post("/json/strict")
    def post_json_strict() -> dict[str, t.Any]:
        return {"json": request.get_json()}

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> dict[str, t.Any]:
        return {
            "args": request.args.to_dict(),
            "full_path": request.full_path,
            "url": request.url,
            "form": request.form.to_dict(),
        }

    @app.route("/host")
    def host() -> dict[str, str]:
        return {"host": request.host, "url": url_for("host", _external=True)}

    @app.route("/session")
    def read_session() -> dict[str, t.Any]:
        return {"session": dict(session)}

    @app.route("/session/set/<int:size>")
    def set_session(size: int) -> str:
        rnd = random.Random(size)
        session["blob"] = "".join(rnd.choices(string.ascii_letters, k=size))
        return "ok"

    @app.route("/n/<int:n>")
    def int_view(n: int) -> dict[str, int]:
        return {"n": n}

    @app.route("/fixed/<int(fixed_digits=3):n>")
    def fixed_view(n: int) -> dict[str, int]:
        return {"n": n}

    @app.route("/range/<int(min=1, max=9):n>")
    def range_view(n: int) -> dict[str, int]:
        return {"n": n}

    @app.route("/signed/<float(signed=True):x>")
    def signed_float(x: float) -> dict[str, float]:
        return {"x": x}

    @app.post("/read/<int:size>")
    def read_sized(size: int) -> dict[str, int]:
        total = 0
        while chunk := request.stream.read(size):
            total += len(chunk)
        return {"len": total}

    return app


# -- JSON nesting -------------------------------------------------------------------


def test_deep_json_silent_is_none(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    body = "[" * 100_000 + "]" * 100_000
    rv = client.post("/json", data=body, content_type="application/json")
    assert rv.status_code == 200
    assert rv.json == {"json": None, "again": None}
    assert errors == []


def test_deep_json_message_in_debug(app: Flask, client: FlaskClient) -> None:
    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = "[" * 100_000 + "]" * 100_000
    rv = client.post("/json/strict", data=body, content_type="application/json")
    assert rv.status_code == 400
    assert b"nested too deeply" in rv.data


def test_deep_json_outside_a_request_still_raises() -> None:
    # Only request parsing changes; flask.json.loads keeps json's behaviour.
    with pytest.raises(RecursionError):
        flask.json.loads("[" * 100_000 + "]" * 100_000)


def test_deeply_nested_session_cookie_is_an_empty_session(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    # Only a key holder can sign one; it must still not be a 500.
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    deep = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    payload = b"." + base64_encode(zlib.compress(deep))
    cookie = serializer.make_signer(serializer.salt).sign(payload).decode()
    client.set_cookie("session", cookie)
    rv = client.get("/session")
    assert rv.status_code == 200
    assert rv.json == {"session": {}}
    assert errors == []


# -- query strings -------------------------------------------------------------------


def test_raw_utf8_query_is_decoded(raw: t.Any, errors: list[BaseException]) -> None:
    rv = raw("/echo", query="q=caf\xc3\xa9&x=%41")
    assert rv.status_code == 200
    assert b'"args":{"q":"caf\\u00e9","x":"A"}' in rv.body
    assert b'"full_path":"/echo?q=caf\\u00e9&x=%41"' in rv.body
    assert errors == []


def test_raw_invalid_query_in_full_path_and_url(
    raw: t.Any, errors: list[BaseException]
) -> None:
    rv = raw("/echo", query="x=\xff&y=1")
    assert rv.status_code == 200
    assert b'"full_path":"/echo?x=%FF&y=1"' in rv.body
    assert b'"url":"http://localhost/echo?x=%FF&y=1"' in rv.body
    assert errors == []


# -- Host header ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expect"),
    [
        ("localhost:65535", "localhost:65535"),
        ("example.com:50000", "example.com:50000"),
        ("[::1]:8080", "[::1]:8080"),
        ("[::1]", "[::1]"),
        ("example.com.", "example.com."),
        ("EXAMPLE.com", "EXAMPLE.com"),
        # The scheme's default port is dropped, as werkzeug does.
        ("localhost:80", "localhost"),
        # Non-ASCII names are read in their IDNA form.
        ("é.com:80", "xn--9ca.com"),
    ],
)
def test_valid_hosts(
    client: FlaskClient, errors: list[BaseException], host: str, expect: str
) -> None:
    for _ in range(2):  # the second time from the cache of valid hosts
        rv = client.get("/host", headers={"Host": host})
        assert rv.status_code == 200
        assert rv.json["host"] == expect
    assert errors == []


@pytest.mark.parametrize(
    "host",
    # Hosts werkzeug discards (request.host == ""), so they are 400s too: an
    # underscore, an empty or zero-padded port; also in an IDNA-encoded name.
    ["a:0", "a:65536", "a:1:2", "[::1]x", "a\tb", "é_x.com", "my_service:5000"]
    + ["a:", "a:080", "_", ":80", "é.com:080"],
)
def test_more_malformed_hosts(
    client: FlaskClient, errors: list[BaseException], host: str
) -> None:
    for _ in range(2):
        assert client.get("/host", headers={"Host": host}).status_code == 400
    assert errors == []


def test_error_handler_can_read_a_malformed_host(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    @app.errorhandler(400)
    def bad_request(e: Exception) -> tuple[str, int]:
        return f"bad host {request.host!r} {request.url}", 400

    rv = client.get("/host", headers={"Host": "a b"})
    assert rv.status_code == 400
    assert rv.data == b"bad host '' http:///host"
    assert errors == []


def test_malformed_host_with_trusted_hosts(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    assert client.get("/host", headers={"Host": "a b"}).status_code == 400
    assert client.get("/host", headers={"Host": "localhost"}).status_code == 200
    assert errors == []


# -- number converters -----------------------------------------------------------------


def test_app_map_uses_ascii_converters(app: Flask) -> None:
    assert app.url_map.converters["int"] is flask._converters.IntegerConverter
    assert app.url_map.converters["float"] is flask._converters.FloatConverter


def test_custom_map_converters_are_kept() -> None:
    class MyInt(WzIntegerConverter):
        regex = r"\d{1,3}"

    class MyMap(Map):
        default_converters = dict(Map.default_converters, int=MyInt)

    class MyApp(Flask):
        url_map_class = MyMap

    app = MyApp(__name__)
    assert app.url_map.converters["int"] is MyInt
    assert app.url_map.converters["float"] is flask._converters.FloatConverter


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/n/007", 200, {"n": 7}),
        ("/fixed/042", 200, {"n": 42}),
        ("/fixed/42", 404, None),
        ("/range/9", 200, {"n": 9}),
        ("/range/10", 404, None),
        ("/signed/-1.5", 200, {"x": -1.5}),
        ("/signed/-\u0661.5", 404, None),
    ],
)
def test_converter_options_still_work(
    client: FlaskClient, path: str, status: int, body: t.Any
) -> None:
    rv = client.get(path)
    assert rv.status_code == status
    if body is not None:
        assert rv.json == body


def test_converters_build_urls(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("int_view", n=12) == "/n/12"
        assert url_for("fixed_view", n=5) == "/fixed/005"
        assert url_for("signed_float", x=-2.5) == "/signed/-2.5"


def test_huge_int_is_fast_404(client: FlaskClient) -> None:
    start = time.perf_counter()
    for _ in range(20):
        assert client.get("/n/" + "7" * 5000).status_code == 404
    assert time.perf_counter() - start < 2


# -- chunked bodies and MAX_CONTENT_LENGTH ---------------------------------------------


@pytest.mark.parametrize("size", [1, 7, 100, 101, 4096])
@pytest.mark.parametrize(("length", "status"), [(99, 200), (100, 200), (101, 413)])
def test_chunked_read_sizes_around_limit(
    app: Flask,
    raw: t.Any,
    errors: list[BaseException],
    size: int,
    length: int,
    status: int,
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    rv = raw(f"/read/{size}", method="POST", body=b"x" * length, chunked=True)
    assert rv.status_code == status
    if status == 200:
        assert rv.body == b'{"len":%d}\n' % length
    assert errors == []


def test_zero_limit_accepts_an_empty_chunked_body(
    app: Flask, raw: t.Any, errors: list[BaseException]
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 0
    assert raw("/read/10", method="POST", body=b"", chunked=True).status_code == 200
    assert raw("/read/10", method="POST", body=b"x", chunked=True).status_code == 413
    assert errors == []


def test_chunked_form_at_limit(
    app: Flask, raw: t.Any, errors: list[BaseException]
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = len(_PART_A) + 8
    body = _PART_A + b"--XX--\r\n"
    headers = {"Content-Type": _MULTIPART}
    rv = raw("/echo", method="POST", headers=headers, body=body, chunked=True)
    assert rv.status_code == 200
    assert b'"form":{"a":"1"}' in rv.body
    rv = raw("/echo", method="POST", headers=headers, body=body + b"x", chunked=True)
    assert rv.status_code == 413
    assert errors == []


def test_content_length_with_terminated_input_over_limit(
    app: Flask, raw: t.Any, errors: list[BaseException]
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10
    rv = raw(
        "/read/4",
        method="POST",
        body=b"x" * 11,
        headers={"Content-Length": "11"},
        **{"wsgi.input_terminated": True},
    )
    assert rv.status_code == 413
    assert errors == []


# -- forms -----------------------------------------------------------------------------


def test_urlencoded_raw_bytes_stay_percent_encoded(
    client: FlaskClient, errors: list[BaseException]
) -> None:
    rv = client.post(
        "/echo",
        data=b"a=1&b=caf\xc3\xa9&c=\xff&d=%FF",
        content_type="application/x-www-form-urlencoded",
    )
    assert rv.status_code == 200
    assert rv.json["form"] == {"a": "1", "b": "caf\u00e9", "c": "%FF", "d": "%FF"}
    assert errors == []


@pytest.mark.parametrize("chunked", [False, True])
def test_empty_multipart_body_is_an_empty_form(
    raw: t.Any, errors: list[BaseException], chunked: bool
) -> None:
    headers = {"Content-Type": _MULTIPART}
    rv = raw("/echo", method="POST", headers=headers, body=b"", chunked=chunked)
    assert rv.status_code == 200
    assert b'"form":{}' in rv.body
    assert errors == []


def test_multipart_without_any_part_is_an_empty_form(client: FlaskClient) -> None:
    rv = client.post("/echo", data=b"--XX--\r\n", content_type=_MULTIPART)
    assert rv.status_code == 200
    assert rv.json["form"] == {}


def test_broken_multipart_says_why(client: FlaskClient) -> None:
    rv = client.post("/echo", data=_PART_A, content_type=_MULTIPART)
    assert rv.status_code == 400
    assert b"multipart form data could not be parsed" in rv.data


def test_error_handler_sees_empty_form_after_parse_error(
    app: Flask, client: FlaskClient, errors: list[BaseException]
) -> None:
    @app.errorhandler(400)
    def bad_request(e: Exception) -> tuple[dict[str, t.Any], int]:
        return {"form": request.form.to_dict(), "files": len(request.files)}, 400

    rv = client.post("/echo", data=_PART_A, content_type=_MULTIPART)
    assert rv.status_code == 400
    assert rv.json == {"form": {}, "files": 0}
    assert errors == []


def test_silent_parser_keeps_werkzeug_behaviour() -> None:
    parser = FormDataParser(silent=True)
    _, form, files = parser.parse(
        io.BytesIO(_PART_A), "multipart/form-data", len(_PART_A), {"boundary": "XX"}
    )
    assert not form and not files


# -- MAX_COOKIE_SIZE -------------------------------------------------------------------


def _cookie_header(client: FlaskClient, url: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return client.get(url).headers.get("Set-Cookie")


def _name_value_size(header: str) -> int:
    name, _, rest = header.partition("=")
    return len(name) + len(rest.partition(";")[0])


@pytest.mark.parametrize("extra", [0, 1])
def test_cookie_limit_is_name_plus_value(
    app: Flask, extra: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Browsers keep a cookie whose name plus value is up to 4096 bytes,
    whatever its attributes add; one byte more and it is not sent."""
    app.config.update(
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/a/long/cookie/path",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config["MAX_COOKIE_SIZE"] = 0
    header = _cookie_header(app.test_client(), "/session/set/3980")
    assert header is not None
    value_size = _name_value_size(header) - len("session")
    app.config["MAX_COOKIE_SIZE"] = 4093
    app.config["SESSION_COOKIE_NAME"] = "s" * (4096 - value_size + extra)
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        header = app.test_client().get("/session/set/3980").headers.get("Set-Cookie")
    if extra:
        assert header is None
        assert "4097 bytes" in caplog.text
    else:
        assert header is not None
        assert _name_value_size(header) == 4096
        assert len(header) > 4093 + 60
        # werkzeug's own check (whole header over MAX_COOKIE_SIZE) still
        # warns, as with real Flask, but the cookie is sent.
        assert [str(m.message) for m in w if "too large" in str(m.message)]
        assert caplog.text == ""


def test_header_over_max_cookie_size_keeps_session_change(
    app: Flask, client: FlaskClient
) -> None:
    """A 4042-byte name+value in a 4104-byte header: sent (werkzeug warns),
    and the next request sees the change."""
    app.config.update(
        SESSION_COOKIE_DOMAIN="localhost.example",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_SAMESITE="Strict",
    )

    @app.route("/session/size")
    def size() -> str:
        return str(len(session.get("blob", "")))

    with pytest.warns(UserWarning, match="'session' cookie is too large"):
        rv = client.get("/session/set/4080")
    header = rv.headers["Set-Cookie"]
    assert len(header) > 4093
    assert _name_value_size(header) < 4096
    client.set_cookie("session", header.partition("=")[2].partition(";")[0])
    assert client.get("/session/size").data == b"4080"


def test_max_cookie_size_above_browser_limit_raises_it(
    app: Flask, client: FlaskClient
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 10_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        header = client.get("/session/set/6000").headers["Set-Cookie"]
    assert 4096 < _name_value_size(header) < 10_000
    app.config["MAX_COOKIE_SIZE"] = 5000
    assert "Set-Cookie" not in client.get("/session/set/6000").headers


def test_oversized_cookie_is_logged_and_keeps_vary(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        rv = client.get("/session/set/6000")
    assert "Set-Cookie" not in rv.headers
    assert rv.headers["Vary"] == "Cookie"
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "MAX_COOKIE_SIZE" in record.getMessage()
    assert "not sent" in record.getMessage()


def test_oversized_cookie_error_in_debug(app: Flask, client: FlaskClient) -> None:
    app.debug = True
    with pytest.raises(RuntimeError, match="too large.*over the limit of 4096 bytes"):
        client.get("/session/set/6000")


# -- symlinks --------------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: t.Any) -> Flask:
    root = tmp_path / "app"
    static = root / "static"
    (static / "real").mkdir(parents=True)
    (static / "real" / "f.txt").write_bytes(b"f\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "o.txt").write_bytes(b"secret\n")
    try:
        (static / "alias").symlink_to(static / "real", target_is_directory=True)
        (static / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
        (static / "up.txt").symlink_to(os.path.join("..", "..", "outside", "o.txt"))
    except (OSError, NotImplementedError):
        pytest.skip("symlinks are not available")
    app = Flask("linked", root_path=os.fspath(root))

    @app.route("/abs/<path:name>")
    def absolute(name: str) -> t.Any:
        return send_from_directory(os.fspath(static), name)

    @app.route("/dot/<path:name>")
    def dot(name: str) -> t.Any:
        return send_from_directory("static/", name)

    return app


@pytest.mark.parametrize("prefix", ["/static/", "/abs/", "/dot/"])
def test_symlinks_inside_are_served_outside_are_not(linked: Flask, prefix: str) -> None:
    client = linked.test_client()
    with client.get(prefix + "alias/f.txt") as rv:
        assert rv.status_code == 200
        assert rv.data == b"f\n"
    for name in ["out/o.txt", "up.txt", "alias/../out/o.txt"]:
        with client.get(prefix + name) as rv:
            assert rv.status_code == 404, name
            assert b"secret" not in rv.data
