"""The ASGI ``lifespan`` scope: starting and stopping to serve.

Startup runs, in one app context, the ``before_serving`` functions, then
the ``while_serving`` generators up to their ``yield``. Shutdown waits for
the background tasks (:meth:`~flask.Flask.add_background_task`) up to
``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds and cancels those still
running on the loop, then runs the ``after_serving`` functions and the rest
of the ``while_serving`` generators (the last started first). Coroutines
run on the server's loop, sync code in the worker pool. A failure is
logged and reported to the server (``lifespan.startup.failed``), which
then does not serve.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import typing as t

from .._async import _await
from .._async import server_loop
from .._async import task_in
from ._bridge import Binding
from ._environ import Receive
from ._environ import Send

if t.TYPE_CHECKING:
    from . import ASGIApp

_DONE = object()


async def serve_lifespan(asgi: ASGIApp, receive: Receive, send: Send) -> None:
    """Answer the server's lifespan messages until shutdown."""
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "lifespan.startup":
            phase, step = "startup", _Serving(asgi).startup
        elif kind == "lifespan.shutdown":
            phase, step = "shutdown", _Serving(asgi).shutdown
        else:
            continue
        try:
            await step()
        except Exception as e:
            asgi.app.logger.exception(f"ASGI lifespan {phase} failed")
            await send(
                {
                    "type": f"lifespan.{phase}.failed",
                    "message": f"{type(e).__name__}: {e}",
                }
            )
            return
        await send({"type": f"lifespan.{phase}.complete"})
        if phase == "shutdown":
            asgi.pool.shutdown()
            if asgi._websocket_pool is not None:
                asgi._websocket_pool.shutdown()
            return


class _Serving:
    """One lifespan phase, run in an app context of its own."""

    def __init__(self, asgi: ASGIApp) -> None:
        self.asgi = asgi
        self.app = asgi.app
        self.loop = asyncio.get_running_loop()
        self.context = contextvars.copy_context()
        self.context.run(server_loop.set, Binding(self.loop, self.app, asgi.pool))

    async def startup(self) -> None:
        app = self.app
        app.background_tasks.serve(self.loop, self.asgi.pool)
        started: list[t.Any] = []
        self.asgi.serving_generators = started

        async def steps() -> None:
            for func in app.before_serving_funcs:
                await self._call(func)
            for func in app.while_serving_funcs:
                gen = func()
                await self._advance(gen, starting=True)
                started.append(gen)

        await self._in_app_context(steps)

    async def shutdown(self) -> None:
        app = self.app
        await app.background_tasks.wait_async(_shutdown_timeout(app))
        generators = self.asgi.serving_generators
        self.asgi.serving_generators = []

        async def steps() -> None:
            for func in reversed(app.after_serving_funcs):
                await self._call(func)
            for gen in reversed(generators):
                await self._advance(gen, starting=False)

        try:
            await self._in_app_context(steps)
        finally:
            app.background_tasks.stop_serving()

    async def _in_app_context(self, steps: t.Callable[[], t.Awaitable[None]]) -> None:
        ctx = self.app.app_context()
        self.context.run(ctx.push)
        error: BaseException | None = None
        try:
            await steps()
        except BaseException as e:
            error = e
            raise
        finally:
            self.context.run(ctx.pop, error)

    async def _call(self, func: t.Callable[[], t.Any]) -> t.Any:
        """Call ``func``: a coroutine function on the loop, a sync one in a
        worker thread; both in the phase's app context."""
        if inspect.iscoroutinefunction(func):
            return await task_in(self.loop, func(), self.context)
        return await self.asgi.pool.submit(self.loop, self.context, func)

    async def _advance(self, gen: t.Any, starting: bool) -> None:
        """Run a ``while_serving`` generator to its ``yield`` (``starting``)
        or to its end."""
        if hasattr(gen, "__anext__"):
            step: t.Any = task_in(self.loop, _anext(gen), self.context)
        else:
            step = self.asgi.pool.submit(self.loop, self.context, next, (gen, _DONE))
        value = await step
        if starting and value is _DONE:
            raise RuntimeError(
                f"The while_serving function {_name(gen)} ended without yielding."
            )
        if not starting and value is not _DONE:
            raise RuntimeError(
                f"The while_serving function {_name(gen)} yielded more than once."
            )


async def _anext(gen: t.Any) -> t.Any:
    try:
        return await _await(gen.__anext__())
    except StopAsyncIteration:
        return _DONE


def _name(gen: t.Any) -> str:
    return repr(getattr(gen, "__qualname__", None) or getattr(gen, "__name__", gen))


def _shutdown_timeout(app: t.Any) -> float | None:
    value = app.config.get("BACKGROUND_TASK_SHUTDOWN_TIMEOUT", 5)
    return None if value is None else float(value)
