"""The ASGI side of :class:`~flask.Flask`: ``asgi_app`` and the lifespan hooks.

Kept apart from ``app.py`` (and free of ``asyncio``) so that WSGI apps pay
nothing for it: :mod:`flask.asgi` is imported on first use of ``asgi_app``.
"""

from __future__ import annotations

import typing as t
import weakref

from .sansio.scaffold import setupmethod

if t.TYPE_CHECKING:
    from .app import Flask
    from .asgi import ASGIApp

ServingCallable = t.Callable[[], t.Any]
S = t.TypeVar("S", bound=ServingCallable)


class ServingMixin:
    """``asgi_app``, ``before_serving`` and ``after_serving`` for the app."""

    @property
    def before_serving_funcs(self) -> list[ServingCallable]:
        """Functions run when an ASGI server starts serving the app."""
        return self.__dict__.setdefault("_before_serving_funcs", [])  # type: ignore[no-any-return]

    @property
    def after_serving_funcs(self) -> list[ServingCallable]:
        """Functions run when an ASGI server stops serving the app."""
        return self.__dict__.setdefault("_after_serving_funcs", [])  # type: ignore[no-any-return]

    @setupmethod
    def before_serving(self, f: S) -> S:
        """Register ``f`` to run once when an ASGI server starts (the lifespan
        ``startup`` event), before any request, in an app context.

        ``async def`` functions run on the server's event loop, so clients and
        pools they create can be used by async views. If one raises, the
        server is told that startup failed and does not serve.
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: S) -> S:
        """Register ``f`` to run once when an ASGI server shuts down (the
        lifespan ``shutdown`` event), in an app context. Run in the reverse
        order of registration."""
        self.after_serving_funcs.append(f)
        return f

    @property
    def asgi_app(self) -> ASGIApp:
        """This app as an ASGI 3 application, e.g. ``uvicorn module:app.asgi_app``.

        Created with the default thread pool size and shared while something
        (the server) holds it; build a :class:`flask.asgi.ASGIApp` yourself
        to tune it.
        """
        # Held weakly: the adapter references the app, and a cycle would keep
        # a discarded app alive until the garbage collector runs.
        ref = self.__dict__.get("_asgi_app")
        rv = ref() if ref is not None else None
        if rv is None:
            from .asgi import ASGIApp

            rv = ASGIApp(t.cast("Flask", self))
            self.__dict__["_asgi_app"] = weakref.ref(rv)
        return rv
