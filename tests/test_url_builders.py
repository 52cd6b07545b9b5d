"""URL builders compiled on first use (``flask._builders``): the same URLs
and the same errors, at the same moments, as werkzeug compiling them when
the rule is added."""

from __future__ import annotations

import copy
import typing as t

import pytest
from werkzeug.routing import BuildError
from werkzeug.routing import Map
from werkzeug.routing import Rule

import flask
from flask import _builders

# (rule, options, build arguments): built through the app and through a
# plain werkzeug map holding the same rule.
CASES: list[tuple[str, dict[str, t.Any], dict[str, t.Any]]] = [
    ("/", {}, {}),
    ("/static/page", {}, {"q": "1", "tags": ["a", "b"]}),
    ("/user/<name>", {}, {"name": "ada lovelace"}),
    ("/user/<name>", {}, {"name": "é/ü?#", "next": "/a b"}),
    ("/n/<int:n>/<float:f>", {}, {"n": 42, "f": 2.5}),
    ("/p/<path:rest>", {}, {"rest": "a/b c/d"}),
    ("/café/<slug>", {}, {"slug": "crème"}),
    ("/u/<uuid:id>", {}, {"id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}),
    ("/a//b/<x>", {"merge_slashes": True}, {"x": "1"}),
    ("/a//b/<x>", {"merge_slashes": False}, {"x": "1"}),
    ("/s/<x>", {"subdomain": "<sub>"}, {"x": "1", "sub": "api"}),
    ("/d/<x>", {"defaults": {"y": 3}}, {"x": "1"}),
    ("/d/<int:page>", {"defaults": {"page": 1}}, {"page": 1}),
    ("/k/<class>/<_>", {}, {"class": "c", "_": "u"}),
]


def _app_and_map(rule: str, options: dict[str, t.Any]) -> tuple[flask.Flask, Map, str]:
    app = flask.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule(rule, "target", lambda **kw: "", **options)
    url_map = Map(host_matching=False)
    url_map.converters = dict(app.url_map.converters)
    url_map.add(Rule(rule, endpoint="target", **options))
    return app, url_map, "example.test"


@pytest.mark.parametrize(("rule", "options", "values"), CASES)
def test_built_urls_are_werkzeugs(
    rule: str, options: dict[str, t.Any], values: dict[str, t.Any]
) -> None:
    app, url_map, server = _app_and_map(rule, options)
    ours = app.url_map.bind(server)
    theirs = url_map.bind(server)
    for external in (False, True):
        for append_unknown in (True, False):
            assert ours.build(
                "target",
                values,
                force_external=external,
                append_unknown=append_unknown,
            ) == theirs.build(
                "target",
                values,
                force_external=external,
                append_unknown=append_unknown,
            )
    with app.app_context():
        assert flask.url_for("target", **values) == theirs.build(
            "target", values, force_external=True
        )


def test_builders_compile_on_first_build_only(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[tuple[str, bool]] = []
    real = _builders.compile_now

    def counting(rule: Rule, append_unknown: bool) -> t.Any:
        compiled.append((rule.rule, append_unknown))
        return real(rule, append_unknown)

    monkeypatch.setattr(_builders, "compile_now", counting)
    app = flask.Flask(__name__)
    app.add_url_rule("/a/<x>", "a", lambda x: x)
    app.add_url_rule("/b", "b", lambda: "")
    bp = flask.Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/c", "c", lambda: "")
    app.register_blueprint(bp)
    assert compiled == []  # the static route included
    with app.test_request_context():
        assert flask.url_for("a", x="1") == "/a/1"
        assert flask.url_for("a", x="2", q="3") == "/a/2?q=3"
        assert flask.url_for("bp.c") == "/bp/c"
    assert compiled == [("/a/<x>", True), ("/bp/c", True)]
    adapter = app.url_map.bind("localhost")
    assert adapter.build("a", {"x": "4", "q": "5"}, append_unknown=False) == "/a/4"
    assert adapter.build("a", {"x": "6"}, append_unknown=False) == "/a/6"
    assert compiled[2:] == [("/a/<x>", False)]
    # Serving requests builds nothing.
    assert app.test_client().get("/a/z").text == "z"
    assert len(compiled) == 3


@pytest.mark.parametrize(
    ("rule", "options"),
    [
        ("/<None>", {}),
        ("/<True>", {}),
        ("/<int:False>", {}),
        ("/<__debug__>", {}),
        ("/\udcff", {}),
        ("/x/<a>", {"subdomain": "\udcff"}),
        ("/<int:page>", {"defaults": {"page": "not a number"}}),
    ],
)
def test_rules_werkzeug_cannot_compile_fail_when_added(
    rule: str, options: dict[str, t.Any]
) -> None:
    url_map = Map()
    with pytest.raises(Exception) as theirs:
        url_map.add(Rule(rule, endpoint="e", **options))
    app = flask.Flask(__name__, subdomain_matching=True)
    with pytest.raises(type(theirs.value)) as ours:
        app.add_url_rule(rule, "e", lambda **kw: "", **options)
    assert str(ours.value) == str(theirs.value)
    assert [r.endpoint for r in app.url_map.iter_rules()] == ["static"]


def test_rule_class_with_own_compiler_is_left_alone() -> None:
    calls: list[bool] = []

    class OwnRule(Rule):
        def _compile_builder(self, append_unknown: bool = True) -> t.Any:
            calls.append(append_unknown)
            return super()._compile_builder(append_unknown)

    class OwnApp(flask.Flask):
        url_rule_class = OwnRule

    app = OwnApp(__name__)
    app.add_url_rule("/r/<x>", "r", lambda x: x)
    assert calls.count(True) == calls.count(False) >= 2  # static and /r, now
    with app.test_request_context():
        assert flask.url_for("r", x="1") == "/r/1"


def test_refreshed_and_copied_rules_build_their_own_urls() -> None:
    app = flask.Flask(__name__)
    app.add_url_rule("/v/<int:n>", "v", lambda n: str(n))
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "v")
    # Changed in place and refreshed, as werkzeug asks: compiled again,
    # with the new defaults, when refreshed.
    rule.defaults = {"n": 7}
    rule.refresh()
    adapter = app.url_map.bind("localhost")
    assert adapter.build("v", {}) == "/v/7"
    rule.defaults = {"n": "x"}
    with pytest.raises(ValueError):
        rule.refresh()

    other = flask.Flask(__name__)
    other.add_url_rule("/w/<x>", "w", lambda x: x)
    original = next(r for r in other.url_map.iter_rules() if r.endpoint == "w")
    copied = copy.copy(original)
    copied.map = None  # type: ignore[assignment]
    copied.rule = "/copy/<x>"
    url_map = Map()
    url_map.add(copied)
    assert url_map.bind("h").build("w", {"x": "1"}) == "/copy/1"
    assert other.url_map.bind("h").build("w", {"x": "1"}) == "/w/1"


def test_build_errors_unchanged() -> None:
    app = flask.Flask(__name__)
    app.add_url_rule("/e/<int:n>", "e", lambda n: "")
    url_map = Map([Rule("/e/<int:n>", endpoint="e")])
    with app.test_request_context():
        with pytest.raises(BuildError):
            flask.url_for("e")
        # The converter's own error, on first build and after.
        for _ in range(2):
            with pytest.raises(ValueError) as ours:
                flask.url_for("e", n="not an int")
            with pytest.raises(ValueError) as theirs:
                url_map.bind("h").build("e", {"n": "not an int"})
            assert str(ours.value) == str(theirs.value)


def test_host_matching_and_redirect_rules_build_as_werkzeugs() -> None:
    app = flask.Flask(__name__, host_matching=True, static_host="static.test")
    url_map = Map(host_matching=True)
    url_map.converters = dict(app.url_map.converters)
    rules: list[tuple[str, dict[str, t.Any]]] = [
        ("/h/<int:n>", {"host": "<tenant>.example.test"}),
        ("/old/<x>", {"host": "example.test", "redirect_to": "/new/<x>"}),
        ("/only/<x>", {"host": "example.test", "build_only": True}),
    ]
    for i, (rule, options) in enumerate(rules):
        app.add_url_rule(rule, f"e{i}", lambda **kw: "", **options)
        url_map.add(Rule(rule, endpoint=f"e{i}", **options))
    values: list[dict[str, t.Any]] = [
        {"n": 3, "tenant": "acme", "q": "1"},
        {"x": "a b"},
        {"x": "ü"},
    ]
    ours = app.url_map.bind("example.test")
    theirs = url_map.bind("example.test")
    for i, value in enumerate(values):
        for external in (False, True):
            assert ours.build(f"e{i}", value, force_external=external) == (
                theirs.build(f"e{i}", value, force_external=external)
            )
    assert (
        app.test_client()
        .get("/old/z", headers={"Host": "example.test"})
        .headers["Location"]
        .endswith("/new/z")
    )
