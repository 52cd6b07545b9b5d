"""The benchmark scenarios: small Flask apps plus the one request each is timed on.

This module runs unchanged on real Flask and on ours, so it may only use the
public Flask API. Each scenario also states the response it must produce; the
worker checks it before timing anything, and tests/test_benchmarks_scenarios.py
checks it on our package through the test client.
"""

from __future__ import annotations

import asyncio
import json
import os
import typing as t
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlencode

import tfb

from flask import abort
from flask import Blueprint
from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask import session
from flask import url_for

if t.TYPE_CHECKING:
    from flask import Response

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "benchmark secret key"
SESSION_DATA = {"user_id": 42, "name": "alice", "visits": 5}


@dataclass(frozen=True)
class Scenario:
    """One app and one request, with the response it must give."""

    name: str
    title: str
    build: t.Callable[[], Flask]
    path: str = "/"
    method: str = "GET"
    body: bytes = b""
    content_type: str | None = None
    #: Headers added to the request; ``cookie_session`` adds a session cookie.
    headers: tuple[tuple[str, str], ...] = ()
    cookie_session: dict[str, t.Any] | None = None
    status: int = 200
    expect_body: bytes | None = None
    expect_headers: dict[str, str] = field(default_factory=dict)
    #: Response headers compared between the two implementations (besides
    #: Content-Type and Content-Length, always compared).
    compare_headers: tuple[str, ...] = ()
    #: Expected session after the request (decoded from Set-Cookie).
    expect_session: dict[str, t.Any] | None = None
    #: In the geomean and the headline table (False: scaling/payload series).
    core: bool = True
    #: Payload size in KB, for the per-KB report.
    payload_kb: float = 0.0

    def request_headers(self, app: Flask) -> list[tuple[str, str]]:
        """The request headers, with the signed session cookie when one is asked."""
        rv = list(self.headers)
        if self.cookie_session is not None:
            rv.append(("Cookie", session_cookie(app, self.cookie_session)))
        return rv


def session_cookie(app: Flask, data: dict[str, t.Any]) -> str:
    """A ``Cookie`` header value carrying ``data`` as the app's signed session."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={serializer.dumps(dict(data))}"


def decode_session(app: Flask, value: str) -> t.Any:
    """The data in a session cookie value written by ``app``."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.loads(value)


def _new_app(name: str) -> Flask:
    return Flask(name, root_path=HERE)


# -- the apps ---------------------------------------------------------------


def build_hello() -> Flask:
    app = _new_app("bench_hello")

    @app.route("/")
    def index() -> str:
        return "Hello, World!"

    return app


JSON_DOC = {
    "id": 1234,
    "name": "widget",
    "price": 9.99,
    "tags": ["a", "b", "c"],
    "active": True,
    "owner": {"id": 7, "name": "bob"},
    "notes": None,
}


def build_json() -> Flask:
    app = _new_app("bench_json")

    @app.route("/item")
    def item() -> dict[str, t.Any]:
        return JSON_DOC

    return app


ROUTE_COUNT = 300


def _route_view(**kwargs: t.Any) -> str:
    args = ",".join(f"{k}={kwargs[k]}" for k in sorted(kwargs))
    return f"{request.endpoint} {args}"


def _route_rule(i: int) -> str:
    kind = i % 4
    if kind == 0:
        return f"/api/v1/res{i}/<int:item_id>"
    if kind == 1:
        return f"/res{i}/<slug>/<int:page>"
    if kind == 2:
        return f"/files{i}/<path:filename>"
    return f"/price{i}/<float:amount>/<any(eur,usd):currency>"


def build_routes() -> Flask:
    app = _new_app("bench_routes")
    for i in range(ROUTE_COUNT):
        app.add_url_rule(_route_rule(i), endpoint=f"r{i}", view_func=_route_view)
    return app


def build_template() -> Flask:
    app = _new_app("bench_template")

    @app.route("/list")
    def listing() -> str:
        items = [{"id": i, "name": f"item <{i}>", "price": i * 1.5} for i in range(50)]
        return render_template("loop.html", title="Items & more", items=items)

    return app


def _expected_template_body() -> bytes:
    lines = []
    for i in range(50):
        price = f"{i * 1.5:.2f}"
        cls = "odd" if i % 2 else "even"
        lines.append(f'<li class="{cls}">{i}: item &lt;{i}&gt; ({price})</li>')
    html = (
        "<!doctype html>\n<html>\n<head><title>Items &amp; more</title></head>\n"
        "<body>\n<h1>Items &amp; more</h1>\n<ul>\n"
        + "\n".join(lines)
        + "\n</ul>\n<p>50 items</p>\n</body>\n</html>"
    )
    return html.encode()


def build_jinja_plain() -> t.Callable[..., t.Any]:
    """The template scenario's page rendered by Jinja alone, in a minimal WSGI
    callable (no Flask): the floor the template scenario is compared with."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        autoescape=True,
    )
    template = env.get_template("loop.html")

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        items = [{"id": i, "name": f"item <{i}>", "price": i * 1.5} for i in range(50)]
        body = template.render(title="Items & more", items=items).encode()
        start_response(
            "200 OK", [("Content-Type", _HTML_CT), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def build_session() -> Flask:
    app = _new_app("bench_session")
    app.secret_key = SECRET_KEY

    @app.route("/visit")
    def visit() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return f"{session['name']} #{session['visits']}"

    return app


def build_url_for() -> Flask:
    app = _new_app("bench_url_for")
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/product/<int:pid>")
    def product(pid: int) -> str:
        return str(pid)

    @bp.route("/cart")
    def cart() -> str:
        return "cart"

    app.register_blueprint(bp)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    @app.route("/post/<int:year>/<slug>")
    def post(year: int, slug: str) -> str:
        return slug

    @app.route("/links")
    def links() -> str:
        urls = [
            url_for("index"),
            url_for("user", name="alice"),
            url_for("user", name="bob smith"),
            url_for("post", year=2024, slug="hello-world"),
            url_for("post", year=2023, slug="q", page=2, sort="new"),
            url_for("shop.product", pid=7),
            url_for("shop.cart", _anchor="summary"),
            url_for(".links"),
            url_for("index", _external=True),
            url_for("shop.product", pid=99, ref="mail", _external=True),
        ]
        return "\n".join(urls)

    return app


URL_FOR_BODY = (
    "/\n/user/alice\n/user/bob%20smith\n/post/2024/hello-world\n"
    "/post/2023/q?page=2&sort=new\n/shop/product/7\n/shop/cart#summary\n/links\n"
    "http://localhost/\nhttp://localhost/shop/product/99?ref=mail"
)


def _trace(response: Response, mark: str) -> Response:
    response.headers["X-Trace"] = response.headers.get("X-Trace", "") + mark
    return response


def build_hooks() -> Flask:
    app = _new_app("bench_hooks")
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.before_request
    def before_a() -> None:
        g.trail = "a"

    @bp.before_request
    def before_b() -> None:
        g.trail += "b"

    @bp.before_request
    def before_c() -> None:
        g.trail += "c"

    @bp.after_request
    def after_1(response: Response) -> Response:
        return _trace(response, "1")

    @bp.after_request
    def after_2(response: Response) -> Response:
        return _trace(response, "2")

    @bp.after_request
    def after_3(response: Response) -> Response:
        return _trace(response, "3")

    @bp.route("/dashboard")
    def dashboard() -> str:
        return f"dashboard {g.trail}"

    app.register_blueprint(bp)
    return app


def build_not_found() -> Flask:
    app = _new_app("bench_404")

    @app.route("/")
    def index() -> str:
        return "index"

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[dict[str, t.Any], int]:
        return {"error": "not found", "path": request.path}, 404

    return app


def build_forbidden() -> Flask:
    app = _new_app("bench_403")

    @app.route("/secret")
    def secret() -> str:
        abort(403)

    return app


FORM_FIELDS = [(f"field{i}", f"value {i} & more") for i in range(20)]


def build_form() -> Flask:
    app = _new_app("bench_form")

    @app.route("/submit", methods=["POST"])
    def submit() -> str:
        form = request.form
        total = sum(len(form[name]) for name, _ in FORM_FIELDS)
        return f"{len(form)} fields, {total} chars, last={form['field19']}"

    return app


def json_payload(kb: int) -> bytes:
    """A JSON document of about ``kb`` kilobytes: a list of small records."""
    items = []
    size = 0
    i = 0
    while size < kb * 1024 - 40:
        item = {"id": i, "name": f"record {i}", "value": i * 3, "ok": i % 2 == 0}
        size += len(json.dumps(item)) + 2
        items.append(item)
        i += 1
    return json.dumps({"items": items}).encode()


def build_json_post() -> Flask:
    app = _new_app("bench_json_post")

    @app.route("/ingest", methods=["POST"])
    def ingest() -> dict[str, t.Any]:
        data = request.get_json()
        items = data["items"]
        return {"count": len(items), "total": sum(item["value"] for item in items)}

    return app


def _json_post_expected(kb: int) -> bytes:
    items = json.loads(json_payload(kb))["items"]
    doc = {"count": len(items), "total": sum(item["value"] for item in items)}
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def build_async() -> Flask:
    app = _new_app("bench_async")

    @app.route("/async")
    async def view() -> str:
        await asyncio.sleep(0)
        return "async hello"

    return app


def build_route_scale(count: int) -> t.Callable[[], Flask]:
    """An app with ``count`` similar routes; the request matches the last one."""

    def build() -> Flask:
        app = _new_app(f"bench_scale_{count}")
        for i in range(count):
            app.add_url_rule(
                f"/section{i}/item/<int:item_id>",
                endpoint=f"s{i}",
                view_func=_route_view,
            )
        return app

    return build


def build_tfb(db: tfb.Database | None = None) -> Flask:
    """The TechEmpower-style endpoints on ``db`` (by default a fresh SQLite
    database, see tfb.py)."""
    app = _new_app("bench_tfb")
    db = db or tfb.Database()

    @app.route("/plaintext")
    def plaintext() -> tuple[str, dict[str, str]]:
        return "Hello, World!", {"Content-Type": "text/plain; charset=utf-8"}

    @app.route("/json")
    def hello_json() -> Response:
        return jsonify(message="Hello, World!")

    @app.route("/db")
    def single_query() -> dict[str, int]:
        return db.world(db.random_id())

    @app.route("/queries")
    def queries() -> Response:
        count = tfb.query_count(request.args.get("queries"))
        return jsonify(db.random_worlds(count))

    @app.route("/fortunes")
    def fortunes() -> str:
        return render_template("fortunes.html", fortunes=db.fortunes())

    @app.route("/updates")
    def updates() -> Response:
        count = tfb.query_count(request.args.get("queries"))
        return jsonify(db.update_worlds(count))

    return app


TFB_PATHS = {
    "plaintext": "/plaintext",
    "json": "/json",
    "db": "/db",
    "queries": f"/queries?queries={tfb.QUERIES}",
    "fortunes": "/fortunes",
    "updates": f"/updates?queries={tfb.QUERIES}",
}
TFB_TITLES = {
    "plaintext": "plaintext",
    "json": "JSON serialization",
    "db": "single query",
    "queries": f"{tfb.QUERIES} queries",
    "fortunes": "fortunes (template)",
    "updates": f"{tfb.QUERIES} updates",
}


def _tfb(name: str) -> Scenario:
    ctype = {"plaintext": "text/plain; charset=utf-8", "fortunes": _HTML_CT}
    return Scenario(
        name=f"tfb_{name}",
        title=f"TechEmpower {TFB_TITLES[name]}",
        build=build_tfb,
        path=TFB_PATHS[name],
        expect_body=tfb.expected(name),
        expect_headers={"Content-Type": ctype.get(name, _JSON_CT)},
        core=False,
    )


# -- the list ---------------------------------------------------------------

_JSON_CT = "application/json"
_HTML_CT = "text/html; charset=utf-8"
_FORBIDDEN = (
    b"<!doctype html>\n<html lang=en>\n<title>403 Forbidden</title>\n"
    b"<h1>Forbidden</h1>\n<p>You don&#39;t have the permission to access the "
    b"requested resource. It is either read-protected or not readable by the "
    b"server.</p>\n"
)


def _json_post(name: str, kb: int, core: bool) -> Scenario:
    return Scenario(
        name=name,
        title=f"JSON POST {kb} KB",
        build=build_json_post,
        path="/ingest",
        method="POST",
        body=json_payload(kb),
        content_type=_JSON_CT,
        expect_body=_json_post_expected(kb),
        expect_headers={"Content-Type": _JSON_CT},
        core=core,
        payload_kb=len(json_payload(kb)) / 1024,
    )


def _route_scale(count: int) -> Scenario:
    return Scenario(
        name=f"routes_{count}",
        title=f"match last of {count} routes",
        build=build_route_scale(count),
        path=f"/section{count - 1}/item/42",
        expect_body=f"s{count - 1} item_id=42".encode(),
        expect_headers={"Content-Type": _HTML_CT},
        core=False,
    )


SCENARIOS: list[Scenario] = [
    Scenario(
        name="hello",
        title="hello text",
        build=build_hello,
        expect_body=b"Hello, World!",
        expect_headers={"Content-Type": _HTML_CT},
    ),
    Scenario(
        name="json",
        title="JSON response",
        build=build_json,
        path="/item",
        expect_body=json.dumps(JSON_DOC, separators=(",", ":"), sort_keys=True).encode()
        + b"\n",
        expect_headers={"Content-Type": _JSON_CT},
    ),
    Scenario(
        name="routes",
        title=f"{ROUTE_COUNT} routes, converters",
        build=build_routes,
        path=f"/price{ROUTE_COUNT - 1}/12.5/eur",
        expect_body=f"r{ROUTE_COUNT - 1} amount=12.5,currency=eur".encode(),
        expect_headers={"Content-Type": _HTML_CT},
    ),
    Scenario(
        name="template",
        title="template, 50-item loop",
        build=build_template,
        path="/list",
        expect_body=_expected_template_body(),
        expect_headers={"Content-Type": _HTML_CT},
    ),
    Scenario(
        name="session",
        title="session read+write",
        build=build_session,
        path="/visit",
        cookie_session=SESSION_DATA,
        expect_body=b"alice #6",
        expect_headers={"Content-Type": _HTML_CT, "Vary": "Cookie"},
        compare_headers=("Vary", "Set-Cookie"),
        expect_session={**SESSION_DATA, "visits": 6},
    ),
    Scenario(
        name="url_for",
        title="10 url_for calls",
        build=build_url_for,
        path="/links",
        expect_body=URL_FOR_BODY.encode(),
        expect_headers={"Content-Type": _HTML_CT},
    ),
    Scenario(
        name="hooks",
        title="blueprint 3 before + 3 after",
        build=build_hooks,
        path="/admin/dashboard",
        expect_body=b"dashboard abc",
        expect_headers={"Content-Type": _HTML_CT, "X-Trace": "321"},
        compare_headers=("X-Trace",),
    ),
    Scenario(
        name="not_found",
        title="404 with handler",
        build=build_not_found,
        path="/missing/page",
        status=404,
        expect_body=b'{"error":"not found","path":"/missing/page"}\n',
        expect_headers={"Content-Type": _JSON_CT},
    ),
    Scenario(
        name="abort_403",
        title="abort(403), no handler",
        build=build_forbidden,
        path="/secret",
        status=403,
        expect_body=_FORBIDDEN,
        expect_headers={"Content-Type": _HTML_CT},
    ),
    Scenario(
        name="form",
        title="20-field form POST",
        build=build_form,
        path="/submit",
        method="POST",
        body=urlencode(FORM_FIELDS).encode(),
        content_type="application/x-www-form-urlencoded",
        expect_body=(
            f"20 fields, {sum(len(v) for _, v in FORM_FIELDS)} chars, "
            "last=value 19 & more"
        ).encode(),
        expect_headers={"Content-Type": _HTML_CT},
    ),
    _json_post("json_post", 2, core=True),
    Scenario(
        name="async",
        title="async view",
        build=build_async,
        path="/async",
        expect_body=b"async hello",
        expect_headers={"Content-Type": _HTML_CT},
    ),
    _route_scale(10),
    _route_scale(1000),
    _route_scale(10000),
    _json_post("json_post_20k", 20, core=False),
    _json_post("json_post_200k", 200, core=False),
    *(_tfb(name) for name in TFB_PATHS),
    Scenario(
        name="jinja_plain",
        title="the template scenario's page, plain Jinja",
        build=build_jinja_plain,  # type: ignore[arg-type]
        path="/list",
        expect_body=_expected_template_body(),
        expect_headers={"Content-Type": _HTML_CT},
        core=False,
    ),
]

BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
CORE: list[str] = [s.name for s in SCENARIOS if s.core]
ROUTE_SCALING: list[str] = ["routes_10", "routes_1000", "routes_10000"]
PAYLOAD_SERIES: list[str] = ["json_post", "json_post_20k", "json_post_200k"]
TFB: list[str] = [f"tfb_{name}" for name in TFB_PATHS]
