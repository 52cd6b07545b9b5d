"""Background tasks: work a view starts that outlives its request.

:meth:`Flask.add_background_task` hands a function to :class:`BackgroundTasks`
(one per app). It runs in an app context of its own (not the request's):

- served over ASGI, a coroutine function runs as a task on the server's
  loop and a sync function in the worker pool; shutdown (the lifespan
  ``shutdown`` event) waits for them up to a timeout, then cancels the
  coroutines still running;
- otherwise (a WSGI server, the test client) it runs in a thread of a
  small pool of the app's, a coroutine function on that thread's loop.

An error is logged with the app's logger and sent as the
:data:`~flask.signals.got_background_exception` signal; it never reaches the
request that started the task.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import threading
import typing as t

from .signals import got_background_exception

if t.TYPE_CHECKING:
    import asyncio

    from .app import Flask
    from .asgi._pool import WorkerPool


_Running: t.TypeAlias = "asyncio.Future[t.Any] | concurrent.futures.Future[t.Any]"


class BackgroundTasks:
    """The background tasks of one app (``app.background_tasks``)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        #: asyncio tasks and futures (ASGI) or concurrent futures (threads).
        self._running: set[_Running] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool: WorkerPool | None = None
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None

    def __len__(self) -> int:
        """How many tasks are still running."""
        return len(self._running)

    # -- serving (called by the ASGI lifespan) -----------------------------

    def serve(self, loop: asyncio.AbstractEventLoop, pool: WorkerPool) -> None:
        """Run tasks added from now on on ``loop`` and ``pool``."""
        self._loop = loop
        self._pool = pool

    def stop_serving(self) -> None:
        self._loop = None
        self._pool = None

    # -- adding --------------------------------------------------------------

    def add(self, func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> None:
        """Start ``func(*args, **kwargs)`` in the background."""
        from ._async import server_loop

        binding = server_loop.get(None)
        loop: asyncio.AbstractEventLoop | None = getattr(binding, "loop", self._loop)
        pool: WorkerPool | None = getattr(binding, "pool", None) or self._pool
        if loop is not None and pool is not None and not loop.is_closed():
            with self._lock:
                self._pending_starts += 1
            try:
                loop.call_soon_threadsafe(
                    self._start_on, loop, pool, func, args, kwargs
                )
            except RuntimeError:  # closed meanwhile: run it in a thread
                with self._lock:
                    self._pending_starts -= 1
            else:
                return
        threads = self._threads
        if threads is None:
            with self._lock:
                threads = self._threads
                if threads is None:
                    threads = self._threads = concurrent.futures.ThreadPoolExecutor(
                        thread_name_prefix="flask-background"
                    )
        future = threads.submit(
            contextvars.Context().run, self._run_sync, func, args, kwargs
        )
        self._track(future)

    _pending_starts = 0

    def _start_on(
        self,
        loop: asyncio.AbstractEventLoop,
        pool: WorkerPool,
        func: t.Callable[..., t.Any],
        args: tuple[t.Any, ...],
        kwargs: dict[str, t.Any],
    ) -> None:
        """On the loop: start the task."""
        import inspect

        from ._async import task_in

        with self._lock:
            self._pending_starts -= 1
        context = contextvars.Context()
        future: asyncio.Future[t.Any]
        if inspect.iscoroutinefunction(func):
            future = task_in(loop, self._run_async(func, args, kwargs), context)
        else:
            future = pool.submit(loop, context, self._run_sync, (func, args, kwargs))
        self._track(future)

    def _track(self, future: _Running) -> None:
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: _Running) -> None:
        with self._lock:
            self._running.discard(future)

    # -- running -------------------------------------------------------------

    async def _run_async(
        self, func: t.Callable[..., t.Any], args: tuple[t.Any, ...], kwargs: t.Any
    ) -> None:
        ctx = self.app.app_context()
        ctx.push()
        try:
            await func(*args, **kwargs)
        except Exception as e:
            self._report(e)
        finally:
            ctx.pop()

    def _run_sync(
        self, func: t.Callable[..., t.Any], args: tuple[t.Any, ...], kwargs: t.Any
    ) -> None:
        import inspect

        ctx = self.app.app_context()
        ctx.push()
        try:
            if inspect.iscoroutinefunction(func):
                from ._async import run_sync

                run_sync(func(*args, **kwargs))
            else:
                func(*args, **kwargs)
        except Exception as e:
            self._report(e)
        finally:
            ctx.pop()

    def _report(self, error: Exception) -> None:
        app = self.app
        app.logger.error("Exception in background task", exc_info=error)
        if got_background_exception.receivers:
            got_background_exception.send(
                app, _async_wrapper=app.ensure_sync, exception=error
            )

    # -- waiting -------------------------------------------------------------

    async def wait_async(self, timeout: float | None) -> None:
        """Wait (on the running loop) for every task to end, at most
        ``timeout`` seconds; then cancel the coroutine tasks still running
        (sync functions cannot be stopped: they are left to finish)."""
        import asyncio

        loop = asyncio.get_running_loop()
        # Let starts scheduled from other threads happen first.
        while self._pending_starts:
            await asyncio.sleep(0)
        with self._lock:
            running = list(self._running)
        if not running:
            return
        waitables: list[asyncio.Future[t.Any]] = [
            f if isinstance(f, asyncio.Future) else asyncio.wrap_future(f, loop=loop)
            for f in running
        ]
        _done, pending = await asyncio.wait(waitables, timeout=timeout)
        for future in pending:
            future.cancel()
        tasks: list[asyncio.Future[t.Any]] = [
            f for f in pending if isinstance(f, asyncio.Task)
        ]
        if tasks:
            await asyncio.wait(tasks)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait in this thread for the tasks run in threads (not on a
        loop); whether all of them ended within ``timeout``."""
        with self._lock:
            running: list[concurrent.futures.Future[t.Any]] = [
                f for f in self._running if isinstance(f, concurrent.futures.Future)
            ]
        _done, pending = concurrent.futures.wait(running, timeout=timeout)
        return not pending
