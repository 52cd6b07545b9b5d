"""The app logger and its default handler.

``app.logger`` is the standard ``logging`` logger named after the app. A
handler writing to the WSGI server's error stream is added only when nothing
up the logger hierarchy would show the app's messages, so configuring
logging (``logging.basicConfig``, ``dictConfig``) before creating the app
takes precedence.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from ._lazy import lazy_names as _lazy_names
from .globals import _cv_app_get

if t.TYPE_CHECKING:
    from .sansio.app import App


def _errors_stream() -> t.TextIO:
    """The active request's ``wsgi.errors`` stream, else ``sys.stderr``.

    Looked up on every write so each message goes to the server's log for
    the request that emitted it; ``sys.stderr`` is read late so that tests
    replacing it are honoured.
    """
    ctx = _cv_app_get(None)
    if ctx is not None and ctx._request is not None:
        return ctx._request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    return sys.stderr


#: A stream proxy for :func:`_errors_stream`, used by :data:`default_handler`.
wsgi_errors_stream: t.TextIO = LocalProxy(_errors_stream)  # type: ignore[assignment]


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether some handler would emit a record at ``logger``'s effective level.

    Walks from ``logger`` to its ancestors, stopping after the first one
    with ``propagate`` off, as ``logging`` does when emitting.
    """
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: Writes to :data:`wsgi_errors_stream`; ``create_logger`` adds it to the app
#: logger when no other handler would show its messages. Remove it with
#: ``app.logger.removeHandler(default_handler)``.
default_handler: logging.StreamHandler[t.TextIO] = logging.StreamHandler(
    wsgi_errors_stream
)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: App) -> logging.Logger:
    """Return the logger named ``app.name``, set up for the app.

    In debug mode a logger without a level of its own gets ``DEBUG``; the
    :data:`default_handler` is added only if no handler already covers the
    logger's effective level. The logger is shared: two apps with the same
    name share it.
    """
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


# Names Flask's module of the same name also exposes, resolved on first use.
__getattr__: t.Callable[[str], t.Any]
__dir__: t.Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(
    __name__,
    {"request": ".globals:request"},
)
