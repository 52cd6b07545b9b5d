"""More fast paths on the WSGI request path, each checked against the slow
path it stands in for."""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import json
import operator
import typing as t

import pytest

import flask
from flask._responses import make_response
from flask.json.provider import _one_shot


def _sync(x: int = 1) -> int:
    return x


async def _async(x: int = 1) -> int:
    return x


class _Callable:
    def __call__(self) -> int:
        return 1


class _AsyncCallable:
    async def __call__(self) -> int:
        return 1


class _Methods:
    def sync(self) -> int:
        return 1

    async def coro(self) -> int:
        return 1


def _marked() -> t.Any:
    def f() -> t.Any:
        return asyncio.sleep(0)

    mark = getattr(inspect, "markcoroutinefunction", None)
    return mark(f) if mark else f


def _with_marker_attribute() -> t.Any:
    def f() -> int:
        return 1

    f._is_coroutine_marker = "something else"  # type: ignore[attr-defined]
    return f


CALLABLES = [
    _sync,
    _async,
    lambda: 1,
    functools.partial(_async, 2),
    functools.partial(_sync, 2),
    _Methods().sync,
    _Methods().coro,
    _Callable(),
    _AsyncCallable(),
    print,
    _marked(),
    _with_marker_attribute(),
]


@pytest.mark.parametrize("func", CALLABLES)
def test_ensure_sync_wraps_exactly_the_coroutine_functions(func: t.Any) -> None:
    app = flask.Flask(__name__)
    wrapped = app.ensure_sync(func)
    assert (wrapped is func) is (not inspect.iscoroutinefunction(func))


def test_request_close_closes_uploaded_files_only_when_there_are_some() -> None:
    app = flask.Flask(__name__)
    seen: list[t.Any] = []

    @app.post("/")
    def upload() -> str:
        seen.append(flask.request.files["f"])
        return "ok"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    client = app.test_client()
    data = {"f": (io.BytesIO(b"content"), "a.txt")}
    assert client.post("/", data=data).text == "ok"
    assert seen[0].stream.closed
    assert client.get("/plain").text == "plain"
    with app.test_request_context("/plain"):
        flask.request.close()  # nothing parsed: nothing to close, no error


VALUES = [
    {"b": 1, "a": [1, 2.5, None, True]},
    ["é", "\u2028", "<script>"],
    {"nested": {"z": {}, "y": []}},
    "text",
    1.5,
]
ARGS: list[dict[str, t.Any]] = [
    {},
    {"separators": (",", ":")},
    {"indent": 2},
    {"indent": "\t", "separators": (", ", ": ")},
    {"sort_keys": False},
    {"ensure_ascii": False},
    {"separators": [",", ":"]},  # unhashable: json.dumps itself
    {"allow_nan": False},  # not one of the reused encoder's arguments
]


@pytest.mark.parametrize("kwargs", ARGS)
def test_json_dumps_reuses_an_encoder_with_json_dumps_output(
    kwargs: dict[str, t.Any],
) -> None:
    app = flask.Flask(__name__)
    provider = app.json
    for value in VALUES:
        expected = json.dumps(
            value,
            **{"default": provider.default, "ensure_ascii": True, "sort_keys": True}
            | kwargs,
        )
        assert provider.dumps(value, **kwargs) == expected
        assert provider.dumps(value, **kwargs) == expected  # reused


def test_json_dumps_follows_provider_attributes_changed_later() -> None:
    app = flask.Flask(__name__)
    value = {"b": "é", "a": 1}
    assert app.json.dumps(value) == '{"a": 1, "b": "\\u00e9"}'
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    assert app.json.dumps(value) == '{"b": "é", "a": 1}'
    app.json.default = lambda o: "custom"  # type: ignore[attr-defined]
    assert app.json.dumps({"x": object()}) == '{"x": "custom"}'
    with pytest.raises(ValueError):
        app.json.dumps(float("nan"), allow_nan=False)


def test_response_text_follows_settings_changed_between_responses() -> None:
    """The JSON response body keeps the last call's encoder only while the
    provider's settings are the same objects: each change below (on the
    instance, on the class, the app's debug mode) is seen on the next
    response, and a ``default`` method (a new bound method per access)
    keeps working."""
    app = flask.Flask(__name__)
    value = {"b": "é", "a": [1]}

    def body() -> str:
        with app.app_context():
            return flask.jsonify(value).get_data(as_text=True)

    def expected(**kw: t.Any) -> str:
        settings = {"sort_keys": True, "ensure_ascii": True} | kw
        if "indent" not in kw:
            settings["separators"] = (",", ":")
        return json.dumps(value, **settings) + "\n"

    assert body() == body() == expected()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    assert body() == body() == expected(ensure_ascii=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    assert body() == expected(ensure_ascii=False, sort_keys=False)
    app.debug = True
    assert body() == expected(ensure_ascii=False, sort_keys=False, indent=2)
    app.json.compact = True  # type: ignore[attr-defined]
    assert body() == expected(ensure_ascii=False, sort_keys=False)
    app.debug = False
    app.json.compact = False  # type: ignore[attr-defined]
    assert body() == expected(ensure_ascii=False, sort_keys=False, indent=2)
    del app.json.compact  # type: ignore[attr-defined]
    del app.json.sort_keys  # type: ignore[attr-defined]
    del app.json.ensure_ascii  # type: ignore[attr-defined]
    assert body() == expected()
    value["c"] = object()
    app.json.default = lambda o: "first"  # type: ignore[attr-defined]
    assert '"c":"first"' in body()
    app.json.default = lambda o: "second"  # type: ignore[attr-defined]
    assert '"c":"second"' in body()

    class Provider(flask.json.provider.DefaultJSONProvider):
        calls = 0

        def default(self, o: t.Any) -> t.Any:  # type: ignore[override]
            Provider.calls += 1
            return f"method {Provider.calls}"

    app.json = Provider(app)
    assert '"c":"method 1"' in body()
    assert '"c":"method 2"' in body()
    Provider.sort_keys = False
    assert body().startswith('{"b"')


#: Responses ``serve`` may send itself or hand to werkzeug: header names in
#: the usual and in other spellings, with and without a length or a
#: location, bodies of bytes and not.
def _served_responses() -> list[tuple[str, flask.Response]]:
    R = flask.Response
    out = [
        ("text", R("hi")),
        ("json", R('{"a":1}', mimetype="application/json")),
        (
            "usual names",
            R(
                "x",
                headers={
                    "Vary": "Accept",
                    "Cache-Control": "no-store",
                    "ETag": '"e"',
                    "Set-Cookie": "a=b",
                },
            ),
        ),  # fmt: skip
        ("lowercase type", R("x", headers={"content-type": "text/csv"})),
        ("location", R("x", status=302, headers={"Location": "/é y"})),
        ("lowercase location", R("x", status=302, headers={"location": "/é y"})),
        ("content-location", R("x", headers={"Content-Location": "/é y"})),
        ("odd spelling", R("x", headers={"CONTENT-LOCATION": "/é y"})),
        ("no body status", R("x", status=204)),
        ("not modified", R("x", status=304)),
        ("strings", R(["a", "b"])),
        ("generator", R(c for c in [b"a", b"b"])),
    ]
    length = R("abc")
    length.headers["content-length"] = "3"
    out.append(("lowercase length", length))
    unset = R(b"abc")
    del unset.headers["Content-Length"]
    out.append(("length removed", unset))
    manual = R(b"abc")
    manual.automatically_set_content_length = False
    del manual.headers["Content-Length"]
    out.append(("no automatic length", manual))
    return out


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_serve_sends_what_werkzeug_sends(method: str) -> None:
    from werkzeug.test import EnvironBuilder

    from flask._responses import serve

    environ = EnvironBuilder(method=method, base_url="http://h/").get_environ()
    mine = _served_responses()
    theirs = _served_responses()
    for (name, ours), (_, reference) in zip(mine, theirs, strict=True):
        got: list[t.Any] = []
        want: list[t.Any] = []
        body = b"".join(serve(ours, dict(environ), _recorder(got)))
        expected = b"".join(reference(dict(environ), _recorder(want)))
        assert (got, body) == (want, expected), name


def _recorder(into: list[t.Any]) -> t.Any:
    """A ``start_response`` that records its status and headers in ``into``."""

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> None:
        into.append((status, headers))

    return start_response


ENCODERS: list[dict[str, t.Any]] = [
    {"sort_keys": True, "separators": (",", ":")},
    {"sort_keys": False, "ensure_ascii": False},
    {"check_circular": False, "allow_nan": False},
    {"skipkeys": True, "default": str},
]
ENCODED: list[t.Any] = [
    *VALUES,
    {"x": float("inf"), "y": float("nan"), "z": -0.0, "big": 10**30},
    {1: "int key", "s": {"t": (1, 2)}},
    {(1, 2): "tuple key", "a": 1},
    [object()],
    {"é": "\u2028\x00", "b": b"bytes"},
    "",
    None,
]


def _encoded(encode: t.Callable[[t.Any], str], value: t.Any) -> tuple[str, str]:
    try:
        return "ok", encode(value)
    except Exception as e:
        return type(e).__name__, str(e)


@pytest.mark.parametrize("settings", ENCODERS)
def test_one_shot_encode_matches_encoder(settings: dict[str, t.Any]) -> None:
    """The function kept in place of an encoder's ``encode`` returns the
    same text and raises the same errors, also after an error."""
    encoder = json.JSONEncoder(**settings)
    fast = _one_shot(encoder)
    assert fast != encoder.encode  # the C accelerator is there (CPython)
    for value in [*ENCODED, *ENCODED]:
        assert _encoded(fast, value) == _encoded(encoder.encode, value), value
    circular: list[t.Any] = []
    circular.append(circular)
    expected = _encoded(encoder.encode, circular)
    if settings.get("check_circular", True):
        assert expected == ("ValueError", "Circular reference detected")
        assert _encoded(fast, circular) == expected
    assert fast({"a": [1]}) == encoder.encode({"a": [1]})


def test_one_shot_falls_back_to_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    """An indented encoder, a Python without the C accelerator and an
    accelerator giving other text all keep the encoder's own ``encode``."""
    encoder = json.JSONEncoder(sort_keys=True)
    indented = json.JSONEncoder(indent=2)
    assert _one_shot(indented) == indented.encode
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    assert _one_shot(encoder) == encoder.encode

    def other(self: json.JSONEncoder, o: t.Any, _one_shot: bool = False) -> list[str]:
        return ["{}"]  # as if json's encode no longer went the same way

    monkeypatch.undo()
    monkeypatch.setattr(json.JSONEncoder, "iterencode", other)
    assert _one_shot(encoder) == encoder.encode

    def broken(*args: t.Any) -> t.Any:
        raise TypeError("another signature")

    monkeypatch.setattr(json.encoder, "c_make_encoder", broken)
    assert _one_shot(encoder) == encoder.encode


HEADER_DICTS: list[dict[t.Any, t.Any]] = [
    {},
    {"Content-Type": "text/plain; charset=utf-8"},
    {"content-type": "text/csv"},
    {"X-A": "1", "X-B": "", "CONTENT-TYPE": "a/b", "X-C": "é"},
    {"Content-Length": "3"},  # replaced in place by the constructor
    {"X-Number": 5},  # converted by werkzeug
    {"X-List": ["a", "b"]},  # several headers
    {b"X-Bytes": "1"},
]


@pytest.mark.parametrize("headers", HEADER_DICTS)
@pytest.mark.parametrize("text", ["", "Hello, World!", "é€\U0001f600"])
def test_text_with_headers_matches_constructor(
    headers: dict[t.Any, t.Any], text: str
) -> None:
    app = flask.Flask(__name__)
    fast = make_response(app, (text, dict(headers)))
    slow = app.response_class(text, headers=dict(headers))
    assert type(fast) is type(slow)
    assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
    assert fast.get_data() == slow.get_data()
    assert (fast.status, fast.status_code) == (slow.status, slow.status_code)


@pytest.mark.parametrize("value", ["a\nb", "a\rb"])
def test_text_with_headers_rejects_line_breaks_like_werkzeug(value: str) -> None:
    app = flask.Flask(__name__)
    with pytest.raises(ValueError, match="newline"):
        app.response_class("x", headers={"X-Bad": value})
    with pytest.raises(ValueError, match="newline"):
        make_response(app, ("x", {"X-Bad": value}))


def test_text_with_headers_through_the_app() -> None:
    app = flask.Flask(__name__)

    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "Hello", {"Content-Type": "text/plain; charset=utf-8", "X-A": "1"}

    rv = app.test_client().get("/")
    assert rv.status_code == 200 and rv.text == "Hello"
    assert list(rv.headers.items()) == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("X-A", "1"),
        ("Content-Length", "5"),
    ]


def _proxy_pairs() -> list[tuple[t.Any, t.Any]]:
    from werkzeug.local import LocalProxy

    from flask.globals import _cv_app
    from flask.globals import _no_app_msg
    from flask.globals import _no_req_msg

    return [
        (flask.g, LocalProxy(_cv_app, "g", unbound_message=_no_app_msg)),
        (flask.request, LocalProxy(_cv_app, "request", unbound_message=_no_req_msg)),
        (
            flask.session,
            LocalProxy(_cv_app, "_used_session", unbound_message=_no_req_msg),
        ),
        (flask.current_app, LocalProxy(_cv_app, "app", unbound_message=_no_app_msg)),
    ]


def _outcome(op: t.Callable[..., t.Any], *args: t.Any) -> t.Any:
    try:
        return ("ok", op(*args))
    except Exception as e:
        return ("raised", type(e), str(e))


def _same(ours: t.Any, theirs: t.Any, op: t.Callable[..., t.Any], *args: t.Any) -> None:
    assert _outcome(op, ours, *args) == _outcome(op, theirs, *args), (op, args)


def test_proxies_behave_as_werkzeugs_local_proxy() -> None:
    from werkzeug.local import LocalProxy

    app = flask.Flask(__name__)
    app.secret_key = "key"
    for ours, theirs in _proxy_pairs():  # outside any context: the same errors
        assert isinstance(ours, LocalProxy)
        _same(ours, theirs, getattr, "anything")
        _same(ours, theirs, operator.getitem, "k")
        _same(ours, theirs, operator.contains, "k")
        _same(ours, theirs, setattr, "k", 1)
        _same(ours, theirs, operator.setitem, "k", 1)
    with app.test_request_context("/path?a=1"):
        for ours, theirs in _proxy_pairs():
            for name in ("missing_attribute", "__class__", "get", "path", "name"):
                _same(ours, theirs, getattr, name)
            for key in ("k", 0):
                _same(ours, theirs, operator.getitem, key)
                _same(ours, theirs, operator.contains, key)
        flask.g.value = 1
        assert flask.g.value == 1 and "value" in flask.g
        flask.session["k"] = "v"
        assert flask.session["k"] == "v" and "k" in flask.session
        assert flask.session.modified and flask.session.accessed
        with pytest.raises(AttributeError):
            flask.request.no_such_attribute  # noqa: B018
        with pytest.raises(TypeError):
            flask.request["x"] = 1  # type: ignore[index]


def test_not_found_cache_sees_new_rules() -> None:
    app = flask.Flask(__name__)
    app.route("/a")(lambda: "a")
    client = app.test_client()
    first = client.get("/b")
    for _ in range(2):  # the second answered from the cache
        again = client.get("/b")
        assert (again.status, again.data) == (first.status, first.data)
        assert again.status_code == 404
    app.url_map.add(flask.Flask.url_rule_class("/b", endpoint="b"))
    app.view_functions["b"] = lambda: "b"
    assert client.get("/b").text == "b"
    assert client.post("/a").status_code == 405  # not a 404: never cached
    assert client.post("/a").status_code == 405


def test_not_found_cache_skips_maps_with_custom_converters() -> None:
    from werkzeug.routing import BaseConverter
    from werkzeug.routing import ValidationError

    allowed: set[str] = set()

    class Allowed(BaseConverter):
        def to_python(self, value: str) -> str:
            if value not in allowed:
                raise ValidationError()
            return value

    app = flask.Flask(__name__)
    app.url_map.converters["allowed"] = Allowed
    app.route("/x/<allowed:name>")(lambda name: name)
    client = app.test_client()
    assert client.get("/x/new").status_code == 404
    assert client.get("/x/new").status_code == 404
    allowed.add("new")
    assert client.get("/x/new").text == "new"


def test_error_pages_are_remembered_only_for_plain_errors() -> None:
    from werkzeug.exceptions import Forbidden
    from werkzeug.exceptions import MethodNotAllowed

    from flask._responses import _error_page_key

    assert _error_page_key(Forbidden()) is not None
    assert _error_page_key(Forbidden("why")) == (Forbidden, 403, "why")
    assert _error_page_key(MethodNotAllowed(["GET"])) is None  # own headers

    class Teapot(Forbidden):
        code = 418

        def get_body(self, *args: t.Any, **kwargs: t.Any) -> str:
            return "my teapot"

    assert _error_page_key(Teapot()) is None
    odd = Forbidden()
    odd.extra = 1  # type: ignore[attr-defined]
    assert _error_page_key(odd) is None
    from markupsafe import Markup

    assert _error_page_key(Forbidden(Markup("<b>x</b>"))) is None

    app = flask.Flask(__name__)

    @app.route("/<int:n>")
    def deny(n: int) -> str:
        flask.abort(403, f"no <{n}>")

    client = app.test_client()
    for _ in range(2):  # the second answered from the remembered page
        for n in (1, 2):
            rv = client.get(f"/{n}")
            assert rv.status_code == 403
            assert f"<p>no &lt;{n}&gt;</p>".encode() in rv.data
            assert rv.headers["Content-Length"] == str(len(rv.data))
        head = client.head("/1")
        assert head.data == b"" and head.headers["Content-Length"] == str(
            len(client.get("/1").data)
        )


def test_content_lengths_are_shared_and_kept_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ``Content-Length`` headers kept by length give what the response
    constructor gives, for bodies served directly (``plain_parts``), built
    (``_text_response``) and sent (``direct_parts``); at most
    ``_MAX_LENGTHS`` are kept."""
    from werkzeug.test import EnvironBuilder

    from flask import _responses
    from flask._responses import plain_parts
    from flask._responses import serve

    monkeypatch.setattr(_responses, "_lengths", {})
    monkeypatch.setattr(_responses, "_MAX_LENGTHS", 3)
    app = flask.Flask(__name__)
    environ = EnvironBuilder(base_url="http://h/").get_environ()
    # Lengths over 3 digits, repeated, and more of them than are kept.
    for text in ["", "a", "é" * 600, "b" * 1234, "a", "c" * 10**5, "é" * 600]:
        want = app.response_class(text).headers.to_wsgi_list()
        parts = plain_parts(app, text)
        assert parts is not None and parts[0] == want
        built = make_response(app, (text, {"X-A": "1"}))
        expected = app.response_class(text, headers={"X-A": "1"})
        assert built.headers.to_wsgi_list() == expected.headers.to_wsgi_list()
        streamed = app.response_class([text.encode()[:2], text.encode()[2:]])
        del streamed.headers["Content-Length"]
        got: list[t.Any] = []
        body = b"".join(serve(streamed, dict(environ), _recorder(got)))
        assert body == text.encode()
        assert got[0][1][-1] == ("Content-Length", str(len(body)))
        assert 0 < len(_responses._lengths) <= 3
