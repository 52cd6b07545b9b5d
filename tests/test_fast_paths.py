"""Fast paths give what the slow (werkzeug) path gives, byte for byte."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.exceptions import default_exceptions
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import Unauthorized
from werkzeug.routing import RequestRedirect
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as BaseResponse

import flask
from flask._responses import _from_http_exception


def _environ(method: str) -> dict[str, t.Any]:
    builder = EnvironBuilder(path="/x", method=method)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _errors() -> list[HTTPException]:
    rv: list[HTTPException] = [cls() for cls in default_exceptions.values()]
    rv.append(MethodNotAllowed(valid_methods=["GET", "POST"]))
    rv.append(Unauthorized(www_authenticate=None, description="<b>who?</b>"))
    rv.append(RequestRedirect("http://localhost/y"))
    rv.append(HTTPException(response=BaseResponse("custom", 418)))
    return rv


class MyResponse(flask.Response):
    def __init__(self, body: str = "", marker: str = "") -> None:  # odd signature
        super().__init__(body)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
@pytest.mark.parametrize("cls", [flask.Response, MyResponse])
def test_http_exception_conversion_matches_force_type(
    method: str, cls: type[flask.Response]
) -> None:
    for error in _errors():
        fast = _from_http_exception(cls, error, _environ(method))
        slow = cls.force_type(error, _environ(method))  # type: ignore[arg-type]
        assert fast is not None, error
        assert type(fast) is type(slow) is cls
        assert fast.status == slow.status
        assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
        assert fast.get_data() == slow.get_data(), error


def test_unusual_errors_take_the_slow_path() -> None:
    class Streaming(HTTPException):
        code = 500

        def get_response(self, environ: t.Any = None, scope: t.Any = None) -> t.Any:
            return BaseResponse(iter([b"a", b"b"]), 500)

    class Called(HTTPException):
        code = 400

        def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
            return super().__call__(environ, start_response)

    closing = BaseResponse("x", 400)
    closing.call_on_close(lambda: None)
    for error in (Streaming(), Called(), HTTPException(response=closing)):
        assert _from_http_exception(flask.Response, error, _environ("GET")) is None


def test_abort_responses_through_the_app() -> None:
    app = flask.Flask(__name__)

    @app.route("/<int:code>", methods=["GET", "POST"])
    def fail(code: int) -> str:
        flask.abort(code)

    @app.after_request
    def check(response: flask.Response) -> flask.Response:
        response.headers["X-Class"] = type(response).__name__
        return response

    client = app.test_client()
    rv = client.get("/403")
    assert rv.status == "403 FORBIDDEN"
    assert rv.headers["X-Class"] == "Response"
    assert rv.headers["Content-Length"] == str(len(rv.data))
    assert b"<title>403 Forbidden</title>" in rv.data
    head = client.head("/404")
    assert head.status_code == 404 and head.data == b""
    assert client.put("/400").status_code == 405
    allow = client.put("/400").headers["Allow"]
    assert sorted(allow.split(", ")) == ["GET", "HEAD", "OPTIONS", "POST"]


TEMPLATE_CASES = [
    "{{ d.id }}|{{ d.name }}|{{ d.missing }}|{{ d.items is defined }}",
    "{{ d.keys is callable }}|{{ d.get('id') }}|{{ d['name'] }}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{{ d.__class__.__name__ }}|{{ d.missing is undefined }}|{{ n.x }}",
]


class DictSub(dict):  # type: ignore[type-arg]
    extra = "attr"


@pytest.mark.parametrize("source", TEMPLATE_CASES)
def test_template_attribute_lookup_matches_jinja(source: str) -> None:
    import jinja2

    app = flask.Flask(__name__)
    plain = jinja2.Environment(autoescape=True)
    data = {
        "d": {"id": 1, "name": "<a>", "items": "shadowed?", "keys": 2},
        "n": {"x": {"y": 1}},
    }
    with app.app_context():
        ours = app.jinja_env.from_string(source).render(data)
    assert ours == plain.from_string(source).render(data)
    sub = {"d": DictSub(id=1, extra="item"), "n": {}}
    with app.app_context():
        ours = app.jinja_env.from_string("{{ d.extra }}{{ d.id }}").render(sub)
    assert ours == "attr1"


def test_template_attribute_strict_undefined_and_sandbox() -> None:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    app = flask.Flask(__name__)
    app.jinja_options = {"undefined": jinja2.StrictUndefined}
    with app.app_context():
        with pytest.raises(jinja2.UndefinedError, match="no attribute 'nope'"):
            flask.render_template_string("{{ d.nope }}", d={"id": 1})

    class Sandboxed(flask.templating.Environment, SandboxedEnvironment):
        pass

    class LoggingGetattr(jinja2.Environment):
        def getattr(self, obj: t.Any, attribute: str) -> t.Any:
            return f"logged {attribute}"

    class Logged(flask.templating.Environment, LoggingGetattr):
        pass

    sandboxed = Sandboxed(app)  # the sandbox's own getattr is kept
    assert sandboxed._dict_items_fast is False
    assert sandboxed.from_string("{{ d.id }}").render(d={"id": 7}) == "7"
    logged = Logged(app)
    assert logged._dict_items_fast is False
    assert logged.from_string("{{ d.id }}").render(d={"id": 1}) == "logged id"


def _url_app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"
    view = lambda **kw: "x"  # noqa: E731
    app.add_url_rule("/", "index", view)
    app.add_url_rule("/p/<int:pid>", "product", view)
    app.add_url_rule("/f/<path:name>", "file", view)
    app.add_url_rule("/c/<any(eur,usd):cur>/<float:amount>", "price", view)
    app.add_url_rule("/post/<int:year>/<slug>", "post", view, methods=["GET"])
    app.add_url_rule("/post/<slug>", "post", view, methods=["POST"])
    app.add_url_rule("/d", "dflt", view, defaults={"page": 1})
    app.add_url_rule("/d/<int:page>", "dflt", view)
    app.add_url_rule("/s", "sub", view, subdomain="api")
    return app


URL_CALLS: list[tuple[str, dict[str, t.Any]]] = [
    ("index", {}),
    ("index", {"q": "a b", "n": 3}),
    ("index", {"n": 3, "q": "a b"}),
    ("product", {"pid": 5}),
    ("product", {"pid": 5, "_external": True}),
    ("product", {"pid": 5, "_external": True, "_scheme": "https"}),
    ("product", {"pid": 5, "_anchor": "top"}),
    ("file", {"name": "a/b c.txt"}),
    ("price", {"cur": "eur", "amount": 1.5}),
    ("post", {"year": 2024, "slug": "héllo"}),
    ("post", {"slug": "x", "_method": "POST"}),
    ("dflt", {}),
    ("dflt", {"page": 1}),
    ("dflt", {"page": 2}),
    ("sub", {}),
    ("product", {"pid": True}),
]


def test_url_cache_matches_uncached_builds() -> None:
    app = _url_app()
    uncached = _url_app()
    for path, base in [("/", "http://example.test"), ("/x", "https://example.test")]:
        for method in ("GET", "POST"):
            for _ in range(2):  # the second round is served from the cache
                with app.test_request_context(path, base_url=base, method=method):
                    got = [flask.url_for(e, **v) for e, v in URL_CALLS]
                with uncached.test_request_context(path, base_url=base, method=method):
                    adapter = flask.globals.app_ctx.url_adapter
                    want = []
                    for endpoint, values in URL_CALLS:
                        values = dict(values)
                        anchor = values.pop("_anchor", None)
                        scheme = values.pop("_scheme", None)
                        external = values.pop("_external", scheme is not None)
                        url = adapter.build(
                            endpoint,
                            values,
                            method=values.pop("_method", None),
                            url_scheme=scheme,
                            force_external=external,
                        )
                        want.append(url + (f"#{anchor}" if anchor else ""))
                assert got == want
    cache = app.url_map.__dict__["_flask_build_cache"]
    assert cache  # the built-in converters were cached


def test_url_cache_sees_new_rules_and_skips_custom_converters() -> None:
    from werkzeug.routing import BaseConverter

    calls = []

    class Counting(BaseConverter):
        def to_url(self, value: t.Any) -> str:
            calls.append(value)
            return f"{value}-{len(calls)}"

    app = flask.Flask(__name__)
    app.url_map.converters["counting"] = Counting
    app.add_url_rule("/c/<counting:v>", "counted", lambda v: v)
    moved = lambda: ""  # noqa: E731
    app.add_url_rule("/a", "moved", moved)
    with app.test_request_context():
        assert flask.url_for("counted", v="x") == "/c/x-1"
        assert flask.url_for("counted", v="x") == "/c/x-2"  # not cached
        assert flask.url_for("moved") == "/a"
        app.add_url_rule("/b", "moved", moved, methods=["GET"])
    with app.test_request_context():
        # The map changed: the new rule list is consulted again.
        assert flask.url_for("moved") == app.url_map.bind("localhost").build("moved")


PAIR_CASES = [
    "",
    "a=1",
    "a=1&b=2&a=3",
    "a&b=&=c&&=&x==y",
    "sp+ace=v+al&pl%2Bus=%2B&amp=%26%3D",
    "bad=%ff%fe&mixed=caf%C3%A9+%E2%82%AC&half=%E2%82&trail=%",
    "uni=h\u00e9llo&%zz=%zz&q=a%20b",
    "a=1;b=2&c",
]


@pytest.mark.parametrize("text", PAIR_CASES)
def test_parse_pairs_matches_parse_qsl(text: str) -> None:
    from urllib.parse import parse_qsl

    from flask.wrappers import parse_pairs

    want = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    assert parse_pairs(text) == want


def test_parse_pairs_random(text_seed: int = 7) -> None:
    import random
    from urllib.parse import parse_qsl

    from flask.wrappers import parse_pairs

    rng = random.Random(text_seed)
    alphabet = "ab=&+%2F0é€\x00;%C3%A9%FF"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        want = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
        assert parse_pairs(text) == want, text


def test_text_response_matches_constructor() -> None:
    from flask._responses import _default_content_type
    from flask._responses import _fast_text
    from flask._responses import _text_response

    ct = _default_content_type(flask.Response)
    assert ct is not None and _fast_text(flask.Response, ct)
    for text in ("", "Hello, World!", "é€\U0001f600", "a\r\nb"):
        fast = _text_response(flask.Response, text, ct)
        slow = flask.Response(text, content_type=ct)
        assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
        assert fast.get_data() == slow.get_data()
        assert (fast.status, fast.status_code) == (slow.status, slow.status_code)
        fast.headers["X-New"] = "1"  # the headers object works as usual
        assert fast.headers.get("x-new") == "1"

    class Teapot(flask.Response):
        default_status = 418

    assert not _fast_text(Teapot, ct)
    app = flask.Flask(__name__)
    app.response_class = Teapot

    @app.route("/")
    def index() -> str:
        return "tea"

    rv = app.test_client().get("/")
    assert rv.status_code == 418 and rv.data == b"tea"


def _routing_app() -> flask.Flask:
    app = flask.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/p/<int:pid>")
    def product(pid: int) -> str:
        flask.request.view_args["pid"] = -1  # type: ignore[index]
        return f"{pid} {type(pid).__name__}"

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    @app.route("/f/<path:name>", methods=["POST"])
    def file(name: str) -> str:
        return name

    @app.route("/old", redirect_to="/")
    def old() -> str:
        return "never"

    @app.url_value_preprocessor
    def pre(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        if values and "pid" in values:
            flask.g.seen = values.pop("pid") if values["pid"] == 99 else None

    @app.route("/v/<int:pid>")
    def popped(pid: int = 0) -> str:
        return f"popped {pid}"

    return app


ROUTING_REQUESTS = [
    ("GET", "/"),
    ("GET", "/p/5"),
    ("GET", "/p/05"),
    ("GET", "/p/x"),
    ("GET", "/dir"),
    ("GET", "/dir/"),
    ("POST", "/f/a/b.txt"),
    ("GET", "/f/a/b.txt"),
    ("HEAD", "/p/7"),
    ("GET", "/old"),
    ("GET", "/v/99"),
    ("GET", "/v/3"),
    ("GET", "//p/5"),
]


def test_match_cache_gives_the_uncached_responses() -> None:
    cached = _routing_app().test_client()

    def fresh(method: str, path: str) -> t.Any:
        return _routing_app().test_client().open(path, method=method)

    for _ in range(3):  # later rounds are answered from the cache
        for method, path in ROUTING_REQUESTS:
            got = cached.open(path, method=method)
            want = fresh(method, path)
            assert (got.status, got.data) == (want.status, want.data), path
            assert got.headers.get("Location") == want.headers.get("Location")


def test_match_cache_skips_custom_converters() -> None:
    from werkzeug.routing import BaseConverter

    loads = []

    class Loading(BaseConverter):
        def to_python(self, value: str) -> t.Any:
            loads.append(value)
            return {"loaded": value}

    app = flask.Flask(__name__)
    app.url_map.converters["obj"] = Loading

    @app.route("/o/<obj:item>")
    def show(item: dict[str, str]) -> str:
        return item["loaded"]

    client = app.test_client()
    assert client.get("/o/a").text == "a"
    assert client.get("/o/a").text == "a"
    assert loads == ["a", "a"]  # converted for every request


ENVIRONS = [
    {},
    {"REQUEST_METHOD": "get", "PATH_INFO": "", "SCRIPT_NAME": "/"},
    {
        "REQUEST_METHOD": "PATCH",
        "wsgi.url_scheme": "https",
        "SERVER_NAME": "h",
        "SERVER_PORT": "x",
        "SCRIPT_NAME": "/app\xc3\xa9//",
        "PATH_INFO": "///a/\xff/b",
        "QUERY_STRING": "q=\xe9&x",
        "HTTP_X_THING": "1",
        "CONTENT_TYPE": "text/plain",
        "REMOTE_ADDR": "::1",
    },
]


@pytest.mark.parametrize("environ", ENVIRONS)
@pytest.mark.parametrize("flags", [(True, False), (False, False), (True, True)])
def test_request_init_matches_werkzeug(
    environ: dict[str, t.Any], flags: tuple[bool, bool]
) -> None:
    from werkzeug.wrappers import Request as WzRequest

    from flask.wrappers import _plain_init

    assert _plain_init(flask.Request)
    fast_env, slow_env = dict(environ), dict(environ)
    fast = flask.Request(fast_env, *flags)
    slow = flask.Request.__new__(flask.Request)
    WzRequest.__init__(slow, slow_env, *flags)
    assert list(vars(fast)) == list(vars(slow))
    for key in vars(slow):
        if key == "environ":
            assert set(fast_env) == set(slow_env)
        elif key == "headers":
            assert list(fast.headers.items()) == list(slow.headers.items())
        else:
            assert getattr(fast, key) == getattr(slow, key), key


def test_request_subclasses() -> None:
    class Own(flask.Request):
        def __init__(self, environ: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(environ, *args, **kwargs)
            self.extra = True

    class Base:
        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            self.base_ran = True
            super().__init__(*args, **kwargs)

    class Mixed(flask.Request, Base):  # a class after Request with __init__
        pass

    from flask.wrappers import _plain_init

    assert _plain_init(Own)
    assert not _plain_init(Mixed)
    own = Own({"PATH_INFO": "/x"})
    assert own.extra and own.path == "/x"
    mixed = Mixed({"PATH_INFO": "/y"})
    assert mixed.path == "/y"


def test_json_response_matches_constructor() -> None:
    from flask._responses import mimetype_response

    for mimetype in ("application/json", "text/json", "application/vnd.api+json"):
        for text in ('{"a":1}\n', "[]\n", '"\\u00e9 é"\n'):
            fast = mimetype_response(flask.Response, text, mimetype)
            slow = flask.Response(text, mimetype=mimetype)
            assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
            assert fast.get_data() == slow.get_data()
            assert fast.status == slow.status

    class Custom(flask.Response):
        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Custom"] = "1"

    rv = mimetype_response(Custom, "{}\n", "application/json")
    assert type(rv) is Custom and rv.headers["X-Custom"] == "1"
    app = flask.Flask(__name__)
    app.response_class = Custom

    @app.route("/")
    def index() -> dict[str, int]:
        return {"a": 1}

    got = app.test_client().get("/")
    assert got.headers["X-Custom"] == "1" and got.json == {"a": 1}


def test_caches_see_rules_added_directly_to_the_map() -> None:
    from werkzeug.routing import Rule

    app = flask.Flask(__name__)
    app.add_url_rule("/<path:p>", "catch", lambda p: f"catch {p}")
    app.view_functions["exact"] = lambda: "exact"
    client = app.test_client()
    assert client.get("/exact").text == "catch exact"
    with app.test_request_context():
        assert flask.url_for("catch", p="exact") == "/exact"
    # A more specific rule added straight to the map (no add_url_rule),
    # after a build has already re-sorted the map.
    app.url_map.add(Rule("/exact", endpoint="exact"))
    with app.test_request_context():
        assert flask.url_for("exact") == "/exact"
    assert client.get("/exact").text == "exact"


def test_cached_requests_do_not_list_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """werkzeug rebuilds ``Map._rules`` (every rule) on each access: a cached
    match or build must not touch it, or big maps get slower per request."""
    from werkzeug.routing import Map

    app = flask.Flask(__name__)
    for i in range(50):
        app.add_url_rule(f"/s{i}/<int:x>", f"s{i}", lambda x: "x")
    client = app.test_client()
    assert client.get("/s49/1").status_code == 200
    with app.test_request_context():
        flask.url_for("s49", x=1)
    original = Map._rules
    calls = []

    def counting(self: Map) -> t.Any:
        calls.append(1)
        return original.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Map, "_rules", property(counting))
    for _ in range(3):
        assert client.get("/s49/1").status_code == 200
        with app.test_request_context():
            assert flask.url_for("s49", x=1) == "/s49/1"
    assert calls == []


def test_generation_counts_rules_added_to_the_map() -> None:
    from werkzeug.routing import Rule

    from flask._urls import _generation

    app = flask.Flask(__name__)
    before = _generation(app.url_map)
    assert _generation(app.url_map) == before  # reading does not change it
    app.url_map.add(Rule("/x", endpoint="x"))
    after = _generation(app.url_map)
    assert after > before
    app.add_url_rule("/y", "y", lambda: "y")
    assert _generation(app.url_map) > after
    assert [r.rule for r in app.url_map.iter_rules()][-2:] == ["/x", "/y"]


def test_teardown_closes_uploaded_files_and_custom_close() -> None:
    """Teardown skips werkzeug's ``Request.close`` when no files were parsed
    (all it does is close them); uploaded files are still closed, and a
    request class with its own ``close`` is always called."""
    import io

    app = flask.Flask(__name__)
    seen: dict[str, t.Any] = {}

    @app.post("/upload")
    def upload() -> str:
        seen["file"] = flask.request.files["f"]
        return "ok"

    @app.post("/ignore")
    def ignore() -> str:
        return "ok"

    client = app.test_client()
    client.post("/upload", data={"f": (io.BytesIO(b"data"), "a.txt")})
    assert seen["file"].stream.closed

    closed: list[str] = []

    class ClosingRequest(flask.Request):
        def close(self) -> None:
            closed.append(self.path)
            super().close()

    app.request_class = ClosingRequest
    client.post("/ignore")
    assert closed == ["/ignore"]


def test_iscoroutinefunction_matches_inspect() -> None:
    import functools
    import inspect

    from flask._inspect import iscoroutinefunction

    async def coro(x: int = 0) -> int:
        return x

    def plain(x: int = 0) -> int:
        return x

    async def agen() -> t.AsyncIterator[int]:
        yield 1

    class Thing:
        async def method(self) -> None: ...

        def sync_method(self) -> None: ...

        async def __call__(self) -> None: ...

    candidates: list[t.Any] = [
        coro,
        plain,
        agen,
        lambda: None,
        functools.partial(coro, 1),
        functools.partial(plain, 1),
        Thing().method,
        Thing().sync_method,
        Thing.method,
        Thing(),
        Thing,
        len,
        print,
        None,
        "text",
        functools.wraps(coro)(plain),
    ]
    marker = getattr(inspect, "markcoroutinefunction", None)
    if marker is not None:  # Python 3.12+

        def marked() -> t.Any:
            return coro()

        candidates.append(marker(marked))
    for func in candidates:
        assert iscoroutinefunction(func) == inspect.iscoroutinefunction(func), func
