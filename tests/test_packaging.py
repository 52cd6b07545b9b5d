"""The distributions we build, and installing them the documented way.

Builds this checkout's wheel and sdist and the tutorial app's wheel, then
installs them into a fresh virtual environment as docs/installation.rst
says: the app and an extension (Flask-Login) with a constraints file that
pins ``flask`` to our wheel, so pip cannot take Flask from the package
index. Everything is built and installed once per run (module fixtures);
pip's cache makes the downloads of the dependencies fast after the first run.
"""

from __future__ import annotations

import email.message
import email.parser
import json
import os
import re
import subprocess
import sys
import tarfile
import typing as t
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
VERSION = "3.2.0.dev0"
COPYRIGHT = "Copyright 2026 the flask reimplementation contributors"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


def _run(cmd: list[str], cwd: Path, timeout: float = 300, **extra_env: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra_env)
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _build(project: Path, out: Path, *what: str) -> None:
    # --no-isolation: flit_core comes from requirements/tests.txt, so the
    # build needs no download. Users run plain "python -m build".
    cmd = [sys.executable, "-m", "build", "--no-isolation", *what, "-o", str(out)]
    _run([*cmd, str(project)], cwd=project)


class Built(t.NamedTuple):
    wheel: Path
    sdist: Path
    app_wheel: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    _build(ROOT, out)
    _build(ROOT / "examples" / "tutorial", out, "--wheel")
    return Built(
        out / f"flask-{VERSION}-py3-none-any.whl",
        out / f"flask-{VERSION}.tar.gz",
        out / "flaskr-1.0.0-py3-none-any.whl",
    )


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(zf.read(name).decode())


def test_wheel_metadata(built: Built) -> None:
    meta = _metadata(built.wheel)
    assert meta["Name"] == "flask"
    assert meta["Version"] == VERSION
    assert meta["Requires-Python"] == ">=3.10"
    # PEP 639: an SPDX expression and the file, not a free-text License field
    # (the table form is dropped by flit_core: "pip show" showed nothing).
    assert meta["License-Expression"] == "BSD-3-Clause"
    assert meta.get_all("License-File") == ["LICENSE.txt"]
    assert meta["License"] is None
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert set(urls) == {"Documentation", "Changes", "Source", "Issue Tracker"}
    assert all(u.startswith("https://") for u in urls.values())
    classifiers = meta.get_all("Classifier") or []
    for version in SUPPORTED:
        assert f"Programming Language :: Python :: {version}" in classifiers
    for classifier in (
        "Framework :: Flask",
        "Typing :: Typed",
        "Topic :: Internet :: WWW/HTTP :: WSGI :: Application",
        "Programming Language :: Python :: 3 :: Only",
    ):
        assert classifier in classifiers
    # a licence classifier next to License-Expression is an error (PEP 639)
    assert not [c for c in classifiers if c.startswith("License ::")]
    requires = meta.get_all("Requires-Dist") or []
    assert 'asgiref>=3.2 ; extra == "async"' in requires


def test_wheel_contents(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as zf:
        names = set(zf.namelist())
        licence = zf.read(f"flask-{VERSION}.dist-info/licenses/LICENSE.txt")
        entry_points = zf.read(f"flask-{VERSION}.dist-info/entry_points.txt")
    assert {"flask/__init__.py", "flask/py.typed", "flask/sansio/app.py"} <= names
    assert licence.decode().startswith(COPYRIGHT)
    assert b"flask=flask.cli:main" in entry_points
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


def test_licence_file_is_bsd_3_clause() -> None:
    text = (ROOT / "LICENSE.txt").read_text()
    assert text.startswith(COPYRIGHT + "\n")
    assert "Neither the name of the copyright holder" in text  # the third clause
    for example in ("hello", "javascript", "tutorial"):
        assert (ROOT / "examples" / example / "LICENSE.txt").read_text() == text


def test_sdist_is_a_complete_source_tree(built: Built) -> None:
    with tarfile.open(built.sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for name in (
        "CHANGES.rst",
        "LICENSE.txt",
        "README.md",
        "pyproject.toml",
        "tox.ini",
        "src/flask/py.typed",
        "tests/conftest.py",
        "tests/test_packaging.py",
        "tests/compat/compat_support.py",
        "docs/conf.py",
        "docs/index.rst",
        "docs/installation.rst",
        "examples/tutorial/pyproject.toml",
        "examples/tutorial/tests/conftest.py",
        "examples/javascript/js_example/views.py",
        "requirements/tests.txt",
        "requirements/compile.sh",
    ):
        assert name in names, name
    junk = re.compile(r"(__pycache__|\.pyc$|^\.venv|^\.compat-env|_build/|\.tox/)")
    assert not [n for n in names if junk.search(n)]


def test_sdist_tests_run_from_the_unpacked_sdist(built: Built, tmp_path: Path) -> None:
    """The sdist's own tests pass against the sdist's own source."""
    with tarfile.open(built.sdist) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(tmp_path, filter="data")
        else:  # pragma: no cover - Python before 3.10.12 / 3.11.4
            tf.extractall(tmp_path)
    tree = tmp_path / f"flask-{VERSION}"
    # PYTHONPATH comes before site-packages: "import flask" is the sdist's.
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    cmd += ["tests/test_setup.py", "tests/test_json.py", "tests/test_routing.py"]
    out = _run(cmd, cwd=tree, PYTHONPATH=str(tree / "src"))
    assert re.search(r"\d+ passed", out), out
    assert "failed" not in out and "error" not in out


def test_example_metadata(built: Built) -> None:
    meta = _metadata(built.app_wheel)
    assert meta["Name"] == "flaskr"
    assert meta["License-Expression"] == "BSD-3-Clause"
    assert meta.get_all("License-File") == ["LICENSE.txt"]
    assert "Private :: Do Not Upload" in (meta.get_all("Classifier") or [])
    assert meta.get_all("Requires-Dist")[0] == "flask"  # type: ignore[index]


@pytest.fixture(scope="module")
def fresh_env(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the app and Flask-Login installed the documented way."""
    where = tmp_path_factory.mktemp("venv")
    env_dir = where / "env"
    venv.create(env_dir, with_pip=True)
    constraints = where / "constraints.txt"
    constraints.write_text(f"flask @ {built.wheel.as_uri()}\n")
    python = env_dir / "bin" / "python"
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "-c",
            str(constraints),
            # pins for the rest, so the test installs what the suite tested
            "-c",
            str(REQUIREMENTS / "tests.txt"),
            "-c",
            str(REQUIREMENTS / "compat.txt"),
            str(built.app_wheel),
            "Flask-Login",
        ],
        cwd=where,
    )
    return env_dir


APP_CHECK = """
import importlib.metadata, json, sys, tempfile
import flask, flask_login, flaskr
from flaskr.db import init_db

dist = importlib.metadata.distribution("flask")
tmp = tempfile.mkdtemp()
app = flaskr.create_app({"TESTING": True, "DATABASE": tmp + "/app.sqlite"})
with app.app_context():
    init_db()
login = flask_login.LoginManager(app)
login.user_loader(lambda user_id: None)  # nobody is logged in

@app.get("/private")
@flask_login.login_required
def private():
    return "secret"

client = app.test_client()
index = client.get("/")
register = client.post("/auth/register", data={"username": "a", "password": "b"})
private = client.get("/private")
print(json.dumps({
    "dist_version": dist.version,
    "summary": dist.metadata["Summary"],
    "direct_url": json.loads(dist.read_text("direct_url.json") or "{}"),
    "flask_file": flask.__file__,
    "flaskr_file": flaskr.__file__,
    "flask_login": importlib.metadata.version("flask-login"),
    "flask_dists": [
        d.metadata["Name"] + " " + d.version
        for d in importlib.metadata.distributions()
        if d.metadata["Name"].lower() == "flask"
    ],
    "index": [index.status_code, index.get_data(as_text=True)],
    "register": [register.status_code, register.headers.get("Location")],
    "private": private.status_code,
}))
"""


def test_installed_app_and_extension_run_on_our_flask(
    built: Built, fresh_env: Path
) -> None:
    out = _run([str(fresh_env / "bin" / "python"), "-c", APP_CHECK], cwd=fresh_env)
    info = json.loads(out)
    # pip took flask from our wheel, not from the package index
    assert info["flask_dists"] == [f"flask {VERSION}"]
    assert info["dist_version"] == VERSION
    assert info["summary"].startswith("An independent, drop-in reimplementation")
    assert info["direct_url"]["url"] == built.wheel.as_uri()
    site = Path(info["flask_file"]).resolve()
    assert site.is_relative_to(fresh_env.resolve())
    assert site.parent.parent.name == "site-packages"
    assert Path(info["flaskr_file"]).resolve().is_relative_to(fresh_env.resolve())
    assert info["flask_login"] == "0.6.3"
    # the app answers, and the extension works on it
    assert info["index"][0] == 200
    assert "Log In" in info["index"][1] and "Register" in info["index"][1]
    # 303 is the redirect code of Flask 3.2 (3.1 answers 302): ours answered
    assert info["register"] == [303, "/auth/login"]
    assert info["private"] == 401


def test_flask_command_of_the_installed_app(fresh_env: Path) -> None:
    out = _run(
        [str(fresh_env / "bin" / "flask"), "--app", "flaskr", "routes"],
        cwd=fresh_env,
    )
    for endpoint in ("auth.login", "auth.register", "blog.create", "index"):
        assert endpoint in out


#: The oldest pip the docs support (docs/installation.rst); Python 3.12
#: removed what pip before 23.2 needs, so there the venv's own pip (the
#: oldest that Python ships) is used.
OLDEST_PIP = "23.0.1" if sys.version_info < (3, 12) else None

EXTRAS_APP = """\
[build-system]
requires = ["flit_core>=3.12,<5"]
build-backend = "flit_core.buildapi"

[project]
name = "extrasapp"
version = "1.0"
description = "An app that needs flask with an extra."
dependencies = ["flask[async]>=3"]
"""

EXTRAS_CHECK = """
import asyncio, importlib.metadata as m, json, flask, extrasapp

app = flask.Flask("x")

@app.get("/")
async def index():
    await asyncio.sleep(0)
    return "async ok"

print(json.dumps({
    "pip": m.version("pip"),
    "flask": [d.version for d in m.distributions() if d.metadata["Name"] == "flask"],
    "summary": m.metadata("flask")["Summary"],
    "flask_file": flask.__file__,
    "extras": sorted(
        n for n in ("asgiref", "python-dotenv", "flask-login", "flaskr")
        if any(d.metadata["Name"].lower() == n for d in m.distributions())
    ),
    "body": app.test_client().get("/").text,
}))
"""


@pytest.fixture(scope="module")
def extras_app_wheel(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of an app whose dependency on ``flask`` has an extra."""
    project = tmp_path_factory.mktemp("extrasapp")
    (project / "pyproject.toml").write_text(EXTRAS_APP)
    (project / "extrasapp.py").write_text('"""Needs flask[async]."""\n')
    out = tmp_path_factory.mktemp("extrasapp-dist")
    _build(project, out, "--wheel")
    (wheel,) = out.glob("extrasapp-1.0-*.whl")
    return wheel


def _venv_with_pip(where: Path, pip: str | None) -> Path:
    env_dir = where / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    if pip is not None:
        _run([str(python), "-m", "pip", "install", "-q", pip], cwd=where)
    return python


def _check_extras_env(python: Path, pip_version: str | None) -> None:
    info = json.loads(_run([str(python), "-c", EXTRAS_CHECK], cwd=python.parent))
    if pip_version is not None:
        assert info["pip"] == pip_version
    # ours, from the wheel, with the extras' packages and the other projects
    assert info["flask"] == [VERSION]
    assert info["summary"].startswith("An independent, drop-in reimplementation")
    assert Path(info["flask_file"]).resolve().is_relative_to(python.parent.parent)
    assert info["extras"] == ["asgiref", "flask-login", "flaskr", "python-dotenv"]
    assert info["body"] == "async ok"


def test_wheel_named_with_extras_installs_on_the_oldest_pip(
    built: Built, extras_app_wheel: Path, tmp_path: Path
) -> None:
    """The recipe of docs/installation.rst for every pip: the wheel, with its
    extras, on the command line next to an app that needs ``flask[async]``
    (a ``flask @`` constraint fails there on pip before 26.1)."""
    python = _venv_with_pip(tmp_path, OLDEST_PIP and f"pip=={OLDEST_PIP}")
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "-c",
            str(REQUIREMENTS / "tests.txt"),
            "-c",
            str(REQUIREMENTS / "compat.txt"),
            f"{built.wheel}[async,dotenv]",
            str(built.app_wheel),
            str(extras_app_wheel),
            "Flask-Login",
        ],
        cwd=tmp_path,
    )
    _check_extras_env(python, OLDEST_PIP)


def test_constraint_with_extras_on_a_current_pip(
    built: Built, extras_app_wheel: Path, tmp_path: Path
) -> None:
    """The constraints recipe with extras, after upgrading pip as the docs
    say."""
    python = _venv_with_pip(tmp_path, "pip>=26.1")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"flask @ {built.wheel.as_uri()}\n")
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "-c",
            str(constraints),
            "-c",
            str(REQUIREMENTS / "tests.txt"),
            "-c",
            str(REQUIREMENTS / "compat.txt"),
            "flask[async,dotenv]",
            str(built.app_wheel),
            str(extras_app_wheel),
            "Flask-Login",
        ],
        cwd=tmp_path,
    )
    _check_extras_env(python, None)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(python3 -m venv .*?)\n```", readme)
    assert len(commands) == 2  # run the app; run the tests
    app_command, test_command = commands
    assert "requirements/tests.txt" in app_command  # pinned as well
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_command
    assert "-r requirements/tests.txt" in test_command


def test_locks_are_compiled_from_their_sources() -> None:
    """Every lock is fully pinned and says how to regenerate it."""
    for source in sorted(REQUIREMENTS.glob("*.in")):
        lock = source.with_suffix(".txt")
        text = lock.read_text()
        assert "requirements/compile.sh" in text, lock
        for line in text.splitlines():
            if line and not line.startswith((" ", "#", "-")):
                assert re.match(r"[\w.-]+(\[[\w,]+\])?==\S+( ; .+)?$", line), line


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_locks_are_up_to_date_with_their_sources() -> None:
    """Each requirement of a .in file is pinned in its lock, at its == version.

    Fails when a .in file was edited without running requirements/compile.sh.
    """
    for source in sorted(REQUIREMENTS.glob("*.in")):
        pins: dict[str, set[str]] = {}
        for line in source.with_suffix(".txt").read_text().splitlines():
            m = re.match(r"([\w.-]+)(?:\[[\w,]+\])?==([^\s;]+)", line)
            if m:
                pins.setdefault(_normalize(m[1]), set()).add(m[2])
        for line in source.read_text().splitlines():
            m = re.match(r"([\w.-]+)(\[[\w,]+\])?\s*(==([^\s;]+))?", line)
            if not m or line.startswith(("#", "-")):
                continue
            name = _normalize(m[1])
            assert name in pins, f"{name} of {source.name} is not in its lock"
            if m[4]:
                assert m[4] in pins[name], f"{line!r}: lock has {pins[name]}"


def _git_head() -> str | None:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


INSTALLED = """
import importlib.metadata, json
dist = importlib.metadata.distribution("flask")
print(json.dumps({
    "version": dist.version,
    "direct_url": json.loads(dist.read_text("direct_url.json") or "{}"),
    "init": str(dist.locate_file("flask/__init__.py")),
}))
"""


@pytest.mark.parametrize("source", ["checkout", "git"])
def test_install_from_a_checkout_or_a_git_url(source: str, tmp_path: Path) -> None:
    """``pip install <checkout>`` and ``pip install git+<url>@<rev>`` give ours.

    --no-deps keeps this to our own package (the dependencies are the same as
    the wheel's above); pip still builds it from source, in isolation.
    """
    if source == "git":
        head = _git_head()
        if head is None:
            pytest.skip("not a git checkout (an unpacked sdist?) or no git")
        target = f"git+{ROOT.as_uri()}@{head}"
    else:
        target = str(ROOT)
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    _run([python, "-m", "pip", "install", "-q", "--no-deps", target], cwd=tmp_path)
    info = json.loads(_run([python, "-c", INSTALLED], cwd=tmp_path))
    assert info["version"] == VERSION
    assert Path(info["init"]).resolve().is_relative_to(env_dir.resolve())
    assert Path(info["init"]).is_file()  # a real copy, not a link to ROOT
    if source == "git":
        assert info["direct_url"]["url"] == ROOT.as_uri()
        assert info["direct_url"]["vcs_info"]["commit_id"] == head
    else:
        assert info["direct_url"]["url"] == ROOT.as_uri()
        assert not info["direct_url"]["dir_info"].get("editable", False)
