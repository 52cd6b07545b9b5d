"""``app.test_app()``: the serving lifespan of an app, run around tests.

It drives ``app.asgi_app``'s lifespan scope the way an ASGI server does:
startup on entry (``before_serving``, ``while_serving``), shutdown on exit
(waiting for background tasks, then ``after_serving`` and the end of the
``while_serving`` generators). Requests are made with the usual test client
meanwhile. ``async with`` runs the lifespan on the test's event loop;
``with`` runs it on an event loop in a thread of its own.
"""

from __future__ import annotations

import asyncio
import threading
import typing as t
from types import TracebackType

if t.TYPE_CHECKING:
    from .app import Flask
    from .asgi import ASGIApp
    from .testing import FlaskClient

Message = t.MutableMapping[str, t.Any]


class TestApp:
    """The serving lifespan of ``app`` (see :meth:`flask.Flask.test_app`)."""

    __test__ = False  # not a test class for pytest

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.asgi: ASGIApp = app.asgi_app
        self._inbox: asyncio.Queue[Message] | None = None
        self._outbox: asyncio.Queue[Message] | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def test_client(self, **kwargs: t.Any) -> FlaskClient:
        """The app's test client (``app.test_client(**kwargs)``)."""
        return self.app.test_client(**kwargs)

    async def startup(self) -> None:
        """Start serving: raises ``RuntimeError`` if startup failed."""
        self._inbox = asyncio.Queue()
        self._outbox = asyncio.Queue()
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": {},
        }
        self._task = asyncio.get_running_loop().create_task(
            self.asgi(scope, self._inbox.get, self._outbox.put)
        )
        await self._exchange({"type": "lifespan.startup"}, "startup")

    async def shutdown(self) -> None:
        """Stop serving (waiting for background tasks); raises
        ``RuntimeError`` if shutdown failed."""
        if self._task is None:
            raise RuntimeError("The test app was not started.")
        try:
            await self._exchange({"type": "lifespan.shutdown"}, "shutdown")
        finally:
            task, self._task = self._task, None
            await task

    async def _exchange(self, message: Message, phase: str) -> None:
        assert self._inbox is not None and self._outbox is not None
        assert self._task is not None
        await self._inbox.put(message)
        answer = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait((answer, self._task), return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._task.result()  # raises what the lifespan raised
            raise RuntimeError(f"The app's lifespan ended during {phase}.")
        reply = answer.result()
        if reply["type"] == f"lifespan.{phase}.failed":
            raise RuntimeError(f"The app's {phase} failed: {reply.get('message', '')}")

    async def __aenter__(self) -> TestApp:
        await self.startup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()

    # -- without an event loop of the test's own ------------------------------

    def _run(self, coro: t.Coroutine[t.Any, t.Any, None]) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.run_coroutine_threadsafe(coro, loop).result()

    def __enter__(self) -> TestApp:
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=loop.run_forever, name="flask-test-app", daemon=True
        )
        self._thread.start()
        try:
            self._run(self.startup())
        except BaseException:
            self._stop_loop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._run(self.shutdown())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
