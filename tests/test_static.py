from __future__ import annotations

import datetime
import io
import os
import sys

import pytest
import werkzeug.exceptions

import flask

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(TESTS_DIR, "static")


def read(*parts: str) -> bytes:
    with open(os.path.join(TESTS_DIR, *parts), "rb") as f:
        return f.read()


def buffered(client):
    """Make ``client`` read and close every response, so no file handle is
    left for the garbage collector (a ResourceWarning is an error here)."""
    original = client.open

    def open_buffered(*args, **kwargs):
        kwargs["buffered"] = True
        return original(*args, **kwargs)

    client.open = open_buffered
    return client


@pytest.fixture
def client(app):
    return buffered(app.test_client())


@pytest.fixture
def blueprintapp(monkeypatch, request):
    monkeypatch.syspath_prepend(os.path.join(TESTS_DIR, "test_apps"))

    def purge():
        for name in list(sys.modules):
            if name == "blueprintapp" or name.startswith("blueprintapp."):
                del sys.modules[name]

    purge()
    request.addfinalizer(purge)
    import blueprintapp

    return blueprintapp.app


# -- the static route --------------------------------------------------------


def test_static_route(app, client):
    rv = client.get("/static/index.html")
    assert rv.status_code == 200
    assert rv.data == read("static", "index.html")
    assert rv.mimetype == "text/html"
    assert rv.headers["Content-Disposition"] == "inline; filename=index.html"
    assert rv.headers["Accept-Ranges"] == "bytes"
    assert rv.headers["Cache-Control"] == "no-cache"
    assert "ETag" in rv.headers
    assert "Last-Modified" in rv.headers
    rv.close()


def test_static_nested_file_and_head(app, client):
    rv = client.get("/static/css/site.css")
    assert rv.status_code == 200
    assert rv.mimetype == "text/css"
    rv.close()
    rv = client.head("/static/css/site.css")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == str(len(read("static", "css", "site.css")))


def test_static_rule(app):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    assert rule.rule == "/static/<path:filename>"
    assert rule.methods == {"GET", "HEAD", "OPTIONS"}
    assert app.static_url_path == "/static"
    assert app.static_folder == STATIC
    assert app.has_static_folder


def test_static_url_for(app):
    with app.test_request_context():
        assert flask.url_for("static", filename="index.html") == "/static/index.html"
        assert (
            flask.url_for("static", filename="css/site.css", _external=True)
            == "http://localhost/static/css/site.css"
        )


def test_static_missing_file(app, client):
    assert client.get("/static/missing.txt").status_code == 404
    assert client.get("/static/css").status_code == 404
    assert client.get("/static/").status_code == 404


def test_no_static_folder():
    app = flask.Flask("nostatic", root_path=TESTS_DIR, static_folder=None)
    assert not app.has_static_folder
    assert app.static_folder is None
    assert "static" not in {r.endpoint for r in app.url_map.iter_rules()}
    assert buffered(app.test_client()).get("/static/index.html").status_code == 404


def test_static_url_path_custom():
    app = flask.Flask("s", root_path=TESTS_DIR, static_url_path="/assets/")
    assert app.static_url_path == "/assets"
    client = buffered(app.test_client())
    rv = client.get("/assets/index.html")
    assert rv.data == read("static", "index.html")
    rv.close()
    assert client.get("/static/index.html").status_code == 404
    with app.test_request_context():
        assert flask.url_for("static", filename="x.js") == "/assets/x.js"


def test_static_url_path_empty():
    app = flask.Flask("s", root_path=TESTS_DIR, static_url_path="")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    assert rule.rule == "/<path:filename>"
    rv = buffered(app.test_client()).get("/index.html")
    assert rv.data == read("static", "index.html")
    rv.close()


def test_static_folder_custom_name():
    app = flask.Flask("s", root_path=TESTS_DIR, static_folder="templates/")
    assert app.static_url_path == "/templates"
    assert app.static_folder == os.path.join(TESTS_DIR, "templates")
    rv = buffered(app.test_client()).get("/templates/mail.txt")
    assert rv.data == read("templates", "mail.txt")
    rv.close()


def test_static_folder_absolute_and_pathlike(tmp_path):
    (tmp_path / "f.txt").write_text("from tmp")
    app = flask.Flask("s", root_path=TESTS_DIR, static_folder=tmp_path)
    assert app.static_folder == str(tmp_path)
    rv = buffered(app.test_client()).get(f"/{tmp_path.name}/f.txt")
    assert rv.data == b"from tmp"
    rv.close()


def test_static_folder_changed_after_creation(app, client):
    app.static_folder = "templates"
    rv = client.get("/static/mail.txt")
    assert rv.data == read("templates", "mail.txt")
    rv.close()


def test_static_host_with_host_matching():
    app = flask.Flask(
        "s", root_path=TESTS_DIR, host_matching=True, static_host="cdn.example"
    )
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    assert rule.host == "cdn.example"
    client = buffered(app.test_client())
    rv = client.get("/static/index.html", base_url="http://cdn.example")
    assert rv.status_code == 200
    rv.close()
    assert client.get("/static/index.html").status_code == 404
    with app.test_request_context("/", base_url="http://www.example"):
        assert (
            flask.url_for("static", filename="a.css")
            == "http://cdn.example/static/a.css"
        )


@pytest.mark.parametrize(
    "kwargs",
    [{"host_matching": True}, {"static_host": "cdn.example"}],
)
def test_static_host_requires_host_matching(kwargs):
    with pytest.raises((AssertionError, ValueError)):
        flask.Flask("s", root_path=TESTS_DIR, **kwargs)


def test_host_matching_without_static_folder_is_fine():
    app = flask.Flask("s", root_path=TESTS_DIR, host_matching=True, static_folder=None)
    assert not app.has_static_folder


# -- caching headers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expect"),
    [(60, "public, max-age=60"), (datetime.timedelta(hours=1), "public, max-age=3600")],
)
def test_send_file_max_age_default(app, client, value, expect):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    rv = client.get("/static/index.html")
    assert rv.headers["Cache-Control"] == expect
    assert "Expires" in rv.headers
    rv.close()


def test_get_send_file_max_age_override(client):
    class MyFlask(flask.Flask):
        def get_send_file_max_age(self, filename):
            return 10 if filename.endswith(".css") else 20

    app = MyFlask("s", root_path=TESTS_DIR)
    client = buffered(app.test_client())
    rv = client.get("/static/css/site.css")
    assert rv.headers["Cache-Control"] == "public, max-age=10"
    rv.close()
    rv = client.get("/static/index.html")
    assert rv.headers["Cache-Control"] == "public, max-age=20"
    rv.close()
    with app.test_request_context():
        rv = flask.send_file(os.path.join(STATIC, "index.html"))
        assert rv.cache_control.max_age == 20
        rv.close()


def test_send_static_file_direct(app):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    with app.test_request_context():
        rv = app.send_static_file("index.html")
        assert rv.cache_control.max_age == 3600
        rv.direct_passthrough = False
        assert rv.data == read("static", "index.html")
        rv.close()
        with pytest.raises(werkzeug.exceptions.NotFound):
            app.send_static_file("missing.html")


def test_send_static_file_without_folder():
    app = flask.Flask("s", root_path=TESTS_DIR, static_folder=None)
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="static_folder"):
            app.send_static_file("index.html")


# -- conditional and range requests -------------------------------------------


def test_etag_304(app, client):
    rv = client.get("/static/index.html")
    etag = rv.headers["ETag"]
    rv.close()
    rv = client.get("/static/index.html", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag
    assert "Content-Length" not in rv.headers


def test_if_modified_since_304(app, client):
    rv = client.get("/static/index.html")
    last_modified = rv.headers["Last-Modified"]
    rv.close()
    rv = client.get("/static/index.html", headers={"If-Modified-Since": last_modified})
    assert rv.status_code == 304
    rv = client.get(
        "/static/index.html",
        headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"},
    )
    assert rv.status_code == 200
    rv.close()


def test_range_request(app, client):
    rv = client.get("/static/range.txt", headers={"Range": "bytes=2-5"})
    assert rv.status_code == 206
    assert rv.data == b"2345"
    assert rv.headers["Content-Range"] == "bytes 2-5/16"
    assert rv.headers["Content-Length"] == "4"
    rv.close()
    rv = client.get("/static/range.txt", headers={"Range": "bytes=-3"})
    assert rv.status_code == 206
    assert rv.data == b"def"
    rv.close()


def test_range_not_satisfiable(app, client):
    rv = client.get("/static/range.txt", headers={"Range": "bytes=50-60"})
    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == "bytes */16"


def test_if_range_with_stale_etag_sends_everything(app, client):
    rv = client.get(
        "/static/range.txt", headers={"Range": "bytes=0-1", "If-Range": '"stale"'}
    )
    assert rv.status_code == 200
    assert rv.data == b"0123456789abcdef"
    rv.close()


def test_range_with_file_object(app, client):
    @app.route("/mem")
    def mem():
        return flask.send_file(io.BytesIO(b"abcdefgh"), mimetype="text/plain")

    rv = client.get("/mem", headers={"Range": "bytes=1-2"})
    assert rv.status_code == 206
    assert rv.data == b"bc"


# -- send_file ---------------------------------------------------------------


def test_send_file_path(req_ctx):
    rv = flask.send_file(os.path.join(STATIC, "index.html"))
    assert rv.direct_passthrough
    assert rv.mimetype == "text/html"
    rv.direct_passthrough = False
    assert rv.data == read("static", "index.html")
    assert isinstance(rv, flask.Response)
    rv.close()


def test_send_file_relative_to_root_path(req_ctx):
    rv = flask.send_file("static/range.txt")
    rv.direct_passthrough = False
    assert rv.data == b"0123456789abcdef"
    assert rv.mimetype == "text/plain"
    rv.close()


def test_send_file_pathlike(req_ctx):
    import pathlib

    rv = flask.send_file(pathlib.Path(STATIC) / "range.txt")
    rv.direct_passthrough = False
    assert rv.data == b"0123456789abcdef"
    rv.close()


def test_send_file_uses_app_response_class(app):
    class MyResponse(flask.Response):
        pass

    app.response_class = MyResponse
    with app.test_request_context():
        rv = flask.send_file(io.BytesIO(b"x"), mimetype="text/plain")
        assert type(rv) is MyResponse
        rv.close()


def test_send_file_object(req_ctx):
    rv = flask.send_file(io.BytesIO(b"data"), mimetype="application/octet-stream")
    rv.direct_passthrough = False
    assert rv.data == b"data"
    assert rv.mimetype == "application/octet-stream"
    assert "Content-Disposition" not in rv.headers
    assert "ETag" not in rv.headers
    rv.close()


def test_send_file_object_needs_name_or_mimetype(req_ctx):
    with pytest.raises(TypeError, match="mimetype"):
        flask.send_file(io.BytesIO(b"data"))
    rv = flask.send_file(io.BytesIO(b"data"), download_name="x.json")
    assert rv.mimetype == "application/json"
    rv.close()


def test_send_file_text_io_rejected(req_ctx):
    with pytest.raises(ValueError, match="binary mode"):
        flask.send_file(io.StringIO("text"), mimetype="text/plain")


def test_send_file_mimetype_override(req_ctx):
    rv = flask.send_file(os.path.join(STATIC, "index.html"), mimetype="text/plain")
    assert rv.mimetype == "text/plain"
    rv.close()


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("index.html", "attachment; filename=index.html"),
        (
            "Ñandú／pingüino.txt",
            'attachment; filename="Nandu/pinguino.txt"; '
            "filename*=UTF-8''%C3%91and%C3%BA%EF%BC%8Fping%C3%BCino.txt",
        ),
        ("a b.txt", 'attachment; filename="a b.txt"'),
    ],
)
def test_send_file_as_attachment(req_ctx, name, disposition):
    rv = flask.send_file(
        os.path.join(STATIC, "index.html"), as_attachment=True, download_name=name
    )
    assert rv.headers["Content-Disposition"] == disposition
    rv.close()


def test_send_file_as_attachment_uses_file_name(req_ctx):
    rv = flask.send_file(os.path.join(STATIC, "range.txt"), as_attachment=True)
    assert rv.headers["Content-Disposition"] == "attachment; filename=range.txt"
    rv.close()


def test_send_file_etag_options(req_ctx):
    path = os.path.join(STATIC, "range.txt")
    rv = flask.send_file(path, etag="custom")
    assert rv.headers["ETag"] == '"custom"'
    rv.close()
    rv = flask.send_file(path, etag=False)
    assert "ETag" not in rv.headers
    rv.close()


def test_send_file_not_conditional(app):
    path = os.path.join(STATIC, "range.txt")
    with app.test_request_context(headers={"Range": "bytes=0-1"}):
        rv = flask.send_file(path, conditional=False)
        assert rv.status_code == 200
        assert "Accept-Ranges" not in rv.headers
        rv.close()
        rv = flask.send_file(path)
        assert rv.status_code == 206
        rv.close()


def test_send_file_last_modified(req_ctx):
    when = datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    rv = flask.send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when)
    assert rv.headers["Last-Modified"] == "Wed, 06 May 2020 07:08:09 GMT"
    rv.close()
    rv = flask.send_file(
        io.BytesIO(b"x"), mimetype="text/plain", last_modified=when.timestamp()
    )
    assert rv.last_modified == when
    rv.close()


def test_send_file_max_age_argument(app):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 100
    with app.test_request_context():
        rv = flask.send_file(os.path.join(STATIC, "range.txt"), max_age=5)
        assert rv.cache_control.max_age == 5
        assert rv.cache_control.public
        rv.close()
        rv = flask.send_file(os.path.join(STATIC, "range.txt"), max_age=lambda p: 7)
        assert rv.cache_control.max_age == 7
        rv.close()
        rv = flask.send_file(os.path.join(STATIC, "range.txt"))
        assert rv.cache_control.max_age == 100
        rv.close()


def test_send_file_default_no_cache(req_ctx):
    rv = flask.send_file(os.path.join(STATIC, "range.txt"))
    assert rv.cache_control.no_cache
    assert rv.cache_control.max_age is None
    rv.close()


def test_use_x_sendfile(app, client):
    app.config["USE_X_SENDFILE"] = True
    rv = client.get("/static/index.html")
    assert rv.status_code == 200
    assert rv.headers["X-Sendfile"] == os.path.join(STATIC, "index.html")
    assert rv.data == b""
    assert rv.mimetype == "text/html"


def test_use_x_sendfile_ignored_for_file_objects(app):
    app.config["USE_X_SENDFILE"] = True
    with app.test_request_context():
        rv = flask.send_file(io.BytesIO(b"abc"), mimetype="text/plain")
        assert "X-Sendfile" not in rv.headers
        rv.direct_passthrough = False
        assert rv.data == b"abc"
        rv.close()


def test_send_file_outside_request(app):
    with pytest.raises(RuntimeError, match="request"):
        flask.send_file(os.path.join(STATIC, "index.html"))
    with app.app_context():
        with pytest.raises(RuntimeError, match="request"):
            flask.send_file(os.path.join(STATIC, "index.html"))
        with pytest.raises(RuntimeError, match="request"):
            flask.send_from_directory(STATIC, "index.html")


def test_send_file_in_view(app, client):
    @app.route("/dl")
    def download():
        return flask.send_file(
            "static/range.txt", as_attachment=True, download_name="numbers.txt"
        )

    rv = client.get("/dl")
    assert rv.status_code == 200
    assert rv.data == b"0123456789abcdef"
    assert rv.headers["Content-Disposition"] == "attachment; filename=numbers.txt"
    rv.close()


def test_helpers_reexports():
    assert flask.helpers.send_file is flask.send_file
    assert flask.helpers.send_from_directory is flask.send_from_directory


# -- send_from_directory -----------------------------------------------------


def test_send_from_directory(req_ctx):
    rv = flask.send_from_directory("static", "css/site.css")
    rv.direct_passthrough = False
    assert rv.data == read("static", "css", "site.css")
    rv.close()
    rv = flask.send_from_directory(STATIC, "index.html", as_attachment=True)
    assert rv.headers["Content-Disposition"] == "attachment; filename=index.html"
    rv.close()


def test_send_from_directory_max_age(app):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 30
    with app.test_request_context():
        rv = flask.send_from_directory(STATIC, "index.html")
        assert rv.cache_control.max_age == 30
        rv.close()
        rv = flask.send_from_directory(STATIC, "index.html", max_age=3)
        assert rv.cache_control.max_age == 3
        rv.close()


@pytest.mark.parametrize(
    "path",
    [
        "../conftest.py",
        "css/../../conftest.py",
        "..",
        "",
        ".",
        "css",
        "missing.txt",
        os.path.join(TESTS_DIR, "conftest.py"),
        "/etc/passwd",
        "..\\conftest.py",
        "index.html\x00",
        "\x00",
        "in\x00dex.html",
    ],
)
def test_send_from_directory_refuses(req_ctx, path):
    with pytest.raises(werkzeug.exceptions.NotFound):
        flask.send_from_directory(STATIC, path)


TRAVERSALS = [
    "/static/../conftest.py",
    "/static/%2e%2e/conftest.py",
    "/static/..%2fconftest.py",
    "/static/..%2Fconftest.py",
    "/static/css/..%2f..%2fconftest.py",
    "/static/%2e%2e%2fconftest.py",
    "/static/..%5cconftest.py",
    "/static/..\\conftest.py",
    "/static/index.html%00",
    "/static/%00",
    "/static/%00/../conftest.py",
    "/static/.",
    "/static/..",
    "/static/%2e%2e",
    "/static/" + TESTS_DIR.lstrip("/") + "/conftest.py",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_static_route_traversal(app, client, url):
    rv = client.get(url)
    assert rv.status_code == 404
    assert b"pytest" not in rv.data


@pytest.mark.parametrize(
    "url",
    [
        "/static//etc/passwd",
        "/static/%2fetc/passwd",
        "/static/%2F" + TESTS_DIR.lstrip("/") + "/conftest.py",
    ],
)
def test_static_route_absolute_path(app, client, url):
    # A doubled slash is first redirected (werkzeug merges slashes); the
    # target is inside the static folder, so it is a 404 in the end.
    rv = client.get(url)
    assert rv.status_code in (308, 404)
    rv = client.get(url, follow_redirects=True)
    assert rv.status_code == 404
    assert b"pytest" not in rv.data


def test_traversal_in_view_argument(app, client):
    @app.route("/files/<path:name>")
    def files(name):
        return flask.send_from_directory("static", name)

    assert client.get("/files/range.txt").data == b"0123456789abcdef"
    for url in ["/files/../conftest.py", "/files/..%2fconftest.py", "/files/%00"]:
        assert client.get(url).status_code == 404


# -- blueprint static files --------------------------------------------------


def test_blueprint_static(blueprintapp):
    client = buffered(blueprintapp.test_client())
    rv = client.get("/admin/static/test.txt")
    assert rv.status_code == 200
    assert rv.data == b"Admin File"
    rv.close()
    rv = client.get("/admin/static/css/test.css")
    assert rv.data == b"/* nested file */\n"
    assert rv.mimetype == "text/css"
    rv.close()
    assert client.get("/admin/static/../__init__.py").status_code == 404
    assert client.get("/admin/static/..%2f__init__.py").status_code == 404
    with blueprintapp.test_request_context():
        assert (
            flask.url_for("admin.static", filename="test.txt")
            == "/admin/static/test.txt"
        )


def test_blueprint_static_url_path_and_max_age(app, client):
    class MyBlueprint(flask.Blueprint):
        def get_send_file_max_age(self, filename):
            return 100

    bp = MyBlueprint(
        "bp",
        __name__,
        root_path=TESTS_DIR,
        static_folder="static",
        static_url_path="/bp-files",
    )
    app.register_blueprint(bp, url_prefix="/pre")
    rv = client.get("/pre/bp-files/index.html")
    assert rv.status_code == 200
    assert rv.cache_control.max_age == 100
    rv.close()
    with app.test_request_context():
        assert flask.url_for("bp.static", filename="a.js") == "/pre/bp-files/a.js"


def test_blueprint_static_default_url_path(app, client):
    bp = flask.Blueprint("bp", __name__, root_path=TESTS_DIR, static_folder="static")
    assert bp.static_url_path == "/static"
    app.register_blueprint(bp, url_prefix="/bp")
    rv = client.get("/bp/static/range.txt")
    assert rv.data == b"0123456789abcdef"
    rv.close()


def test_blueprint_without_static_folder_has_no_route(app):
    bp = flask.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    assert "bp.static" not in {r.endpoint for r in app.url_map.iter_rules()}
