"""Blueprints: registration options, nesting, hooks, handlers and URL building."""

from __future__ import annotations

import os
import typing as t

import pytest
from werkzeug.exceptions import Forbidden

import flask
from flask.blueprints import BlueprintSetupState

# -- construction and registration -------------------------------------------


def test_constructor_attributes(tmp_path: t.Any) -> None:
    bp = flask.Blueprint(
        "bp",
        __name__,
        static_folder="assets",
        static_url_path="/files",
        template_folder="tmpl",
        url_prefix="/prefix",
        subdomain="api",
        url_defaults={"lang": "en"},
        root_path=os.fspath(tmp_path),
        cli_group="tools",
    )
    assert bp.name == "bp"
    assert bp.import_name == __name__
    assert bp.url_prefix == "/prefix"
    assert bp.subdomain == "api"
    assert bp.url_values_defaults == {"lang": "en"}
    assert bp.root_path == os.fspath(tmp_path)
    assert bp.static_folder == os.path.join(os.fspath(tmp_path), "assets")
    assert bp.static_url_path == "/files"
    assert bp.template_folder == "tmpl"
    assert bp.cli_group == "tools"
    assert bp.has_static_folder is True


def test_root_path_defaults_to_import_name() -> None:
    bp = flask.Blueprint("bp", __name__)
    assert bp.root_path == os.path.dirname(os.path.abspath(__file__))
    assert bp.static_folder is None
    assert bp.static_url_path is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a.b", "'name' may not contain a dot '.' character."),
        ("", "'name' may not be empty."),
    ],
)
def test_invalid_name(name: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        flask.Blueprint(name, __name__)
    assert str(info.value) == message


def test_dotted_endpoint_and_view_name() -> None:
    bp = flask.Blueprint("bp", __name__)
    with pytest.raises(ValueError, match=r"^'endpoint' may not contain a dot"):
        bp.add_url_rule("/", "a.b", lambda: "")

    def view() -> str:
        return ""

    view.__name__ = "a.b"
    with pytest.raises(ValueError, match=r"^'view_func' name may not contain a dot"):
        bp.add_url_rule("/", view_func=view)


def test_register_twice_needs_new_name(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__)

    @bp.route("/")
    def index() -> str:
        return flask.request.blueprint or ""

    app.register_blueprint(bp)
    with pytest.raises(ValueError) as info:
        app.register_blueprint(bp)
    assert str(info.value) == (
        "The name 'bp' is already registered for this blueprint."
        " Use 'name=' to provide a unique name."
    )
    with pytest.raises(ValueError) as info:
        app.register_blueprint(flask.Blueprint("bp", __name__))
    assert str(info.value) == (
        "The name 'bp' is already registered for a different blueprint."
        " Use 'name=' to provide a unique name."
    )

    app.register_blueprint(bp, name="again", url_prefix="/again")
    assert list(app.blueprints) == ["bp", "again"]
    assert app.blueprints["again"] is bp
    client = app.test_client()
    assert client.get("/").data == b"bp"
    assert client.get("/again/").data == b"again"
    with app.test_request_context():
        assert flask.url_for("bp.index") == "/"
        assert flask.url_for("again.index") == "/again/"


def test_register_on_itself() -> None:
    bp = flask.Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="Cannot register a blueprint on itself"):
        bp.register_blueprint(bp)


def test_setup_after_registration_fails(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError) as info:
        bp.add_url_rule("/late", "late", lambda: "")
    assert str(info.value).startswith(
        "The setup method 'add_url_rule' can no longer be called on the"
        " blueprint 'bp'. It has already been registered at least once"
    )


def test_url_prefix_options(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__, url_prefix="/default")

    @bp.route("/page")
    def page() -> str:
        return flask.request.path

    @bp.route("")
    def empty() -> str:
        return "empty"

    root = flask.Blueprint("root", __name__, url_prefix="/ignored")
    root.add_url_rule("/page", "page", page)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="override", url_prefix="/override/")
    app.register_blueprint(root, url_prefix="")
    rules = sorted(r.rule for r in app.url_map.iter_rules() if r.endpoint != "static")
    assert rules == [
        "/default",
        "/default/page",
        "/override/",
        "/override/page",
        "/page",
    ]
    client = app.test_client()
    assert client.get("/override/page").data == b"/override/page"
    assert client.get("/default").data == b"empty"


def test_url_defaults_option(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__, url_defaults={"lang": "en"})

    @bp.route("/")
    def index(lang: str) -> str:
        return lang

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="de", url_prefix="/de", url_defaults={"lang": "de"})
    client = app.test_client()
    assert client.get("/").data == b"en"
    assert client.get("/de/").data == b"de"
    with app.test_request_context():
        assert flask.url_for("de.index") == "/de/"


def test_subdomain_option() -> None:
    app = flask.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    bp = flask.Blueprint("bp", __name__, subdomain="api")

    @bp.route("/")
    def index() -> str:
        return flask.url_for(".index", _external=True)

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="v2", subdomain="v2")
    client = app.test_client()
    assert client.get("/", base_url="http://api.example.test").data == (
        b"http://api.example.test/"
    )
    assert client.get("/", base_url="http://v2.example.test").data == (
        b"http://v2.example.test/"
    )
    assert client.get("/", base_url="http://example.test").status_code == 404


def test_record_and_setup_state(app: flask.Flask) -> None:
    bp = flask.Blueprint(
        "bp", __name__, url_prefix="/p", subdomain="s", url_defaults={"a": 1}
    )
    states: list[BlueprintSetupState] = []
    once: list[str] = []
    bp.record(states.append)
    bp.record_once(lambda state: once.append(state.name))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="bp2", url_prefix="/q", url_defaults={"b": 2})

    first, second = states
    assert isinstance(first, BlueprintSetupState)
    assert first.app is app and first.blueprint is bp
    assert first.first_registration is True
    assert (first.name, first.name_prefix) == ("bp", "")
    assert (first.url_prefix, first.subdomain) == ("/p", "s")
    assert first.url_defaults == {"a": 1}
    assert first.options == {}
    assert second.first_registration is False
    assert second.name == "bp2"
    assert second.url_prefix == "/q"
    assert second.url_defaults == {"a": 1, "b": 2}
    assert second.options == {
        "name": "bp2",
        "url_prefix": "/q",
        "url_defaults": {"b": 2},
    }
    assert once == ["bp"]


def test_setup_state_add_url_rule(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__, url_prefix="/bp")

    def deferred(state: BlueprintSetupState) -> None:
        state.add_url_rule("/added", view_func=lambda: "added", endpoint="added")

    bp.record(deferred)
    app.register_blueprint(bp)
    assert app.test_client().get("/bp/added").data == b"added"
    with app.test_request_context():
        assert flask.url_for("bp.added") == "/bp/added"


# -- nesting -------------------------------------------------------------------


def test_nested_names_prefixes_and_blueprints(app: flask.Flask) -> None:
    parent = flask.Blueprint("parent", __name__, url_prefix="/parent/")
    child = flask.Blueprint("child", __name__, url_prefix="/child")
    grand = flask.Blueprint("grand", __name__)

    @grand.route("/g/<int:x>")
    def view(x: int) -> dict[str, t.Any]:
        return {
            "blueprint": flask.request.blueprint,
            "blueprints": flask.request.blueprints,
            "endpoint": flask.request.endpoint,
            "relative": flask.url_for(".view", x=x + 1),
            "absolute": flask.url_for("parent.child.grand.view", x=0),
        }

    child.register_blueprint(grand, url_prefix="/grand")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(parent, name="p2", url_prefix="/p2")

    assert list(app.blueprints) == [
        "parent",
        "parent.child",
        "parent.child.grand",
        "p2",
        "p2.child",
        "p2.child.grand",
    ]
    assert app.blueprints["parent.child.grand"] is grand
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["parent.child.grand.view"] == "/parent/child/grand/g/<int:x>"
    assert rules["p2.child.grand.view"] == "/p2/child/grand/g/<int:x>"

    assert app.test_client().get("/parent/child/grand/g/1").get_json() == {
        "blueprint": "parent.child.grand",
        "blueprints": ["parent.child.grand", "parent.child", "parent"],
        "endpoint": "parent.child.grand.view",
        "relative": "/parent/child/grand/g/2",
        "absolute": "/parent/child/grand/g/0",
    }
    assert app.test_client().get("/p2/child/grand/g/5").get_json()["relative"] == (
        "/p2/child/grand/g/6"
    )


def test_nested_prefix_joining(app: flask.Flask) -> None:
    a = flask.Blueprint("a", __name__, url_prefix="/a/")
    b = flask.Blueprint("b", __name__, url_prefix="/b/")
    c = flask.Blueprint("c", __name__)

    @b.route("/x/")
    def x() -> str:
        return ""

    @b.route("")
    def empty() -> str:
        return ""

    @c.route("/")
    def root() -> str:
        return ""

    a.register_blueprint(b)
    a.register_blueprint(c, url_prefix="/c")
    app.register_blueprint(a)
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["a.b.x"] == "/a/b/x/"
    assert rules["a.b.empty"] == "/a/b/"
    assert rules["a.c.root"] == "/a/c/"


def test_nested_register_with_name(app: flask.Flask) -> None:
    parent = flask.Blueprint("parent", __name__)
    child = flask.Blueprint("child", __name__)

    @child.route("/")
    def index() -> str:
        return flask.request.blueprint or ""

    parent.register_blueprint(child, url_prefix="/one")
    parent.register_blueprint(child, name="two", url_prefix="/two")
    app.register_blueprint(parent, url_prefix="/p")
    client = app.test_client()
    assert client.get("/p/one/").data == b"parent.child"
    assert client.get("/p/two/").data == b"parent.two"


def test_nested_subdomains() -> None:
    app = flask.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    parent = flask.Blueprint("parent", __name__, subdomain="api")
    child = flask.Blueprint("child", __name__, subdomain="v1")
    plain = flask.Blueprint("plain", __name__)

    @child.route("/c")
    def c() -> str:
        return flask.url_for(".c", _external=True)

    @plain.route("/n")
    def n() -> str:
        return flask.url_for(".n", _external=True)

    parent.register_blueprint(child, url_prefix="/child")
    parent.register_blueprint(plain, url_prefix="/plain")
    app.register_blueprint(parent, url_prefix="/p")
    rules = {r.endpoint: (r.subdomain, r.rule) for r in app.url_map.iter_rules()}
    assert rules["parent.child.c"] == ("v1.api", "/p/child/c")
    assert rules["parent.plain.n"] == ("api", "/p/plain/n")
    client = app.test_client()
    assert client.get("/p/child/c", base_url="http://v1.api.example.test").data == (
        b"http://v1.api.example.test/p/child/c"
    )
    assert client.get("/p/plain/n", base_url="http://api.example.test").data == (
        b"http://api.example.test/p/plain/n"
    )


# -- hooks ---------------------------------------------------------------------


def test_nested_hook_order(app: flask.Flask) -> None:
    ev: list[str] = []
    parent = flask.Blueprint("parent", __name__)
    child = flask.Blueprint("child", __name__)

    def record(kind: str, name: str) -> dict[str, t.Callable[..., t.Any]]:
        def before() -> None:
            ev.append(f"before {name} {kind}")

        def after(response: flask.Response) -> flask.Response:
            ev.append(f"after {name} {kind}")
            return response

        def teardown(exc: BaseException | None) -> None:
            ev.append(f"teardown {name} {kind}")

        def preprocess(endpoint: str | None, values: t.Any) -> None:
            ev.append(f"preprocess {name} {kind}")

        def defaults(endpoint: str, values: dict[str, t.Any]) -> None:
            ev.append(f"defaults {name} {kind}")

        def context() -> dict[str, str]:
            ev.append(f"context {name} {kind}")
            return {name: name}

        return {
            "before_request": before,
            "after_request": after,
            "teardown_request": teardown,
            "url_value_preprocessor": preprocess,
            "url_defaults": defaults,
            "context_processor": context,
        }

    for obj, name in ((app, "app"), (parent, "parent"), (child, "child")):
        for kind in ("1", "2"):
            for method, func in record(kind, name).items():
                getattr(obj, method)(func)

    @child.route("/")
    def index() -> str:
        ev.append("view")
        flask.url_for(".index")
        ev.append(
            "render " + flask.render_template_string("{{ app }}{{ parent }}{{ child }}")
        )
        return ""

    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    app.test_client().get("/parent/child/")

    def both(prefix: str, names: tuple[str, ...], kinds: tuple[str, str]) -> list[str]:
        return [f"{prefix} {n} {k}" for n in names for k in kinds]

    outward = ("child", "parent", "app")
    inward = ("app", "parent", "child")
    assert ev == [
        *both("preprocess", inward, ("1", "2")),
        *both("before", inward, ("1", "2")),
        "view",
        *both("defaults", inward, ("1", "2")),
        *both("context", inward, ("1", "2")),
        "render appparentchild",
        *both("after", outward, ("2", "1")),
        *both("teardown", outward, ("2", "1")),
    ]


def test_blueprint_hooks_only_for_own_requests(app: flask.Flask) -> None:
    ev: list[str] = []
    bp = flask.Blueprint("bp", __name__)

    @bp.before_request
    def bp_before() -> None:
        ev.append("bp before")

    @bp.before_app_request
    def app_before() -> None:
        ev.append("app before")

    @bp.after_request
    def bp_after(response: flask.Response) -> flask.Response:
        ev.append("bp after")
        return response

    @bp.after_app_request
    def app_after(response: flask.Response) -> flask.Response:
        ev.append("app after")
        return response

    @bp.teardown_request
    def bp_teardown(exc: BaseException | None) -> None:
        ev.append("bp teardown")

    @bp.teardown_app_request
    def app_teardown(exc: BaseException | None) -> None:
        ev.append("app teardown")

    @bp.route("/bp")
    def bp_view() -> str:
        return ""

    @app.route("/app")
    def app_view() -> str:
        return ""

    app.register_blueprint(bp)
    client = app.test_client()
    client.get("/app")
    assert ev == ["app before", "app after", "app teardown"]
    ev.clear()
    client.get("/bp")
    assert ev == [
        "app before",
        "bp before",
        "bp after",
        "app after",
        "bp teardown",
        "app teardown",
    ]


def test_before_request_response_short_circuits(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__)
    ev: list[str] = []

    @app.before_request
    def app_before() -> None:
        ev.append("app")

    @bp.before_request
    def stop() -> str:
        ev.append("bp")
        return "stopped"

    @bp.route("/")
    def index() -> str:
        ev.append("view")
        return "view"

    app.register_blueprint(bp)
    assert app.test_client().get("/").data == b"stopped"
    assert ev == ["app", "bp"]


def test_app_url_value_preprocessor_and_defaults(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__, url_prefix="/<lang>")

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        flask.g.lang = values.pop("lang")

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("lang", flask.g.lang)

    @bp.app_url_value_preprocessor
    def app_pull(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        flask.g.app_seen = endpoint

    @bp.app_url_defaults
    def app_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        if endpoint == "page":
            values.setdefault("n", 7)

    @bp.route("/")
    def index() -> str:
        return f"{flask.g.lang} {flask.url_for('.index')} {flask.g.app_seen}"

    @app.route("/page/<int:n>")
    def page(n: int) -> str:
        return flask.url_for("page")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/de/").data == b"de /de/ bp.index"
    assert client.get("/page/1").data == b"/page/7"


def test_app_template_helpers(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(s: str) -> str:
        return s.upper()

    @bp.app_template_filter("rev")
    def reverse(s: str) -> str:
        return s[::-1]

    @bp.app_template_global()
    def answer() -> int:
        return 42

    @bp.app_template_test("even")
    def is_even(n: int) -> bool:
        return n % 2 == 0

    @bp.app_context_processor
    def inject() -> dict[str, str]:
        return {"injected": "yes"}

    bp.add_app_template_filter(lambda s: f"<{s}>", "angle")
    app.register_blueprint(bp)

    @app.route("/")
    def index() -> str:
        return flask.render_template_string(
            "{{ 'a'|shout }} {{ 'ab'|rev }} {{ answer() }} {{ 4 is even }}"
            " {{ injected }} {{ 'x'|angle }}"
        )

    assert app.test_client().get("/").data == b"A ba 42 True yes &lt;x&gt;"
    assert app.jinja_env.filters["shout"] is shout
    assert app.jinja_env.globals["answer"] is answer
    assert app.jinja_env.tests["even"] is is_even


def test_blueprint_context_processor_scope(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__)

    @bp.context_processor
    def only_bp() -> dict[str, str]:
        return {"scoped": "bp"}

    @bp.route("/bp")
    def bp_view() -> str:
        return flask.render_template_string("[{{ scoped }}]")

    @app.route("/app")
    def app_view() -> str:
        return flask.render_template_string("[{{ scoped }}]")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp").data == b"[bp]"
    assert client.get("/app").data == b"[]"


# -- error handlers ------------------------------------------------------------


class BaseError(Exception):
    pass


class ChildError(BaseError):
    pass


@pytest.fixture
def handler_app(app: flask.Flask) -> flask.Flask:
    parent = flask.Blueprint("parent", __name__)
    child = flask.Blueprint("child", __name__)
    other = flask.Blueprint("other", __name__)

    @app.errorhandler(BaseError)
    def app_base(e: Exception) -> str:
        return "app BaseError"

    @app.errorhandler(404)
    def app_404(e: Exception) -> tuple[str, int]:
        return "app 404", 404

    @parent.errorhandler(BaseError)
    def parent_base(e: Exception) -> str:
        return "parent BaseError"

    @parent.errorhandler(403)
    def parent_403(e: Exception) -> tuple[str, int]:
        return "parent 403", 403

    @child.errorhandler(ChildError)
    def child_child(e: Exception) -> str:
        return "child ChildError"

    @child.errorhandler(404)
    def child_404(e: Exception) -> tuple[str, int]:
        return "child 404", 404

    @other.app_errorhandler(Forbidden)
    def other_403(e: Exception) -> tuple[str, int]:
        return "app-wide 403 from other", 403

    @child.route("/base")
    def raise_base() -> str:
        raise BaseError()

    @child.route("/child")
    def raise_child() -> str:
        raise ChildError()

    @child.route("/403")
    def child_forbidden() -> str:
        flask.abort(403)

    @child.route("/404")
    def child_not_found() -> str:
        flask.abort(404)

    @parent.route("/403")
    def parent_forbidden() -> str:
        flask.abort(403)

    @app.route("/403")
    def app_forbidden() -> str:
        flask.abort(403)

    @app.route("/child")
    def app_child() -> str:
        raise ChildError()

    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    app.register_blueprint(other)
    return app


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        # An exact class in an outer blueprint beats nothing in the inner one.
        ("/parent/child/base", 200, b"parent BaseError"),
        # The innermost blueprint wins when it handles the class.
        ("/parent/child/child", 200, b"child ChildError"),
        # Codes are resolved outwards too.
        ("/parent/child/403", 403, b"parent 403"),
        ("/parent/child/404", 404, b"child 404"),
        ("/parent/403", 403, b"parent 403"),
        # app_errorhandler registers on the app.
        ("/403", 403, b"app-wide 403 from other"),
        # The app's handler for a base class catches subclasses.
        ("/child", 200, b"app BaseError"),
        # Routing errors have no blueprint: only app handlers apply.
        ("/parent/child/missing", 404, b"app 404"),
        ("/missing", 404, b"app 404"),
    ],
)
def test_error_handler_precedence(
    handler_app: flask.Flask, path: str, status: int, body: bytes
) -> None:
    response = handler_app.test_client().get(path)
    assert response.status_code == status
    assert response.data == body


def test_blueprint_handler_not_used_for_other_blueprints(app: flask.Flask) -> None:
    first = flask.Blueprint("first", __name__)
    second = flask.Blueprint("second", __name__)

    @first.errorhandler(KeyError)
    def handle(e: Exception) -> str:
        return "first"

    @second.route("/")
    def index() -> str:
        raise KeyError()

    app.register_blueprint(first)
    app.register_blueprint(second)
    with pytest.raises(KeyError):
        app.test_client().get("/")


# -- files, templates and CLI --------------------------------------------------


def test_static_folder_and_url(app: flask.Flask, tmp_path: t.Any) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body {}")
    bp = flask.Blueprint(
        "bp", __name__, static_folder="static", root_path=os.fspath(tmp_path)
    )
    app.register_blueprint(bp, url_prefix="/bp")
    other = flask.Blueprint(
        "other",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        root_path=os.fspath(tmp_path),
    )
    app.register_blueprint(other, url_prefix="/o")
    client = app.test_client()
    response = client.get("/bp/static/style.css")
    assert response.status_code == 200
    assert response.data == b"body {}"
    response.close()
    response = client.get("/o/assets/style.css")
    assert response.data == b"body {}"
    response.close()
    with app.test_request_context():
        assert flask.url_for("bp.static", filename="style.css") == (
            "/bp/static/style.css"
        )
        assert flask.url_for("other.static", filename="style.css") == (
            "/o/assets/style.css"
        )


def test_template_folder(app: flask.Flask, tmp_path: t.Any) -> None:
    (tmp_path / "templates" / "bp").mkdir(parents=True)
    (tmp_path / "templates" / "bp" / "hello.html").write_text("hello {{ who }}")
    bp = flask.Blueprint(
        "bp", __name__, template_folder="templates", root_path=os.fspath(tmp_path)
    )

    @bp.route("/")
    def index() -> str:
        return flask.render_template("bp/hello.html", who="bp")

    app.register_blueprint(bp)
    assert app.test_client().get("/").data == b"hello bp"


def test_open_resource(tmp_path: t.Any) -> None:
    (tmp_path / "data.txt").write_text("data")
    bp = flask.Blueprint("bp", __name__, root_path=os.fspath(tmp_path))
    with bp.open_resource("data.txt") as f:
        assert f.read() == b"data"


def test_cli_group(app: flask.Flask) -> None:
    grouped = flask.Blueprint("grouped", __name__)
    named = flask.Blueprint("named", __name__, cli_group="tools")
    merged = flask.Blueprint("merged", __name__, cli_group=None)

    @grouped.cli.command("hello")
    def hello() -> None:
        print("grouped hello")

    @named.cli.command("hello")
    def named_hello() -> None:
        print("named hello")

    @merged.cli.command("merged-hello")
    def merged_hello() -> None:
        print("merged hello")

    app.register_blueprint(grouped)
    app.register_blueprint(named)
    app.register_blueprint(merged)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["grouped", "hello"]).output == "grouped hello\n"
    assert runner.invoke(args=["tools", "hello"]).output == "named hello\n"
    assert runner.invoke(args=["merged-hello"]).output == "merged hello\n"


def test_cli_group_override_on_register(app: flask.Flask) -> None:
    bp = flask.Blueprint("bp", __name__)

    @bp.cli.command("hi")
    def hi() -> None:
        print("hi")

    app.register_blueprint(bp, cli_group="custom")
    assert app.test_cli_runner().invoke(args=["custom", "hi"]).output == "hi\n"


def test_iter_blueprints_and_request_attributes(app: flask.Flask) -> None:
    a = flask.Blueprint("a", __name__)
    b = flask.Blueprint("b", __name__)
    app.register_blueprint(a)
    app.register_blueprint(b)
    assert list(app.iter_blueprints()) == [a, b]
    with app.test_request_context("/"):
        assert flask.request.blueprint is None
        assert flask.request.blueprints == []
