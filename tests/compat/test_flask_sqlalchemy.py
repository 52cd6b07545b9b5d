"""Flask-SQLAlchemy: models, a session per app context, pagination, 404 helpers."""

from __future__ import annotations

import typing as t

import pytest
from compat_support import require

import flask

fsa = require("flask_sqlalchemy")
import sqlalchemy as sa  # noqa: E402  (a dependency: imported once it is known)
from flask_sqlalchemy.record_queries import get_recorded_queries  # noqa: E402
from sqlalchemy import orm  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def setup(tmp_path: t.Any) -> t.Any:
    class Base(orm.DeclarativeBase):  # one registry per app: no name clashes
        pass

    db = fsa.SQLAlchemy(model_class=Base)

    class Author(db.Model):  # type: ignore[name-defined]
        __tablename__ = "author"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        name: orm.Mapped[str] = orm.mapped_column(sa.String(50), unique=True)
        posts: orm.Mapped[list[Post]] = orm.relationship(back_populates="author")

    class Post(db.Model):  # type: ignore[name-defined]
        __tablename__ = "post"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        title: orm.Mapped[str] = orm.mapped_column(sa.String(100))
        author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("author.id"))
        author: orm.Mapped[Author] = orm.relationship(back_populates="posts")

    app = flask.Flask(__name__)
    app.config.update(
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.db'}",
        SQLALCHEMY_RECORD_QUERIES=True,
    )
    db.init_app(app)

    @app.post("/authors")
    def create_author() -> t.Any:
        author = Author(name=flask.request.form["name"])
        db.session.add(author)
        db.session.commit()
        return {"id": author.id}, 201

    @app.route("/authors/<int:id>")
    def show_author(id: int) -> t.Any:
        author = db.get_or_404(Author, id, description="no such author")
        return {"name": author.name, "posts": [p.title for p in author.posts]}

    @app.route("/posts")
    def list_posts() -> t.Any:
        page = db.paginate(db.select(Post).order_by(Post.id), max_per_page=5)
        return {
            "items": [p.title for p in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
            "has_next": page.has_next,
            "next_url": flask.url_for("list_posts", page=page.next_num)
            if page.has_next
            else None,
        }

    sessions: list[t.Any] = []
    app.config["seen_sessions"] = sessions

    @app.route("/count")
    def count() -> t.Any:
        sessions.append(db.session())
        n = db.session.scalar(sa.select(sa.func.count(Post.id)))
        return {"count": n, "queries": len(get_recorded_queries())}

    @app.route("/by-name/<name>")
    def by_name(name: str) -> t.Any:
        author = db.first_or_404(db.select(Author).filter_by(name=name))
        return {"id": author.id}

    with app.app_context():
        db.create_all()
        ann = Author(name="ann")
        db.session.add(ann)
        db.session.add_all(Post(title=f"post {i}", author=ann) for i in range(12))
        db.session.commit()

    return app, db, Author, Post


def test_create_all_in_app_context(setup: t.Any) -> None:
    app, db, Author, Post = setup
    with app.app_context():
        names = sa.inspect(db.engine).get_table_names()
        assert sorted(names) == ["author", "post"]
        assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 12
    with pytest.raises(RuntimeError, match="application context"):
        db.session.execute(sa.select(Author))


def test_crud_through_requests(setup: t.Any) -> None:
    app, db, Author, Post = setup
    client = app.test_client()
    rv = client.post("/authors", data={"name": "bob"})
    assert rv.status_code == 201
    new_id = rv.json["id"]
    assert client.get(f"/authors/{new_id}").json == {"name": "bob", "posts": []}
    assert client.get("/authors/1").json["posts"][:2] == ["post 0", "post 1"]
    missing = client.get("/authors/99")
    assert missing.status_code == 404
    assert b"no such author" in missing.data
    assert client.get("/by-name/bob").json == {"id": new_id}
    assert client.get("/by-name/zed").status_code == 404


def test_session_is_scoped_to_each_request(setup: t.Any) -> None:
    app, db, Author, Post = setup
    client = app.test_client()
    for _ in range(3):
        # recorded queries live on g, so each request starts from zero
        assert client.get("/count").json == {"count": 12, "queries": 1}
    sessions = app.config["seen_sessions"]
    assert len({id(s) for s in sessions}) == 3
    with app.app_context():
        s1 = db.session()
        assert db.session() is s1
    with app.app_context():
        s2 = db.session()
        assert s2 is not s1


def test_session_removed_on_teardown(setup: t.Any) -> None:
    app, db, Author, Post = setup
    with app.app_context():
        author = db.session.get(Author, 1)
        assert author in db.session
        session = db.session()
    # the scoped session was removed when the context popped: the object is
    # detached and a new context gets a fresh session
    assert orm.object_session(author) is None
    with app.app_context():
        assert db.session() is not session


def test_pagination_reads_request_args(setup: t.Any) -> None:
    app, db, Author, Post = setup
    client = app.test_client()
    first = client.get("/posts?per_page=5").json
    assert first["items"] == [f"post {i}" for i in range(5)]
    assert first["pages"] == 3
    assert first["total"] == 12
    assert first["next_url"] == "/posts?page=2"
    last = client.get("/posts?page=3&per_page=5").json
    assert last["items"] == ["post 10", "post 11"]
    assert last["has_next"] is False
    # per_page above max_per_page is clamped, a page out of range is a 404
    assert len(client.get("/posts?per_page=50").json["items"]) == 5
    assert client.get("/posts?page=9&per_page=5").status_code == 404
    assert client.get("/posts?page=x").status_code == 404


def test_pagination_outside_request_uses_defaults(setup: t.Any) -> None:
    app, db, Author, Post = setup
    with app.app_context():
        page = db.paginate(db.select(Post).order_by(Post.id.desc()))
        assert (page.page, page.per_page, page.total) == (1, 20, 12)
        assert page.items[0].title == "post 11"
        assert list(page.iter_pages()) == [1]


def test_recorded_queries_live_on_g(setup: t.Any) -> None:
    app, db, Author, Post = setup
    with app.test_request_context():
        db.session.execute(sa.select(Author)).all()
        queries = get_recorded_queries()
        assert len(queries) == 1
        assert "FROM author" in queries[0].statement
        assert flask.g._sqlalchemy_queries is not None


def test_shell_context_has_db_and_models(setup: t.Any) -> None:
    app, db, Author, Post = setup
    with app.app_context():
        ctx = app.make_shell_context()
    assert ctx["db"] is db
    assert ctx["Author"] is Author
    assert ctx["Post"] is Post
    assert ctx["app"] is app
