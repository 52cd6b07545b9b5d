from __future__ import annotations

import json
import os
import sys
import typing as t
from datetime import timedelta
from pathlib import Path

import pytest

import flask
from flask.config import Config
from flask.config import ConfigAttribute

CONFIG_DIR = Path(__file__).parent / "config_files"


def check_settings(config: t.Mapping[str, t.Any]) -> None:
    assert config["TEST_KEY"] == "foo"
    assert config["SECRET_KEY"] == "config"
    assert "lowercase_ignored" not in config


@pytest.fixture
def config() -> Config:
    return Config(CONFIG_DIR)


# --- Config basics ---------------------------------------------------------


def test_is_a_dict_with_defaults() -> None:
    defaults = {"A": 1}
    c = Config("/root", defaults)
    assert isinstance(c, dict)
    assert c == {"A": 1}
    c["B"] = 2
    assert defaults == {"A": 1}
    assert c.root_path == "/root"
    assert Config("/x") == {}


def test_repr() -> None:
    assert repr(Config("/", {"A": 1})) == "<Config {'A': 1}>"

    class MyConfig(Config):
        pass

    assert repr(MyConfig("/")) == "<MyConfig {}>"


def test_app_config(app: flask.Flask) -> None:
    assert isinstance(app.config, Config)
    assert app.config.root_path == app.root_path
    assert app.config["SESSION_COOKIE_NAME"] == "session"


def test_app_instance_relative_config(tmp_path: Path) -> None:
    app = flask.Flask(
        __name__, instance_path=str(tmp_path), instance_relative_config=True
    )
    (tmp_path / "cfg.py").write_text("SECRET_KEY = 'inst'\n")
    assert app.config.from_pyfile("cfg.py")
    assert app.secret_key == "inst"


# --- from_object -----------------------------------------------------------


class Settings:
    TEST_KEY = "foo"
    SECRET_KEY = "config"
    lowercase_ignored = True


def test_from_object_class(config: Config) -> None:
    config.from_object(Settings)
    check_settings(config)


def test_from_object_instance_with_property(config: Config) -> None:
    class Prod(Settings):
        @property
        def DATABASE_URI(self) -> str:  # noqa: N802
            return f"db://{self.TEST_KEY}"

    config.from_object(Prod())
    check_settings(config)
    assert config["DATABASE_URI"] == "db://foo"


def test_from_object_import_string(config: Config) -> None:
    config.from_object(f"{__name__}.Settings")
    check_settings(config)


def test_from_object_module(config: Config) -> None:
    config.from_object(sys.modules[__name__])
    assert config["CONFIG_DIR"] == CONFIG_DIR
    assert "check_settings" not in config


def test_from_object_bad_import_string(config: Config) -> None:
    with pytest.raises(ImportError):
        config.from_object("tests_no_such_module_xyz.Settings")


# --- from_pyfile -----------------------------------------------------------


def test_from_pyfile(config: Config) -> None:
    assert config.from_pyfile("settings.py") is True
    check_settings(config)
    assert config["JOINED"] == os.path.join("a", "b")
    # Imported modules are not UPPERCASE and stay out.
    assert "os" not in config


def test_from_pyfile_absolute_and_pathlike(config: Config) -> None:
    config.from_pyfile(CONFIG_DIR / "settings.py")
    check_settings(config)


def test_from_pyfile_sets_dunder_file(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text("WHERE = __file__\n")
    c = Config(tmp_path)
    c.from_pyfile("c.py")
    assert c["WHERE"] == str(tmp_path / "c.py")


def test_from_pyfile_missing(config: Config) -> None:
    with pytest.raises(FileNotFoundError) as exc_info:
        config.from_pyfile("missing.py")
    e = exc_info.value
    assert e.strerror is not None
    assert e.strerror.startswith("Unable to load configuration file (")
    assert "No such file or directory" in e.strerror
    assert e.filename == str(CONFIG_DIR / "missing.py")
    assert "missing.py" in str(e)


def test_from_pyfile_missing_silent(config: Config) -> None:
    assert config.from_pyfile("missing.py", silent=True) is False
    assert config == {}


def test_from_pyfile_directory(tmp_path: Path) -> None:
    c = Config(tmp_path)
    with pytest.raises(IsADirectoryError, match="Unable to load configuration"):
        c.from_pyfile(str(tmp_path))
    assert c.from_pyfile(str(tmp_path), silent=True) is False


def test_from_pyfile_not_a_directory(config: Config) -> None:
    with pytest.raises(NotADirectoryError, match="Unable to load configuration"):
        config.from_pyfile("settings.py/x.py")
    assert config.from_pyfile("settings.py/x.py", silent=True) is False


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything"
)
def test_from_pyfile_unreadable_not_silenced(tmp_path: Path) -> None:
    path = tmp_path / "c.py"
    path.write_text("A = 1\n")
    path.chmod(0)
    with pytest.raises(PermissionError, match="Unable to load configuration"):
        Config(tmp_path).from_pyfile("c.py", silent=True)


def test_from_pyfile_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "broken_cfg.py").write_text("A = 1\nB = (\n")
    c = Config(tmp_path)
    with pytest.raises(SyntaxError, match=r"broken_cfg\.py") as exc_info:
        c.from_pyfile("broken_cfg.py", silent=True)
    assert exc_info.value.filename == str(tmp_path / "broken_cfg.py")
    assert c == {}


def test_from_pyfile_runtime_error_keeps_type(tmp_path: Path) -> None:
    (tmp_path / "bad_name.py").write_text("A = undefined_name\n")
    c = Config(tmp_path)
    with pytest.raises(NameError, match="undefined_name") as exc_info:
        c.from_pyfile("bad_name.py")
    if sys.version_info >= (3, 11):
        notes = exc_info.value.__notes__
        assert any("bad_name.py" in note for note in notes)


# --- from_envvar -----------------------------------------------------------


def test_from_envvar(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOO_SETTINGS", str(CONFIG_DIR / "settings.py"))
    assert config.from_envvar("FOO_SETTINGS") is True
    check_settings(config)


def test_from_envvar_relative_to_root(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOO_SETTINGS", "settings.py")
    assert config.from_envvar("FOO_SETTINGS")
    check_settings(config)


@pytest.mark.parametrize("value", [None, ""])
def test_from_envvar_unset(
    config: Config, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("FOO_SETTINGS", raising=False)
    else:
        monkeypatch.setenv("FOO_SETTINGS", value)
    with pytest.raises(RuntimeError, match="'FOO_SETTINGS' is not set"):
        config.from_envvar("FOO_SETTINGS")
    assert config.from_envvar("FOO_SETTINGS", silent=True) is False


def test_from_envvar_missing_file(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOO_SETTINGS", "missing.py")
    with pytest.raises(OSError) as exc_info:
        config.from_envvar("FOO_SETTINGS")
    e = exc_info.value
    assert e.strerror is not None
    assert e.strerror.startswith("Unable to load configuration file")
    assert "missing.py" in str(e)
    assert config.from_envvar("FOO_SETTINGS", silent=True) is False


# --- from_file -------------------------------------------------------------


def test_from_file_json(config: Config) -> None:
    assert config.from_file("settings.json", json.load) is True
    check_settings(config)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is 3.11+")
def test_from_file_toml(config: Config) -> None:
    import tomllib

    assert config.from_file("settings.toml", tomllib.load, text=False) is True
    check_settings(config)


def test_from_file_text_mode_is_utf8(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_bytes('{"NAME": "é"}'.encode())
    c = Config(tmp_path)
    c.from_file("c.json", json.load)
    assert c["NAME"] == "é"


def test_from_file_binary_mode(config: Config) -> None:
    seen = []

    def load(f: t.IO[t.Any]) -> dict[str, t.Any]:
        seen.append(f.read())
        return {"X": 1}

    config.from_file("settings.json", load, text=False)
    assert isinstance(seen[0], bytes)
    assert config["X"] == 1


def test_from_file_missing(config: Config) -> None:
    with pytest.raises(FileNotFoundError) as exc_info:
        config.from_file("missing.json", json.load)
    e = exc_info.value
    assert e.strerror is not None
    assert e.strerror.startswith("Unable to load configuration file")
    assert "missing.json" in str(e)
    assert config.from_file("missing.json", json.load, silent=True) is False


def test_from_file_directory_silent(tmp_path: Path) -> None:
    c = Config(tmp_path)
    assert c.from_file(str(tmp_path), json.load, silent=True) is False
    with pytest.raises(IsADirectoryError, match="Unable to load configuration"):
        c.from_file(str(tmp_path), json.load)


def test_from_file_broken(config: Config) -> None:
    with pytest.raises(json.JSONDecodeError) as exc_info:
        config.from_file("broken.json", json.load, silent=True)
    if sys.version_info >= (3, 11):
        assert any("broken.json" in note for note in exc_info.value.__notes__)
    assert config == {}


# --- from_mapping ----------------------------------------------------------


def test_from_mapping() -> None:
    c = Config("/")
    assert c.from_mapping({"TEST_KEY": "foo", "lower": 1}, SECRET_KEY="config")
    check_settings(c)
    assert "lower" not in c


def test_from_mapping_pairs_and_kwargs_win() -> None:
    c = Config("/")
    c.from_mapping({"A": 1, "B": 2}, B=3, low=4)
    assert c == {"A": 1, "B": 3}
    c.from_mapping()
    assert c == {"A": 1, "B": 3}


def test_from_mapping_rejects_extra_positional() -> None:
    with pytest.raises(TypeError):
        Config("/").from_mapping({}, {})  # type: ignore[call-arg]


# --- from_prefixed_env -----------------------------------------------------


def test_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_STRING", "value")
    monkeypatch.setenv("FLASK_BOOL", "true")
    monkeypatch.setenv("FLASK_INT", "1")
    monkeypatch.setenv("FLASK_FLOAT", "1.2")
    monkeypatch.setenv("FLASK_LIST", "[1, 2]")
    monkeypatch.setenv("FLASK_DICT", '{"k": "v"}')
    monkeypatch.setenv("FLASK_BROKEN", "{not json")
    monkeypatch.setenv("NOT_FLASK_OTHER", "other")
    c = Config("/")
    assert c.from_prefixed_env() is True
    assert c["STRING"] == "value"
    assert c["BOOL"] is True
    assert c["INT"] == 1
    assert c["FLOAT"] == 1.2
    assert c["LIST"] == [1, 2]
    assert c["DICT"] == {"k": "v"}
    assert c["BROKEN"] == "{not json"
    assert "OTHER" not in c


def test_from_prefixed_env_custom_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_A", "a")
    monkeypatch.setenv("MYAPP_A", "b")
    c = Config("/")
    c.from_prefixed_env("MYAPP")
    assert c["A"] == "b"


def test_from_prefixed_env_custom_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_A", "a")
    monkeypatch.setenv("FLASK_B", "1")
    c = Config("/")
    c.from_prefixed_env(loads=str.upper)
    assert c["A"] == "A"
    assert c["B"] == "1"


def test_from_prefixed_env_loads_error_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def loads(value: str) -> t.Any:
        raise RuntimeError("nope")

    monkeypatch.setenv("FLASK_A", "raw")
    c = Config("/")
    c.from_prefixed_env(loads=loads)
    assert c["A"] == "raw"


def test_from_prefixed_env_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_EXIST__ok", "other")
    monkeypatch.setenv("FLASK_EXIST__inner__ik", "2")
    monkeypatch.setenv("FLASK_EXIST__new__more", '{"k": false}')
    monkeypatch.setenv("FLASK_NEW__K", "v")
    c = Config("/")
    c["EXIST"] = {"ok": "value", "flag": True, "inner": {"ik": 1}}
    c.from_prefixed_env()
    # Keys are case-sensitive on POSIX; Windows upper-cases environ keys.
    if os.name == "nt":
        assert c["EXIST"] == {
            "ok": "value",
            "OK": "other",
            "flag": True,
            "inner": {"ik": 1},
            "INNER": {"IK": 2},
            "NEW": {"MORE": {"k": False}},
        }
    else:
        assert c["EXIST"] == {
            "ok": "other",
            "flag": True,
            "inner": {"ik": 2},
            "new": {"more": {"k": False}},
        }
    assert c["NEW"] == {"K": "v"}


def test_from_prefixed_env_sorted_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # "A" is set before "A__B" is applied into it.
    monkeypatch.setenv("FLASK_A__B", "2")
    monkeypatch.setenv("FLASK_A", '{"C": 1}')
    c = Config("/")
    c.from_prefixed_env()
    assert c["A"] == {"C": 1, "B": 2}


# --- get_namespace ---------------------------------------------------------


def test_get_namespace() -> None:
    c = Config("/")
    c.update(
        FOO_OPTION_1="foo option 1",
        FOO_OPTION_2="foo option 2",
        BAR_STUFF_1="bar stuff 1",
    )
    assert c.get_namespace("FOO_") == {
        "option_1": "foo option 1",
        "option_2": "foo option 2",
    }
    assert c.get_namespace("BAR_", lowercase=False) == {"STUFF_1": "bar stuff 1"}
    assert c.get_namespace("FOO_", trim_namespace=False) == {
        "foo_option_1": "foo option 1",
        "foo_option_2": "foo option 2",
    }
    assert c.get_namespace("FOO_", lowercase=False, trim_namespace=False) == {
        "FOO_OPTION_1": "foo option 1",
        "FOO_OPTION_2": "foo option 2",
    }
    assert c.get_namespace("NONE_") == {}


# --- ConfigAttribute -------------------------------------------------------


class Holder:
    debug_flag = ConfigAttribute[bool]("DEBUG_FLAG")
    lifetime = ConfigAttribute[timedelta](
        "LIFETIME", get_converter=lambda v: timedelta(seconds=v)
    )

    def __init__(self) -> None:
        self.config = Config("/", {"DEBUG_FLAG": False, "LIFETIME": 10})


def test_config_attribute() -> None:
    h = Holder()
    assert h.debug_flag is False
    h.debug_flag = True
    assert h.config["DEBUG_FLAG"] is True
    h.config["DEBUG_FLAG"] = False
    assert h.debug_flag is False


def test_config_attribute_converter_on_read_only() -> None:
    h = Holder()
    assert h.lifetime == timedelta(seconds=10)
    h.lifetime = 20
    assert h.config["LIFETIME"] == 20
    assert h.lifetime == timedelta(seconds=20)


def test_config_attribute_on_class() -> None:
    attr = Holder.__dict__["debug_flag"]
    assert Holder.debug_flag is attr
    assert isinstance(attr, ConfigAttribute)
    assert attr.__name__ == "DEBUG_FLAG"


def test_app_config_attributes(app: flask.Flask) -> None:
    app.secret_key = "abc"
    assert app.config["SECRET_KEY"] == "abc"
    app.config["PERMANENT_SESSION_LIFETIME"] = 42
    assert app.permanent_session_lifetime == timedelta(seconds=42)
    app.testing = False
    assert app.config["TESTING"] is False
