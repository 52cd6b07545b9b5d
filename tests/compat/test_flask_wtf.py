"""Flask-WTF: forms from the request, CSRF protection, file fields."""

from __future__ import annotations

import io
import re
import typing as t

import pytest
from compat_support import require

import flask

fw = require("flask_wtf")
from flask_wtf import csrf as fw_csrf  # noqa: E402
from flask_wtf import file as fw_file  # noqa: E402
from wtforms import StringField  # noqa: E402
from wtforms import validators  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class PostForm(fw.FlaskForm):
    title = StringField("Title", [validators.DataRequired(), validators.Length(max=20)])


class UploadForm(fw.FlaskForm):
    name = StringField("Name")
    attachment = fw_file.FileField(
        "Attachment",
        [fw_file.FileRequired(), fw_file.FileAllowed(["txt"], "Text files only!")],
    )


PAGE = """<form method=post>{{ form.csrf_token }}{{ form.title() }}</form>
{% for e in form.title.errors %}<p class=err>{{ e }}</p>{% endfor %}"""


@pytest.fixture
def app(tmp_path: t.Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="wtf secret")
    fw_csrf.CSRFProtect(app)
    saved: list[tuple[str, str, bytes]] = []
    app.config["saved"] = saved

    @app.route("/posts/new", methods=["GET", "POST"])
    def new_post() -> t.Any:
        form = PostForm()
        if form.validate_on_submit():
            return {"created": form.title.data}, 201
        return flask.render_template_string(PAGE, form=form)

    @app.route("/upload", methods=["GET", "POST"])
    def upload() -> t.Any:
        form = UploadForm()
        if form.validate_on_submit():
            f = form.attachment.data
            saved.append((form.name.data, f.filename, f.read()))
            return {"ok": True}
        return {"errors": form.errors}, 400

    @app.route("/token")
    def token() -> str:
        return flask.render_template_string("{{ csrf_token() }}")

    @app.errorhandler(fw_csrf.CSRFError)
    def csrf_error(e: t.Any) -> t.Any:
        return {"csrf": e.description}, 400

    return app


def get_token(client: t.Any, url: str = "/posts/new") -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def test_form_renders_csrf_field_and_validates(app: flask.Flask) -> None:
    client = app.test_client()
    token = get_token(client)
    rv = client.post("/posts/new", data={"csrf_token": token, "title": "Hello"})
    assert rv.status_code == 201
    assert rv.json == {"created": "Hello"}


def test_validation_errors_are_rendered(app: flask.Flask) -> None:
    client = app.test_client()
    token = get_token(client)
    rv = client.post("/posts/new", data={"csrf_token": token, "title": "x" * 30})
    assert rv.status_code == 200
    assert "Field cannot be longer than 20 characters." in rv.get_data(as_text=True)
    rv = client.post("/posts/new", data={"csrf_token": token, "title": ""})
    assert "This field is required." in rv.get_data(as_text=True)


def test_csrf_missing_token_is_rejected(app: flask.Flask) -> None:
    client = app.test_client()
    client.get("/posts/new")  # a session exists, but no token is sent
    rv = client.post("/posts/new", data={"title": "Hello"})
    assert rv.status_code == 400
    assert rv.json == {"csrf": "The CSRF token is missing."}


def test_csrf_bad_token_and_header_token(app: flask.Flask) -> None:
    client = app.test_client()
    token = get_token(client)
    rv = client.post("/posts/new", data={"csrf_token": "nope", "title": "Hi"})
    assert rv.json == {"csrf": "The CSRF token is invalid."}
    # a token in the X-CSRFToken header is accepted too (for JS clients)
    rv = client.post("/posts/new", data={"title": "Hi"}, headers={"X-CSRFToken": token})
    assert rv.status_code == 201


def test_csrf_token_from_another_session_is_rejected(app: flask.Flask) -> None:
    token = get_token(app.test_client())
    other = app.test_client()
    rv = other.post("/posts/new", data={"csrf_token": token, "title": "Hi"})
    assert rv.json == {"csrf": "The CSRF session token is missing."}


def test_csrf_token_global_and_exempt_view(app: flask.Flask) -> None:
    csrf = app.extensions["csrf"]

    @app.post("/hook")
    @csrf.exempt
    def hook() -> str:
        return "ok"

    client = app.test_client()
    assert client.post("/hook").data == b"ok"
    token = client.get("/token").get_data(as_text=True)
    # One raw token per session: each request signs it again with the current
    # time, so only the payload before the timestamp is stable.
    assert token.split(".")[0] == get_token(client).split(".")[0]
    rv = client.post("/posts/new", data={"csrf_token": token, "title": "Hi"})
    assert rv.status_code == 201


def test_csrf_disabled_by_config(app: flask.Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    rv = app.test_client().post("/posts/new", data={"title": "Hi"})
    assert rv.status_code == 201


def test_file_field_upload(app: flask.Flask) -> None:
    client = app.test_client()
    token = get_token(client)
    rv = client.post(
        "/upload",
        data={
            "csrf_token": token,
            "name": "notes",
            "attachment": (io.BytesIO(b"file body"), "notes.txt"),
        },
        content_type="multipart/form-data",
    )
    assert rv.json == {"ok": True}
    assert app.config["saved"] == [("notes", "notes.txt", b"file body")]


def test_file_field_validators(app: flask.Flask) -> None:
    client = app.test_client()
    token = get_token(client)
    rv = client.post(
        "/upload",
        data={"csrf_token": token, "attachment": (io.BytesIO(b"MZ"), "evil.exe")},
    )
    assert rv.status_code == 400
    assert rv.json == {"errors": {"attachment": ["Text files only!"]}}
    rv = client.post("/upload", data={"csrf_token": token, "name": "x"})
    assert rv.json["errors"]["attachment"] == ["This field is required."]


def test_form_reads_test_request_context_data(app: flask.Flask) -> None:
    with app.test_request_context("/posts/new", method="POST", data={"title": "T"}):
        form = PostForm(meta={"csrf": False})
        assert form.title.data == "T"
        assert form.validate_on_submit()
