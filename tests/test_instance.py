from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

import flask
from flask import _paths


@pytest.fixture
def purge_module(request):
    """Forget modules a test imported, so the next import is fresh."""

    def purge(name):
        def remove():
            for mod in list(sys.modules):
                if mod == name or mod.startswith(name + "."):
                    del sys.modules[mod]

        remove()
        request.addfinalizer(remove)

    return purge


@pytest.fixture
def modules_tmp_path_prefix(modules_tmp_path, monkeypatch):
    """Pretend ``modules_tmp_path`` is the Python install prefix."""
    monkeypatch.setattr(sys, "prefix", os.fspath(modules_tmp_path))
    return modules_tmp_path


@pytest.fixture
def site_packages(modules_tmp_path, monkeypatch):
    """A ``site-packages`` folder under ``modules_tmp_path``, on ``sys.path``."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    rv = modules_tmp_path / "lib" / version / "site-packages"
    rv.mkdir(parents=True)
    monkeypatch.syspath_prepend(os.fspath(rv))
    return rv


APP_SOURCE = "import flask\n\napp = flask.Flask(__name__)\n"


# -- explicit instance paths -------------------------------------------------


def test_explicit_instance_path_must_be_absolute(modules_tmp_path):
    with pytest.raises(ValueError, match="must be absolute"):
        flask.Flask(__name__, instance_path="instance")
    with pytest.raises(ValueError, match="must be absolute"):
        flask.Flask(__name__, instance_path="./x/../y")


def test_explicit_absolute_instance_path(modules_tmp_path):
    app = flask.Flask(__name__, instance_path=os.fspath(modules_tmp_path))
    assert app.instance_path == os.fspath(modules_tmp_path)


def test_explicit_pathlike_instance_path(modules_tmp_path):
    app = flask.Flask(__name__, instance_path=modules_tmp_path)
    assert os.fspath(app.instance_path) == os.fspath(modules_tmp_path)


# -- discovered instance paths -----------------------------------------------


def test_uninstalled_module(modules_tmp_path, purge_module):
    (modules_tmp_path / "config_module_app.py").write_text(APP_SOURCE)
    purge_module("config_module_app")

    from config_module_app import app

    assert app.instance_path == os.fspath(modules_tmp_path / "instance")
    assert app.root_path == os.fspath(modules_tmp_path)


def test_uninstalled_package(modules_tmp_path, purge_module):
    package = modules_tmp_path / "config_package_app"
    package.mkdir()
    (package / "__init__.py").write_text(APP_SOURCE)
    purge_module("config_package_app")

    from config_package_app import app

    assert app.instance_path == os.fspath(modules_tmp_path / "instance")
    assert app.root_path == os.fspath(package)


def test_uninstalled_submodule_of_package(modules_tmp_path, purge_module):
    package = modules_tmp_path / "deep_pkg" / "inner"
    package.mkdir(parents=True)
    (modules_tmp_path / "deep_pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "web.py").write_text(APP_SOURCE)
    purge_module("deep_pkg")

    from deep_pkg.inner.web import app

    # the instance folder sits next to the top-level package
    assert app.instance_path == os.fspath(modules_tmp_path / "instance")
    assert app.root_path == os.fspath(package)


def test_uninstalled_namespace_packages(tmp_path, monkeypatch, purge_module):
    def create_namespace(part):
        project = tmp_path / f"project-{part}"
        monkeypatch.syspath_prepend(os.fspath(project))
        package = project / "namespace" / part
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(APP_SOURCE)
        return project

    project1 = create_namespace("package1")
    project2 = create_namespace("package2")
    purge_module("namespace")

    from namespace.package1 import app as app1
    from namespace.package2 import app as app2

    assert app1.instance_path == os.fspath(project1 / "instance")
    assert app2.instance_path == os.fspath(project2 / "instance")


def test_installed_module(
    modules_tmp_path, modules_tmp_path_prefix, purge_module, site_packages
):
    (site_packages / "site_app.py").write_text(APP_SOURCE)
    purge_module("site_app")

    from site_app import app

    assert app.instance_path == os.fspath(
        modules_tmp_path / "var" / "site_app-instance"
    )


def test_installed_package(
    modules_tmp_path, modules_tmp_path_prefix, purge_module, site_packages
):
    package = site_packages / "installed_package"
    package.mkdir()
    (package / "__init__.py").write_text(APP_SOURCE)
    purge_module("installed_package")

    from installed_package import app

    assert app.instance_path == os.fspath(
        modules_tmp_path / "var" / "installed_package-instance"
    )
    assert app.root_path == os.fspath(package)


def test_installed_egg(
    modules_tmp_path, modules_tmp_path_prefix, purge_module, site_packages, monkeypatch
):
    egg = site_packages / "SiteEgg.egg"
    (egg / "site_egg").mkdir(parents=True)
    (egg / "site_egg" / "__init__.py").write_text(APP_SOURCE)
    monkeypatch.syspath_prepend(os.fspath(egg))
    purge_module("site_egg")

    from site_egg import app

    assert app.instance_path == os.fspath(
        modules_tmp_path / "var" / "site_egg-instance"
    )


def test_installed_under_prefix_outside_site_packages(
    modules_tmp_path, modules_tmp_path_prefix, purge_module, monkeypatch
):
    folder = modules_tmp_path / "lib" / "python3"
    folder.mkdir(parents=True)
    (folder / "prefix_app.py").write_text(APP_SOURCE)
    monkeypatch.syspath_prepend(os.fspath(folder))
    purge_module("prefix_app")

    from prefix_app import app

    assert app.instance_path == os.fspath(
        modules_tmp_path / "var" / "prefix_app-instance"
    )


def test_site_packages_outside_prefix(tmp_path, monkeypatch, purge_module):
    # e.g. a user install: ~/.local/lib/python3.X/site-packages
    user = tmp_path / "user"
    site = user / "lib" / "python3.99" / "site-packages"
    site.mkdir(parents=True)
    (site / "user_app.py").write_text(APP_SOURCE)
    monkeypatch.syspath_prepend(os.fspath(site))
    purge_module("user_app")

    from user_app import app

    assert app.instance_path == os.fspath(user / "var" / "user_app-instance")


def test_find_package_layouts(tmp_path, monkeypatch, purge_module):
    cases = {
        "win_app": tmp_path / "win" / "Lib" / "site-packages",
        "odd_app": tmp_path / "odd" / "site-packages",
    }
    for name, folder in cases.items():
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text("")
        monkeypatch.syspath_prepend(os.fspath(folder))
        purge_module(name)

    assert _paths.find_package("win_app") == (
        os.fspath(tmp_path / "win"),
        os.fspath(cases["win_app"]),
    )
    assert _paths.find_package("odd_app") == (
        os.fspath(tmp_path / "odd"),
        os.fspath(cases["odd_app"]),
    )


def test_unknown_module_uses_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = flask.Flask("no_such_module_anywhere")
    assert app.root_path == os.fspath(tmp_path)
    assert app.instance_path == os.fspath(tmp_path / "instance")
    app = flask.Flask("no_such_package.sub")
    assert app.instance_path == os.fspath(tmp_path / "instance")


def test_main_module_without_spec_uses_cwd(tmp_path, monkeypatch):
    # a script run as 'python app.py' has no __spec__
    main = types.ModuleType("__main__")
    main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.chdir(tmp_path)
    app = flask.Flask("__main__")
    assert app.root_path == os.fspath(tmp_path)
    assert app.instance_path == os.fspath(tmp_path / "instance")


def test_main_module_with_file(modules_tmp_path, monkeypatch):
    script = modules_tmp_path / "script.py"
    script.write_text("")
    main = types.ModuleType("__main__")
    main.__file__ = os.fspath(script)
    main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", main)
    app = flask.Flask("__main__")
    assert app.root_path == os.fspath(modules_tmp_path)


# -- root paths --------------------------------------------------------------


def test_get_root_path_module_and_package(modules_tmp_path, purge_module):
    (modules_tmp_path / "rp_mod.py").write_text("")
    (modules_tmp_path / "rp_pkg").mkdir()
    (modules_tmp_path / "rp_pkg" / "__init__.py").write_text("")
    (modules_tmp_path / "rp_pkg" / "sub.py").write_text("")
    purge_module("rp_mod")
    purge_module("rp_pkg")

    # found without importing
    assert flask.helpers.get_root_path("rp_mod") == os.fspath(modules_tmp_path)
    assert "rp_mod" not in sys.modules
    assert flask.helpers.get_root_path("rp_pkg") == os.fspath(
        modules_tmp_path / "rp_pkg"
    )
    assert flask.helpers.get_root_path("rp_pkg.sub") == os.fspath(
        modules_tmp_path / "rp_pkg"
    )


def test_get_root_path_imported_module():
    assert flask.helpers.get_root_path(__name__) == os.path.dirname(
        os.path.abspath(__file__)
    )
    assert flask.helpers.get_root_path("flask") == os.path.dirname(flask.__file__)


def test_get_root_path_module_without_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dynamic = types.ModuleType("dynamic_mod")
    monkeypatch.setitem(sys.modules, "dynamic_mod", dynamic)
    assert flask.helpers.get_root_path("dynamic_mod") == os.fspath(tmp_path)


def test_get_root_path_builtin_module_fails():
    with pytest.raises(RuntimeError, match="root path"):
        flask.helpers.get_root_path("sys")
    with pytest.raises(RuntimeError, match="root path"):
        flask.Flask("sys")


def test_get_root_path_imported_namespace_fails(tmp_path, monkeypatch, purge_module):
    (tmp_path / "ns_only" / "part").mkdir(parents=True)
    monkeypatch.syspath_prepend(os.fspath(tmp_path))
    purge_module("ns_only")
    import ns_only  # noqa: F401

    with pytest.raises(RuntimeError, match="root path"):
        flask.helpers.get_root_path("ns_only")
    # an explicit root path is the way out
    app = flask.Flask("ns_only", root_path=os.fspath(tmp_path))
    assert app.root_path == os.fspath(tmp_path)


def test_blueprint_root_path(modules_tmp_path, purge_module):
    package = modules_tmp_path / "bp_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import flask\n\nbp = flask.Blueprint('bp', __name__)\n"
    )
    purge_module("bp_pkg")
    from bp_pkg import bp

    assert bp.root_path == os.fspath(package)


# -- instance_relative_config ------------------------------------------------


def test_instance_relative_config(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "settings.py").write_text("SECRET = 'from instance'\n")
    app = flask.Flask(
        "irc",
        root_path=os.fspath(tmp_path),
        instance_path=os.fspath(instance),
        instance_relative_config=True,
    )
    assert app.config.root_path == os.fspath(instance)
    assert app.config.from_pyfile("settings.py")
    assert app.config["SECRET"] == "from instance"


def test_config_relative_to_root_by_default(tmp_path):
    app = flask.Flask("irc", root_path=os.fspath(tmp_path))
    assert app.config.root_path == os.fspath(tmp_path)


# -- open_resource and open_instance_resource --------------------------------


@pytest.fixture
def resource_app(tmp_path):
    (tmp_path / "data.txt").write_bytes("héllo\n".encode())
    (tmp_path / "latin.txt").write_bytes("héllo".encode("latin-1"))
    instance = tmp_path / "instance"
    instance.mkdir()
    return flask.Flask(
        "res_app", root_path=os.fspath(tmp_path), instance_path=os.fspath(instance)
    )


def test_open_resource_binary_by_default(resource_app):
    with resource_app.open_resource("data.txt") as f:
        assert f.read() == "héllo\n".encode()
        assert "b" in f.mode


@pytest.mark.parametrize("mode", ["r", "rt"])
def test_open_resource_text(resource_app, mode):
    with resource_app.open_resource("data.txt", mode, encoding="utf-8") as f:
        assert f.read() == "héllo\n"


def test_open_resource_encoding(resource_app):
    with resource_app.open_resource("latin.txt", "r", encoding="latin-1") as f:
        assert f.read() == "héllo"


@pytest.mark.parametrize("mode", ["w", "x", "a", "r+", "rb+", "wb", "br", "tr"])
def test_open_resource_refuses_writing(resource_app, mode):
    with pytest.raises(ValueError, match="only be opened for reading"):
        resource_app.open_resource("data.txt", mode)


def test_open_resource_missing(resource_app):
    with pytest.raises(FileNotFoundError):
        resource_app.open_resource("missing.txt")


def test_open_resource_in_subfolder(app):
    with app.open_resource("templates/mail.txt", "r", encoding="utf-8") as f:
        assert f.read() == "{{ foo }} Mail\n"


def test_blueprint_open_resource(tmp_path):
    (tmp_path / "bp.txt").write_text("blueprint data")
    bp = flask.Blueprint("bp", __name__, root_path=os.fspath(tmp_path))
    with bp.open_resource("bp.txt") as f:
        assert f.read() == b"blueprint data"
    with bp.open_resource("bp.txt", "rt") as f:
        assert f.read() == "blueprint data"
    with pytest.raises(ValueError, match="reading"):
        bp.open_resource("bp.txt", "w")


def test_open_instance_resource_write_and_read(resource_app):
    with resource_app.open_instance_resource("new.txt", "w") as f:
        assert f.encoding.lower() == "utf-8"
        f.write("é")
    path = os.path.join(resource_app.instance_path, "new.txt")
    with open(path, "rb") as f:
        assert f.read() == "é".encode()
    with resource_app.open_instance_resource("new.txt") as f:
        assert f.read() == "é".encode()
    with resource_app.open_instance_resource("new.txt", "r") as f:
        assert f.read() == "é"
    with resource_app.open_instance_resource("new.txt", "a", encoding="latin-1") as f:
        f.write("é")
    with open(path, "rb") as f:
        assert f.read() == "é".encode() + "é".encode("latin-1")


def test_open_instance_resource_missing(resource_app):
    with pytest.raises(FileNotFoundError):
        resource_app.open_instance_resource("missing.cfg")


_READ_UNDER_ASCII_LOCALE = """
import locale, sys
import flask

assert locale.getpreferredencoding(False).lower() != "utf-8", "locale is UTF-8"
root, instance = sys.argv[1], sys.argv[2]
app = flask.Flask("loc_app", root_path=root, instance_path=instance)
bp = flask.Blueprint("loc_bp", "loc_bp", root_path=root)
for owner in (app, bp):
    for mode in ("r", "rt"):
        with owner.open_resource("data.txt", mode) as f:
            assert f.read() == "h\\u00e9llo\\n", (owner, mode)
with app.open_instance_resource("out.txt", "w") as f:
    f.write("\\u00e9")
with app.open_instance_resource("out.txt", "r") as f:
    assert f.read() == "\\u00e9"
print("ok")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX C locale")
def test_text_resources_are_utf8_under_an_ascii_locale(resource_app):
    """Text modes default to UTF-8, not the locale's encoding: under the C
    locale (without UTF-8 coercion) a UTF-8 file still reads."""
    env = {
        **os.environ,
        "LC_ALL": "C",
        "LANG": "C",
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONUTF8": "0",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _READ_UNDER_ASCII_LOCALE,
            resource_app.root_path,
            resource_app.instance_path,
        ],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, "ok\n"), proc.stderr
    path = os.path.join(resource_app.instance_path, "out.txt")
    with open(path, "rb") as f:
        assert f.read() == "é".encode()
