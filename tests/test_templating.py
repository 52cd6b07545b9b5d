from __future__ import annotations

import gc
import logging
import sys
import weakref

import jinja2
import pytest
from markupsafe import Markup

import flask
from flask import templating

# -- helpers -----------------------------------------------------------------


@pytest.fixture
def blueprintapp(monkeypatch, request):
    """The app in tests/test_apps/blueprintapp, imported fresh."""
    monkeypatch.syspath_prepend(str(request.path.parent / "test_apps"))

    def purge():
        for name in list(sys.modules):
            if name == "blueprintapp" or name.startswith("blueprintapp."):
                del sys.modules[name]

    purge()
    request.addfinalizer(purge)
    import blueprintapp

    return blueprintapp.app


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


# -- render_template and the context ----------------------------------------


def test_render_template_file(app, client):
    @app.route("/")
    def index():
        return flask.render_template("simple_template.html", whiskey=42)

    rv = client.get("/")
    assert rv.data == b"<h1>42</h1>"
    assert rv.mimetype == "text/html"


def test_render_template_nested_folder(app, app_ctx):
    assert flask.render_template("nested/nested.txt") == "I'm nested"


def test_render_template_list_uses_first_existing(app, app_ctx):
    rv = flask.render_template(["no_such.html", "simple_template.html"], whiskey=1)
    assert rv == "<h1>1</h1>"


def test_render_template_accepts_template_object(app, app_ctx):
    tmpl = app.jinja_env.get_template("mail.txt")
    assert flask.render_template(tmpl, foo="<x>") == "<x> Mail"


def test_render_template_missing(app, app_ctx):
    with pytest.raises(jinja2.TemplateNotFound) as info:
        flask.render_template("no_such.html")
    assert info.value.name == "no_such.html"
    with pytest.raises(jinja2.TemplatesNotFound):
        flask.render_template(["a.html", "b.html"])


def test_render_outside_app_context_fails(app):
    with pytest.raises(RuntimeError, match="application context"):
        flask.render_template("mail.txt")
    with pytest.raises(RuntimeError, match="application context"):
        flask.render_template_string("x")
    with pytest.raises(RuntimeError, match="application context"):
        flask.stream_template_string("x")


def test_render_template_string(app, app_ctx):
    assert flask.render_template_string("{{ a }}+{{ b }}", a=1, b=2) == "1+2"


def test_standard_context_in_request(app, client):
    app.secret_key = "secret"

    @app.route("/")
    def index():
        flask.g.who = "ann"
        flask.session["k"] = "v"
        flask.flash("one")
        flask.flash("two")
        return flask.render_template("globals.html")

    rv = client.get("/?x=1")
    assert rv.data == b"ann|/|v|True|/|one,two"


def test_standard_context_from_string(app, client):
    @app.route("/p")
    def page():
        flask.g.foo = 23
        return flask.render_template_string(
            "{{ g.foo }} {{ config.TESTING }} {{ request.args.q }} {{ session.x }}"
        )

    with client.session_transaction() as sess:
        sess["x"] = "sx"
    assert client.get("/p?q=42").data == b"23 True 42 sx"


def test_app_context_only_has_g_and_config(app, app_ctx):
    flask.g.value = 7
    rv = flask.render_template_string("{{ g.value }} {{ config.TESTING }}")
    assert rv == "7 True"
    with pytest.raises(RuntimeError, match="request"):
        flask.render_template_string("{{ request.path }}")


def test_default_context_processor_values(app):
    assert templating._default_template_ctx_processor() == {}
    with app.app_context() as ctx:
        assert templating._default_template_ctx_processor() == {"g": ctx.g}
    with app.test_request_context("/x") as ctx:
        rv = templating._default_template_ctx_processor()
        assert rv["g"] is ctx.g
        assert rv["request"] is ctx.request
        # session is left to the lazy global proxy
        assert "session" not in rv


def test_session_only_opened_when_template_uses_it(app, client):
    @app.route("/plain")
    def plain():
        return flask.render_template_string("{{ 1 }}")

    @app.route("/uses")
    def uses():
        return flask.render_template_string("{{ session.get('a') }}")

    assert "Cookie" not in client.get("/plain").headers.get("Vary", "")
    rv = client.get("/uses")
    assert rv.data == b"None"
    assert "Cookie" in rv.headers["Vary"]


def test_context_processor(app, client):
    @app.context_processor
    def inject():
        return {"injected_value": 42}

    @app.route("/")
    def index():
        return flask.render_template("context_template.html", value=23)

    assert client.get("/").data == b"<p>23|42"


def test_explicit_context_wins_over_processors(app, app_ctx):
    @app.context_processor
    def inject():
        return {"value": "from processor", "injected_value": "p"}

    context = {"value": "explicit"}
    rv = flask.render_template("context_template.html", **context)
    assert rv == "<p>explicit|p"
    # the caller's dict is not changed
    assert context == {"value": "explicit"}


def test_explicit_g_and_request_win(app):
    with app.test_request_context("/real"):
        rv = flask.render_template_string(
            "{{ request }}|{{ g }}", request="fake", g="mine"
        )
    assert rv == "fake|mine"


def test_async_context_processor(app, app_ctx):
    pytest.importorskip("asgiref")

    @app.context_processor
    async def inject():
        return {"injected_value": "async"}

    rv = flask.render_template("context_template.html", value=1)
    assert rv == "<p>1|async"


def test_blueprint_context_processors(app, client):
    bp = flask.Blueprint("bp", __name__)

    @bp.context_processor
    def bp_only():
        return {"bp_value": "bp"}

    @bp.app_context_processor
    def everywhere():
        return {"app_value": "app"}

    @bp.route("/bp")
    def in_bp():
        return flask.render_template_string("{{ bp_value }}|{{ app_value }}")

    @app.route("/")
    def outside():
        return flask.render_template_string("{{ bp_value }}|{{ app_value }}")

    app.register_blueprint(bp)
    assert client.get("/bp").data == b"bp|app"
    assert client.get("/").data == b"|app"


def test_nested_blueprint_context_processors(app, client):
    parent = flask.Blueprint("parent", __name__, url_prefix="/p")
    child = flask.Blueprint("child", __name__, url_prefix="/c")

    @parent.context_processor
    def from_parent():
        return {"a": "parent-a", "b": "parent-b"}

    @child.context_processor
    def from_child():
        return {"b": "child-b"}

    @child.route("/")
    def index():
        return flask.render_template_string("{{ a }}|{{ b }}")

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/p/c/").data == b"parent-a|child-b"


# -- autoescaping ------------------------------------------------------------


@pytest.mark.parametrize("ext", ["html", "htm", "xml", "xhtml", "svg"])
def test_autoescape_by_extension(app, app_ctx, ext):
    rv = flask.render_template(f"escape/t.{ext}", text="<p>&")
    assert rv == "&lt;p&gt;&amp;"


@pytest.mark.parametrize("ext", ["txt", "js"])
def test_no_autoescape_for_other_extensions(app, app_ctx, ext):
    assert flask.render_template(f"escape/t.{ext}", text="<p>&") == "<p>&"


def test_select_jinja_autoescape(app):
    assert app.select_jinja_autoescape("a.html")
    assert app.select_jinja_autoescape("a.svg")
    assert not app.select_jinja_autoescape("a.txt")
    assert app.select_jinja_autoescape(None)


def test_autoescape_blocks_and_markup(app, app_ctx):
    text = "<p>Hello World!"
    rv = flask.render_template(
        "escaping_template.html", text=text, html=Markup(text)
    ).split("|")
    assert rv == [
        "&lt;p&gt;Hello World!",
        "<p>Hello World!",
        "<p>Hello World!",
        "<p>Hello World!",
        "&lt;p&gt;Hello World!",
        "<p>Hello World!",
    ]


def test_render_template_string_autoescapes(app, app_ctx):
    rv = flask.render_template_string("{{ s }}|{{ s|safe }}", s="<b>'\"")
    assert rv == "&lt;b&gt;&#39;&#34;|<b>'\""


def test_no_escaping_of_plain_text_template(app, app_ctx):
    assert flask.render_template("mail.txt", foo="<test>") == "<test> Mail"


# -- filters, tests and globals ---------------------------------------------


def _check_filter(app, app_ctx, name="my_reverse"):
    rv = flask.render_template_string(f"{{{{ 'abc'|{name} }}}}")
    assert rv == "cba"
    return rv


def test_template_filter_forms(app, app_ctx):
    @app.template_filter
    def bare(s):
        return s[::-1]

    @app.template_filter()
    def called(s):
        return s[::-1]

    @app.template_filter("renamed")
    def named(s):
        return s[::-1]

    @app.template_filter(name="kw")
    def named_kw(s):
        return s[::-1]

    def added(s):
        return s[::-1]

    app.add_template_filter(added)
    app.add_template_filter(added, "added_as")

    assert bare("ab") == "ba"  # the decorator returns the function
    for name in ["bare", "called", "renamed", "kw", "added", "added_as"]:
        assert app.jinja_env.filters[name] is not None
        _check_filter(app, app_ctx, name)
    assert "named" not in app.jinja_env.filters


def test_template_filter_in_file(app, app_ctx):
    @app.template_filter()
    def super_reverse(s):
        return s[::-1]

    assert flask.render_template("template_filter.html", value="abc") == "cba"


def test_template_test_forms(app, app_ctx):
    @app.template_test
    def boolean(value):
        return isinstance(value, bool)

    @app.template_test("is_even")
    def even(value):
        return value % 2 == 0

    @app.template_test()
    def odd(value):
        return value % 2 == 1

    def positive(value):
        return value > 0

    app.add_template_test(positive)
    app.add_template_test(positive, "plus")

    assert app.jinja_env.tests["boolean"] is boolean
    assert flask.render_template("template_test.html", value=False) == "Success!"
    rv = flask.render_template_string(
        "{{ 2 is is_even }} {{ 3 is odd }} {{ 1 is positive }} {{ -1 is plus }}"
    )
    assert rv == "True True True False"


def test_template_global_forms(app, app_ctx):
    @app.template_global
    def get_stuff():
        return 42

    @app.template_global("answer")
    def other():
        return "a"

    @app.template_global()
    def called():
        return "c"

    def added():
        return "d"

    app.add_template_global(added)
    app.add_template_global(added, "added_as")

    assert app.jinja_env.globals["get_stuff"] is get_stuff
    rv = flask.render_template_string(
        "{{ get_stuff() }}{{ answer() }}{{ called() }}{{ added() }}{{ added_as() }}"
    )
    assert rv == "42acdd"


def test_blueprint_app_template_helpers(app, app_ctx):
    bp = flask.Blueprint("bp", __name__)

    @bp.app_template_filter
    def rev(s):
        return s[::-1]

    @bp.app_template_filter("shout")
    def upper(s):
        return s.upper()

    @bp.app_template_test()
    def short(s):
        return len(s) < 3

    @bp.app_template_global
    def forty_two():
        return 42

    def exclaim(s):
        return s + "!"

    bp.add_app_template_filter(exclaim)
    bp.add_app_template_test(lambda s: s == "x", "ex")
    bp.add_app_template_global(lambda: "g", "gee")

    # nothing is added until the blueprint is registered
    assert "rev" not in app.jinja_env.filters
    app.register_blueprint(bp)
    rv = flask.render_template_string(
        "{{ 'ab'|rev }} {{ 'a'|shout }} {{ 'ab' is short }} {{ forty_two() }}"
        " {{ 'a'|exclaim }} {{ 'x' is ex }} {{ gee() }}"
    )
    assert rv == "ba A True 42 a! True g"


def test_url_for_and_flashed_messages_are_globals(app):
    env = app.jinja_env
    assert env.globals["get_flashed_messages"] is flask.get_flashed_messages
    assert env.globals["config"] is app.config

    @app.route("/target/<int:n>")
    def target(n):
        return ""

    with app.test_request_context():
        rv = flask.render_template_string("{{ url_for('target', n=3, q='a b') }}")
    assert rv == "/target/3?q=a+b"


# -- tojson ------------------------------------------------------------------


def test_tojson_escapes_for_html(app, app_ctx):
    data = {"b": "</script><b>'&", "a": 1}
    rv = flask.render_template("tojson.html", data=data)
    assert rv == (
        '<script>var data = {"a": 1, "b": "\\u003c/script\\u003e\\u003cb\\u003e'
        '\\u0027\\u0026"};</script>'
    )


def test_tojson_filter_returns_markup(app, app_ctx):
    rv = app.jinja_env.filters["tojson"]
    out = flask.render_template_string("{{ x|tojson }}", x='"q"')
    assert out == '"\\"q\\""'
    # the filter result is Markup, so autoescape leaves it alone
    direct = templating._tojson_filter(app.jinja_env, "<a>")
    assert isinstance(direct, Markup)
    assert direct == '"\\u003ca\\u003e"'
    assert rv is not None


def test_tojson_indent_and_sorting(app, app_ctx):
    rv = flask.render_template_string("{{ x|tojson(2) }}", x={"b": [1], "a": 2})
    assert rv == '{\n  "a": 2,\n  "b": [\n    1\n  ]\n}'
    rv = flask.render_template_string("{{ x|tojson(indent=1) }}", x=[1])
    assert rv == "[\n 1\n]"


def test_tojson_uses_app_json_provider(app, app_ctx):
    import datetime
    import uuid

    u = uuid.UUID("12345678123456781234567812345678")
    rv = flask.render_template_string(
        "{{ d|tojson }} {{ u|tojson }}",
        d=datetime.date(2020, 1, 2),
        u=u,
    )
    assert (
        rv == '"Thu, 02 Jan 2020 00:00:00 GMT" "12345678-1234-5678-1234-567812345678"'
    )


def test_tojson_in_attribute(app, app_ctx):
    rv = flask.render_template_string("<a data-x='{{ x|tojson }}'>", x="it's")
    assert rv == "<a data-x='\"it\\u0027s\"'>"


# -- signals -----------------------------------------------------------------


def test_template_signals_order_and_arguments(app, app_ctx):
    events = []

    def before(sender, template, context, **extra):
        events.append(("before", sender, template.name, dict(context), extra))
        context["late"] = "added before render"

    def rendered(sender, template, context, **extra):
        events.append(("rendered", sender, template.name, context["late"], extra))

    with flask.before_render_template.connected_to(before, app):
        with flask.template_rendered.connected_to(rendered, app):
            rv = flask.render_template_string("{{ late }}", value=1)

    assert rv == "added before render"
    assert [e[0] for e in events] == ["before", "rendered"]
    _, sender, name, context, extra = events[0]
    assert sender is app
    assert name is None
    assert context["value"] == 1
    assert set(context) == {"value", "g"}
    assert extra == {}
    assert events[1][3] == "added before render"


def test_template_rendered_gives_template_and_context(app, client):
    recorded = []

    def record(sender, template, context, **extra):
        recorded.append((template, context))

    @app.route("/")
    def index():
        return flask.render_template("simple_template.html", whiskey=42)

    with flask.template_rendered.connected_to(record, app):
        client.get("/")

    assert len(recorded) == 1
    template, context = recorded[0]
    assert template.name == "simple_template.html"
    assert context["whiskey"] == 42
    assert context["request"].path == "/"


def test_template_signals_are_per_sender(app, app_ctx):
    other = flask.Flask("other")
    recorded = []

    def record(sender, **extra):
        recorded.append(sender)

    with flask.template_rendered.connected_to(record, other):
        flask.render_template_string("x")
    assert recorded == []


def test_template_signals_not_sent_without_receivers(app, client, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("sent with no receivers")

    monkeypatch.setattr(flask.template_rendered, "send", boom)
    monkeypatch.setattr(flask.before_render_template, "send", boom)

    @app.route("/")
    def index():
        return flask.render_template("simple_template.html", whiskey=1)

    @app.route("/stream")
    def stream():
        return flask.stream_template("simple_template.html", whiskey=2)

    assert client.get("/").data == b"<h1>1</h1>"
    assert client.get("/stream").data == b"<h1>2</h1>"


def test_public_names():
    for name in [
        "render_template",
        "render_template_string",
        "stream_template",
        "stream_template_string",
    ]:
        assert getattr(flask, name) is getattr(templating, name)
    assert issubclass(templating.DispatchingJinjaLoader, jinja2.BaseLoader)


# -- streaming ---------------------------------------------------------------


def test_stream_template_keeps_request(app, client):
    @app.route("/")
    def index():
        return flask.stream_template("stream.html", items=[1, 2, 3])

    rv = client.get("/?q=ok")
    assert rv.data == b"A123|ok"


def test_stream_template_string_keeps_request(app, client):
    @app.route("/")
    def index():
        flask.g.x = "gx"
        return flask.stream_template_string(
            "{{ request.args.q }}|{{ g.x }}|{{ session.get('s') }}"
        )

    with client.session_transaction() as sess:
        sess["s"] = "sv"
    assert client.get("/?q=1").data == b"1|gx|sv"


def test_stream_is_lazy_and_signals_after_last_chunk(app, client):
    events = []

    def before(sender, template, context, **extra):
        events.append("before")

    def rendered(sender, template, context, **extra):
        events.append("rendered")

    def gen():
        events.append("chunk")
        yield "x"

    @app.route("/")
    def index():
        rv = flask.stream_template_string(
            "{% for c in gen %}{{ c }}{% endfor %}", gen=gen()
        )
        events.append("view returned")
        return rv

    with flask.before_render_template.connected_to(before, app):
        with flask.template_rendered.connected_to(rendered, app):
            assert client.get("/").data == b"x"
    assert events == ["before", "view returned", "chunk", "rendered"]


def test_stream_outside_request(app, app_ctx):
    rv = flask.stream_template_string("{{ a }}{{ b }}", a=1, b=2)
    assert "".join(rv) == "12"


# -- environment and options -------------------------------------------------


def test_environment_class(app):
    env = app.jinja_env
    assert isinstance(env, templating.Environment)
    assert isinstance(env, jinja2.Environment)
    assert env.app is app
    assert isinstance(env.loader, templating.DispatchingJinjaLoader)
    assert env.loader.app is app


def test_environment_accepts_loader_option(app):
    loader = jinja2.DictLoader({"a": "A"})
    env = templating.Environment(app, loader=loader)
    assert env.loader is loader
    assert env.get_template("a").render() == "A"


def test_environment_does_not_keep_app_alive():
    app = flask.Flask("weak_app")
    env = templating.Environment(app)
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
    with pytest.raises(RuntimeError, match="garbage collected"):
        env.app  # noqa: B018


def test_app_freed_at_once_after_rendering():
    # no reference cycle through the app: refcounting alone frees it
    app = flask.Flask("freed_app")

    @app.route("/")
    def index():
        return flask.render_template_string(
            "{{ x|tojson }}{{ url_for('index') }}{{ request.path }}", x=[1]
        )

    assert app.test_client().get("/").data == b"[1]//"
    ref = weakref.ref(app)
    gc.disable()
    try:
        del app, index
        assert ref() is None
    finally:
        gc.enable()


def test_autoescape_method_of_app_held_weakly(app):
    env = app.jinja_env
    assert env.autoescape("x.html") is True
    assert env.autoescape("x.txt") is False
    assert env.autoescape.__name__ == "select_jinja_autoescape"


def test_jinja_options(app_ctx):
    class MyFlask(flask.Flask):
        jinja_options = {"trim_blocks": True, "extensions": ["jinja2.ext.do"]}

    app = MyFlask("custom_opts")
    with app.app_context():
        rv = flask.render_template_string(
            "{% set l = [] %}{% do l.append(1) %}\n{% if true %}\nx{% endif %}{{ l }}"
        )
    assert rv == "x[1]"
    assert app.jinja_env.trim_blocks
    # autoescape still comes from the app
    assert app.jinja_env.autoescape is not False


def test_custom_jinja_environment_class():
    class MyEnvironment(templating.Environment):
        pass

    class MyFlask(flask.Flask):
        jinja_environment = MyEnvironment

    app = MyFlask("custom_env")
    assert isinstance(app.jinja_env, MyEnvironment)


def test_create_jinja_environment_override():
    class MyFlask(flask.Flask):
        def create_jinja_environment(self):
            env = super().create_jinja_environment()
            env.globals["answer"] = 42
            return env

    app = MyFlask("override_env")
    with app.app_context():
        assert flask.render_template_string("{{ answer }}") == "42"


def test_custom_jinja_loader_on_app():
    class MyFlask(flask.Flask):
        @property
        def jinja_loader(self):
            return jinja2.DictLoader({"a.html": "custom {{ x }}"})

    app = MyFlask("loader_app")
    with app.app_context():
        assert flask.render_template("a.html", x="<y>") == "custom &lt;y&gt;"


def test_global_loader_override():
    class MyFlask(flask.Flask):
        def create_global_jinja_loader(self):
            return jinja2.DictLoader({"only": "global"})

    app = MyFlask("global_loader_app")
    with app.app_context():
        assert flask.render_template("only") == "global"


def test_app_without_template_folder(app_ctx):
    app = flask.Flask("no_templates", template_folder=None)
    assert app.jinja_loader is None
    with app.app_context():
        with pytest.raises(jinja2.TemplateNotFound):
            flask.render_template("simple_template.html")


@pytest.mark.parametrize(
    ("config", "debug", "expect"),
    [
        (None, False, False),
        (None, True, True),
        (True, False, True),
        (False, True, False),
    ],
)
def test_templates_auto_reload(app, config, debug, expect):
    app.config["TEMPLATES_AUTO_RELOAD"] = config
    app.debug = debug
    assert app.jinja_env.auto_reload is expect


def test_templates_auto_reload_follows_debug_after_creation(app):
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True


def test_template_changes_are_seen_with_auto_reload(tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("one")
    app = flask.Flask("reload_app", root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.app_context():
        assert flask.render_template("page.html") == "one"
        page.write_text("two!")
        import os

        st = page.stat()
        os.utime(page, (st.st_atime, st.st_mtime + 10))
        assert flask.render_template("page.html") == "two!"


def test_get_template_attribute(app, app_ctx):
    hello = flask.get_template_attribute("_macro.html", "hello")
    assert hello("World") == "Hello World!"


# -- loader order with blueprints --------------------------------------------


def test_blueprint_templates(blueprintapp):
    client = blueprintapp.test_client()
    assert client.get("/admin/").data == b"Admin"
    assert client.get("/").data == b"Hello from the Frontend"


def test_app_templates_override_blueprint_templates(blueprintapp):
    client = blueprintapp.test_client()
    assert client.get("/admin/shared").data == b"app shared"


def test_blueprints_searched_in_registration_order(blueprintapp):
    client = blueprintapp.test_client()
    # both blueprints have both.html; admin was registered first
    assert client.get("/admin/both").data == b"admin both"


def test_registration_order_decides(app, app_ctx, tmp_path):
    for name in ("one", "two"):
        folder = tmp_path / name / "templates"
        folder.mkdir(parents=True)
        (folder / "same.html").write_text(name)
    two = flask.Blueprint(
        "two", __name__, root_path=str(tmp_path / "two"), template_folder="templates"
    )
    one = flask.Blueprint(
        "one", __name__, root_path=str(tmp_path / "one"), template_folder="templates"
    )
    app.register_blueprint(two)
    app.register_blueprint(one)
    assert flask.render_template("same.html") == "two"


def test_list_templates(blueprintapp):
    names = blueprintapp.jinja_env.list_templates()
    assert sorted(names) == [
        "admin/index.html",
        "both.html",
        "frontend/index.html",
        "shared.html",
    ]


def test_dispatching_loader_get_source(blueprintapp):
    loader = templating.DispatchingJinjaLoader(blueprintapp)
    source, filename, uptodate = loader.get_source(
        blueprintapp.jinja_env, "admin/index.html"
    )
    assert source == "Admin"
    assert filename.endswith("index.html")
    assert uptodate()
    with pytest.raises(jinja2.TemplateNotFound):
        loader.get_source(blueprintapp.jinja_env, "nope.html")


def test_missing_blueprint_template(blueprintapp):
    client = blueprintapp.test_client()
    blueprintapp.testing = True
    with pytest.raises(jinja2.TemplateNotFound):
        client.get("/missing")


# -- EXPLAIN_TEMPLATE_LOADING -------------------------------------------------


def _explain_log(app):
    handler = LogCapture()
    app.logger.addHandler(handler)
    app.logger.setLevel(logging.INFO)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    return handler


def test_explain_template_loading(blueprintapp):
    handler = _explain_log(blueprintapp)
    client = blueprintapp.test_client()
    assert client.get("/admin/").data == b"Admin"

    assert len(handler.records) == 1
    record = handler.records[0]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    lines = text.splitlines()
    assert lines[0] == "Locating template 'admin/index.html':"
    assert lines[1] == "    1: trying loader of application 'blueprintapp'"
    assert "       class: jinja2.loaders.FileSystemLoader" in lines
    assert "       encoding: 'utf-8'" in lines
    assert "       followlinks: False" in lines
    assert "       searchpath:" in lines
    assert (
        "    2: trying loader of blueprint 'admin' (blueprintapp.apps.admin)" in lines
    )
    assert (
        "    3: trying loader of blueprint 'frontend' (blueprintapp.apps.frontend)"
        in lines
    )
    found = [line for line in lines if "-> found" in line]
    assert len(found) == 1
    assert found[0].strip().startswith("-> found ('")
    assert "admin/templates/admin/index.html" in found[0].replace("\\", "/")
    assert lines.count("       -> no match") == 2
    assert "Error" not in text
    assert "Warning" not in text


def test_explain_template_loading_not_found_hint(blueprintapp):
    handler = _explain_log(blueprintapp)
    client = blueprintapp.test_client()
    with pytest.raises(jinja2.TemplateNotFound):
        client.get("/missing")
    text = handler.records[0].getMessage()
    assert "Error: the template could not be found." in text
    assert (
        "The template was looked up from an endpoint that belongs to the"
        " blueprint 'frontend'." in text
    )
    assert "Maybe you did not place a template in the right folder?" in text
    assert "See https://flask.palletsprojects.com/blueprints/#templates" in text


def test_explain_template_loading_multiple_matches(blueprintapp):
    handler = _explain_log(blueprintapp)
    client = blueprintapp.test_client()
    # app and admin both have shared.html; the app's wins
    assert client.get("/admin/shared").data == b"app shared"
    text = handler.records[0].getMessage()
    assert text.count("-> found") == 2
    assert "Warning: multiple loaders returned a match for the template." in text
    assert "blueprint 'admin'" in text


def test_explain_without_request_has_no_hint(app):
    handler = _explain_log(app)
    app.jinja_loader  # noqa: B018
    with app.app_context():
        with pytest.raises(jinja2.TemplateNotFound):
            flask.render_template("missing.html")
    text = handler.records[0].getMessage()
    assert text.endswith("Error: the template could not be found.")


def test_explain_loader_details():
    class MyLoader(jinja2.BaseLoader):
        def __init__(self):
            self.number = 1
            self.names = ("x", "y")
            self.numbers = [1, 2]
            self.nothing = None
            self._private = "p"
            self.text = "s"
            self.flag = True

        def get_source(self, environment, template):
            raise jinja2.TemplateNotFound(template)

    app = flask.Flask("explain_details", template_folder=None)
    bp = flask.Blueprint("bp", "bp_module")
    bp.jinja_loader = MyLoader()
    dict_bp = flask.Blueprint("dict_bp", "dict_module")
    dict_bp.jinja_loader = jinja2.DictLoader({"t": "T"})
    no_loader = flask.Blueprint("no_loader", "x")
    app.register_blueprint(no_loader)
    app.register_blueprint(bp)
    app.register_blueprint(dict_bp)
    handler = _explain_log(app)
    with app.app_context():
        assert flask.render_template("t") == "T"
    assert handler.records[0].getMessage() == "\n".join(
        [
            "Locating template 't':",
            "    1: trying loader of blueprint 'bp' (bp_module)",
            f"       class: {__name__}.MyLoader",
            "       flag: True",
            "       names:",
            "         - x",
            "         - y",
            "       number: 1",
            "       text: 's'",
            "       -> no match",
            "    2: trying loader of blueprint 'dict_bp' (dict_module)",
            "       class: jinja2.loaders.DictLoader",
            "       -> found ('<string>')",
        ]
    )


def test_explain_is_off_by_default(blueprintapp):
    handler = LogCapture()
    blueprintapp.logger.addHandler(handler)
    blueprintapp.logger.setLevel(logging.DEBUG)
    blueprintapp.test_client().get("/admin/")
    assert handler.records == []
