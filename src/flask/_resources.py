"""File access shared by the app and blueprints: static files and resources."""

from __future__ import annotations

import os
import typing as t
from datetime import timedelta

from .globals import current_app

if t.TYPE_CHECKING:
    from .wrappers import Response


class FileAccessMixin:
    """``send_static_file``, ``get_send_file_max_age`` and ``open_resource``
    for objects with ``root_path`` and ``static_folder``."""

    root_path: str
    static_folder: str | None

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Cache max-age for a file sent by ``send_file``: the app's
        ``SEND_FILE_MAX_AGE_DEFAULT`` (``None`` lets browsers revalidate).
        Override to vary it per file."""
        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` route: send ``filename`` from the static
        folder (404 for missing files and paths leaving the folder)."""
        if self.static_folder is None:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        from ._static import send_from_directory

        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(self.static_folder, filename, max_age=max_age)

    @t.overload
    def open_resource(
        self, resource: str, mode: t.Literal["rb"] = "rb", encoding: str | None = ...
    ) -> t.IO[bytes]: ...
    @t.overload
    def open_resource(
        self, resource: str, mode: t.Literal["r", "rt"], encoding: str | None = ...
    ) -> t.IO[str]: ...
    @t.overload
    def open_resource(
        self, resource: str, mode: str, encoding: str | None = ...
    ) -> t.IO[t.Any]: ...
    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file relative to ``root_path`` for reading: ``"rb"``
        (the default) gives bytes, ``"r"`` or ``"rt"`` text decoded with
        ``encoding`` (UTF-8 unless given, whatever the locale)."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)
