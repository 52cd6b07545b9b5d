"""Sending files in responses: ``send_file`` and ``send_from_directory``.

Both wrap werkzeug's functions with what the current app and request provide:
the WSGI environ (for conditional and range requests), the response class,
``USE_X_SENDFILE``, the app's root path for relative paths, and the cache
``max_age`` from :meth:`Flask.get_send_file_max_age`.
"""

from __future__ import annotations

import os
import typing as t
from datetime import datetime
from stat import S_ISLNK

import werkzeug.utils
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from .globals import _cv_app_get
from .globals import _no_req_msg

if t.TYPE_CHECKING:
    from .wrappers import Response


def _werkzeug_options(**kwargs: t.Any) -> dict[str, t.Any]:
    """Fill in the arguments werkzeug needs from the current request and app."""
    ctx = _cv_app_get(None)
    if ctx is None or ctx._request is None:
        raise RuntimeError(_no_req_msg)
    app = ctx.app
    if kwargs.get("max_age") is None:
        # werkzeug calls it with the file's path, or None for a file object.
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs.update(
        environ=ctx._request.environ,
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
    )
    return kwargs


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: None | (int | t.Callable[[str | None], int | None]) = None,
) -> Response:
    """Respond with the contents of a file, given as a path or a binary file
    object.

    A relative path is taken from the app's root path. Never pass a path that
    came from the user: use :func:`send_from_directory` for that. The response
    supports conditional requests (``ETag``, ``Last-Modified``, 304) and
    ``Range`` requests (206) when ``conditional`` is true. ``mimetype`` and the
    ``Content-Disposition`` name are guessed from ``download_name`` or the
    path; a file object without either needs ``mimetype``. ``max_age``
    defaults to :meth:`Flask.get_send_file_max_age`.
    """
    return werkzeug.utils.send_file(  # type: ignore[return-value]
        **_werkzeug_options(
            path_or_file=path_or_file,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
        )
    )


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Respond with the file ``path`` inside ``directory``, 404 if it is not
    a file there.

    Safe for a ``path`` taken from the URL: anything that would leave
    ``directory`` (``..``, an absolute path, a null byte, a symlink to a
    place outside it) is a 404, never a file outside. A relative
    ``directory`` is taken from the app's root path. Other keyword arguments
    are passed on to :func:`send_file`.
    """
    options = _werkzeug_options(**kwargs)
    directory = os.fspath(directory)
    path = os.fspath(path)
    joined = safe_join(directory, path)
    if joined is None:
        raise NotFound()
    full = os.path.join(options["_root_path"], joined)
    if not os.path.isfile(full) or _leaves_folder(full, joined, directory):
        raise NotFound()
    return werkzeug.utils.send_file(full, **options)  # type: ignore[return-value]


def _leaves_folder(full: str, joined: str, directory: str) -> bool:
    """Whether a symlink inside the folder takes the file ``full`` out of it.

    Only the components below the folder are checked (``lstat`` each, one
    or two for a usual path); the real paths are compared only when one of
    them is a link, so a folder that is itself a symlink still works.
    """
    base = full[: len(full) - len(joined)] + (directory or ".")
    current = base
    for part in joined[len(directory) :].split("/"):
        if not part:
            continue
        current = f"{current}/{part}"
        try:
            is_link = S_ISLNK(os.lstat(current).st_mode)
        except (OSError, ValueError):
            is_link = False
        if is_link:
            real_base = os.path.realpath(base)
            try:
                return os.path.commonpath([real_base, os.path.realpath(full)]) != (
                    real_base
                )
            except ValueError:  # different drives on Windows
                return True
    return False
