"""The app's configuration dict and the loaders that fill it.

Only UPPERCASE keys are taken from objects, Python files and mappings, so
helper names and imports in a config module stay out of the config.
"""

from __future__ import annotations

import errno
import json
import os
import types
import typing as t

from werkzeug.utils import import_string

if t.TYPE_CHECKING:  # pragma: no cover
    import typing_extensions as te

    from .sansio.app import App

T = t.TypeVar("T")

# errno values meaning "there is no such file", ignored when ``silent``.
_MISSING_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})


class ConfigAttribute(t.Generic[T]):
    """An attribute that reads and writes a key of its owner's ``config``.

    ``get_converter`` is applied when reading, e.g. to turn a number of
    seconds into a ``timedelta``; values are stored as given.
    """

    def __init__(
        self, name: str, get_converter: t.Callable[[t.Any], T] | None = None
    ) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: type[t.Any] | None = None) -> te.Self: ...

    @t.overload
    def __get__(self, obj: App, owner: type[App] | None = None) -> T: ...

    def __get__(self, obj: App | None, owner: type[App] | None = None) -> T | te.Self:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: App, value: t.Any) -> None:
        obj.config[self.__name__] = value


def _note_file(exc: BaseException, filename: str) -> None:
    """Attach the config file's name to an error raised while loading it."""
    if hasattr(exc, "add_note"):
        exc.add_note(f"while loading configuration file {filename!r}")  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def _reraise_os_error(exc: OSError, silent: bool) -> bool:
    """Return ``False`` for a missing file when ``silent``, otherwise make the
    message say a configuration file was being loaded and re-raise."""
    if silent and exc.errno in _MISSING_ERRNOS:
        return False
    exc.strerror = f"Unable to load configuration file ({exc.strerror})"
    raise exc


class Config(dict[str, t.Any]):
    """A dict holding configuration, with methods to load it from Python
    objects and files, environment variables and other files (JSON, TOML).

    Relative file names are resolved against ``root_path``, normally the
    app's root path.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: dict[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by the environment variable
        ``variable_name`` with :meth:`from_pyfile`.

        An unset or empty variable raises ``RuntimeError``, or returns
        ``False`` if ``silent``.
        """
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of"
                " a configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "FLASK", *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load environment variables named ``{prefix}_KEY`` as ``KEY``.

        Values are decoded with ``loads`` (JSON by default, so ``true``, ``1``
        and ``[1, 2]`` become Python values) and kept as strings if that
        fails. A ``__`` in the key sets a nested key: ``FLASK_DB__HOST`` sets
        ``config["DB"]["HOST"]``, creating the dict if needed. Variables are
        applied in sorted order.
        """
        prefix = f"{prefix}_"
        for name in sorted(os.environ):
            if not name.startswith(prefix):
                continue
            raw = os.environ[name]
            try:
                value = loads(raw)
            except Exception:
                value = raw
            *parents, last = name[len(prefix) :].split("__")
            target: t.Any = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
            target[last] = value
        return True

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Run a Python file and load its UPPERCASE globals.

        With ``silent``, a missing file returns ``False``; other errors are
        raised. A file that cannot be read raises its ``OSError`` with a
        message naming the file; errors in the code keep their type (a
        ``SyntaxError`` names the file and line).
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            return _reraise_os_error(e, silent)
        try:
            code = compile(source, path, "exec")
            exec(code, module.__dict__)
        except Exception as e:
            _note_file(e, path)
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the UPPERCASE attributes of a module, class or object.

        A string is imported first (``"myapp.config.Production"``). Class
        attributes and properties of an instance both work; lowercase names
        are ignored, so helper values can live next to settings.
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` and the result with :meth:`from_mapping`.

        ``load`` receives the open file, e.g. ``json.load``; for
        ``tomllib.load`` pass ``text=False`` to open it in binary mode. With
        ``silent``, a missing file returns ``False``.
        """
        path = os.path.join(self.root_path, filename)
        try:
            f = open(path, encoding="utf-8") if text else open(path, "rb")
        except OSError as e:
            return _reraise_os_error(e, silent)
        try:
            with f:
                obj = load(f)
        except OSError as e:
            return _reraise_os_error(e, False)
        except Exception as e:
            _note_file(e, path)
            raise
        return self.from_mapping(obj)

    def from_mapping(
        self,
        mapping: t.Mapping[str, t.Any] | t.Iterable[tuple[str, t.Any]] | None = None,
        **kwargs: t.Any,
    ) -> bool:
        """Load the UPPERCASE keys of what ``dict.update`` accepts: a mapping
        or an iterable of ``(key, value)`` pairs, and keyword arguments.
        Always returns ``True``."""
        values: dict[str, t.Any] = {}
        if mapping is not None:
            values.update(mapping)
        values.update(kwargs)
        for key, value in values.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The settings whose key starts with ``namespace``, as a new dict.

        ``get_namespace("IMAGE_STORE_")`` on ``IMAGE_STORE_TYPE`` gives
        ``{"type": ...}``; ``trim_namespace=False`` keeps the prefix and
        ``lowercase=False`` the case. Useful as keyword arguments for a
        client library.
        """
        result: dict[str, t.Any] = {}
        start = len(namespace) if trim_namespace else 0
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            key = key[start:]
            result[key.lower() if lowercase else key] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"  # pyright: ignore[reportUnknownMemberType]
