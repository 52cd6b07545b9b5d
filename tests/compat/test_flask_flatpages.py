"""Flask-FlatPages: Markdown pages with YAML metadata served through views."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from compat_support import require

import flask

ffp = require("flask_flatpages")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PAGES = {
    "hello.md": "title: Hello\ntags: [intro, news]\n\nHello *world*.\n",
    "about.md": "title: About us\n\n# About\n\nWe write [docs](/docs).\n",
    "blog/first-post.md": "title: First post\ndate: 2024-05-01\n\nA post.\n",
    "notes.txt": "not a page: wrong extension\n",
}

TEMPLATE = (
    "<title>{{ page.title }}</title>"
    "<article>{{ page }}</article>"
    "<ul>{% for tag in page.meta.get('tags', []) %}<li>{{ tag }}</li>"
    "{% endfor %}</ul>"
)


@pytest.fixture
def setup(tmp_path: Path) -> t.Any:
    for name, text in PAGES.items():
        path = tmp_path / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    app = flask.Flask(__name__, root_path=str(tmp_path))
    app.config.update(
        TESTING=True,
        FLATPAGES_ROOT="content",
        FLATPAGES_EXTENSION=".md",
        # codehilite needs Pygments, which is an optional extra
        FLATPAGES_MARKDOWN_EXTENSIONS=[],
        FLATPAGES_AUTO_RELOAD=True,
    )
    pages = ffp.FlatPages(app)

    @app.route("/")
    def index() -> t.Any:
        return sorted(p.path for p in pages)

    @app.route("/<path:path>/")
    def page(path: str) -> str:
        found = pages.get_or_404(path)
        return flask.render_template_string(TEMPLATE, page=found)

    @app.route("/tag/<tag>/")
    def tagged(tag: str) -> t.Any:
        return [p.path for p in pages if tag in p.meta.get("tags", [])]

    return app, pages, tmp_path / "content"


def test_lists_pages_with_the_extension(setup: t.Any) -> None:
    app, _, _ = setup
    rv = app.test_client().get("/")
    assert rv.get_json() == ["about", "blog/first-post", "hello"]


def test_renders_markdown_and_meta(setup: t.Any) -> None:
    app, _, _ = setup
    rv = app.test_client().get("/hello/")
    assert rv.status_code == 200
    body = rv.get_data(as_text=True)
    assert "<title>Hello</title>" in body
    assert "<article><p>Hello <em>world</em>.</p></article>" in body
    assert "<li>intro</li><li>news</li>" in body


def test_nested_page_and_yaml_types(setup: t.Any) -> None:
    app, pages, _ = setup
    body = app.test_client().get("/blog/first-post/").get_data(as_text=True)
    assert "<p>A post.</p>" in body
    with app.app_context():
        page = pages.get("blog/first-post")
        assert page.meta["date"].isoformat() == "2024-05-01"
        assert page.body == "A post.\n"
        assert '<a href="/docs">docs</a>' in pages.get("about").html


def test_missing_page_is_404(setup: t.Any) -> None:
    app, _, _ = setup
    client = app.test_client()
    assert client.get("/nope/").status_code == 404
    assert client.get("/notes/").status_code == 404


def test_tag_filter(setup: t.Any) -> None:
    app, _, _ = setup
    assert app.test_client().get("/tag/news/").get_json() == ["hello"]


def test_auto_reload_picks_up_new_pages(setup: t.Any) -> None:
    app, _, content = setup
    client = app.test_client()
    assert client.get("/later/").status_code == 404
    (content / "later.md").write_text("title: Later\n\nAdded later.\n")
    rv = client.get("/later/")
    assert rv.status_code == 200
    assert "<title>Later</title>" in rv.get_data(as_text=True)


def test_pages_need_an_app_context(setup: t.Any) -> None:
    _, pages, _ = setup
    with pytest.raises(RuntimeError, match="application context"):
        pages.get("hello")
