"""Static files and ``send_from_directory`` never serve a file outside their
folder, whatever the client puts in the path."""

from __future__ import annotations

import os
import typing as t

import pytest

from flask import Flask
from flask import request
from flask import send_from_directory
from flask.testing import FlaskClient

SECRET = b"top secret\n"


@pytest.fixture
def site(tmp_path: t.Any) -> t.Any:
    """``<tmp>/app/static`` with a few files, and a secret next to the app."""
    root = tmp_path / "app"
    static = root / "static"
    (static / "sub").mkdir(parents=True)
    (static / "ok.txt").write_bytes(b"ok\n")
    (static / "sub" / "a.txt").write_bytes(b"a\n")
    (static / "back\\slash.txt").write_bytes(b"odd but inside\n")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (root / "app_secret.txt").write_bytes(SECRET)
    return tmp_path


@pytest.fixture
def app(site: t.Any) -> Flask:
    app = Flask("traversal_app", root_path=os.fspath(site / "app"))
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)

    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return send_from_directory("static", name)

    @app.route("/query")
    def query() -> t.Any:
        return send_from_directory(
            os.path.join(app.root_path, "static"), request.args["name"]
        )

    return app


def _assert_not_leaked(client: FlaskClient, url: str) -> None:
    with client.get(url, follow_redirects=True) as rv:
        assert SECRET not in rv.data
        assert rv.status_code == 404, (url, rv.status_code)


def _data(client: FlaskClient, url: str) -> bytes:
    with client.get(url) as rv:
        assert rv.status_code == 200
        return rv.data


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
def test_files_inside_are_served(client: FlaskClient, prefix: str) -> None:
    assert _data(client, prefix + "ok.txt") == b"ok\n"
    assert _data(client, prefix + "sub/a.txt") == b"a\n"
    assert _data(client, prefix + "./ok.txt") == b"ok\n"


ESCAPES = [
    "../secret.txt",
    "../../secret.txt",
    "../app_secret.txt",
    "sub/../../app_secret.txt",
    "..%2Fapp_secret.txt",
    "..%2f..%2fsecret.txt",
    "%2e%2e/app_secret.txt",
    "%2e%2e%2fapp_secret.txt",
    "sub%2F..%2F..%2Fapp_secret.txt",
    "..\\app_secret.txt",
    "..%5Capp_secret.txt",
    "%C0%AE%C0%AE/app_secret.txt",
    "ok.txt%00",
    "ok.txt%00.png",
    "%00../app_secret.txt",
    "sub",
    "",
    "nonexistent.txt",
]


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
@pytest.mark.parametrize("name", ESCAPES)
def test_escapes_are_404(
    client: FlaskClient, errors: list[BaseException], prefix: str, name: str
) -> None:
    _assert_not_leaked(client, prefix + name)
    assert errors == []


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
def test_absolute_paths_are_404(
    client: FlaskClient, errors: list[BaseException], site: t.Any, prefix: str
) -> None:
    target = os.fspath(site / "secret.txt")
    _assert_not_leaked(client, prefix + target)
    _assert_not_leaked(client, prefix + target.replace("/", "%2F"))
    assert errors == []


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
def test_raw_null_byte_and_dots_in_path_info(
    raw: t.Any, errors: list[BaseException], prefix: str
) -> None:
    for name in ["ok.txt\x00", "..\x00/app_secret.txt", "../app_secret.txt"]:
        rv = raw(prefix + name)
        assert rv.status_code == 404
        assert SECRET not in rv.body
    assert errors == []


def test_backslash_is_an_ordinary_character_on_posix(client: FlaskClient) -> None:
    if os.name != "posix":
        pytest.skip("backslash is a separator on Windows")
    assert _data(client, "/static/back%5Cslash.txt") == b"odd but inside\n"


@pytest.mark.parametrize(
    "name",
    ["../secret.txt", "/etc/passwd", "ok.txt\x00", "..\\app_secret.txt", "", "."],
)
def test_send_from_directory_with_query_value(
    client: FlaskClient, errors: list[BaseException], name: str
) -> None:
    with client.get("/query", query_string={"name": name}) as rv:
        assert rv.status_code == 404
        assert SECRET not in rv.data
    assert errors == []


@pytest.fixture
def symlinks(site: t.Any) -> None:
    static = site / "app" / "static"
    try:
        (static / "link.txt").symlink_to(site / "secret.txt")
        (static / "linkdir").symlink_to(site, target_is_directory=True)
        (static / "inner.txt").symlink_to(static / "ok.txt")
    except (OSError, NotImplementedError):
        pytest.skip("symlinks are not available")


@pytest.mark.usefixtures("symlinks")
@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
@pytest.mark.parametrize("name", ["link.txt", "linkdir/secret.txt"])
def test_symlink_out_of_folder_is_404(
    client: FlaskClient, prefix: str, name: str
) -> None:
    _assert_not_leaked(client, prefix + name)


@pytest.mark.usefixtures("symlinks")
def test_symlink_within_folder_is_served(client: FlaskClient) -> None:
    assert _data(client, "/static/inner.txt") == b"ok\n"


def test_static_folder_that_is_a_symlink_works(tmp_path: t.Any) -> None:
    real = tmp_path / "real_static"
    real.mkdir()
    (real / "x.txt").write_bytes(b"x\n")
    root = tmp_path / "proj"
    root.mkdir()
    try:
        (root / "static").symlink_to(real, target_is_directory=True)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks are not available")
    app = Flask("linked_static", root_path=os.fspath(root))
    assert _data(app.test_client(), "/static/x.txt") == b"x\n"
