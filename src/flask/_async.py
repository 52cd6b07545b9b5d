"""Running ``async def`` views, hooks and handlers from synchronous WSGI code.

asgiref's ``AsyncToSync`` starts a thread and a fresh event loop for every
call. Here each OS thread keeps one event loop, created on first use and
reused until the thread ends, so a call costs one ``run_until_complete``.

The coroutine runs in a task whose context is a copy of the caller's, so
``request``, ``g`` and ``session`` work inside it. Context variables the
coroutine sets are copied back into the caller's context afterwards (as
asgiref does), so an async ``before_request`` hook can set one for the view.
Tasks the coroutine leaves running are cancelled and unfinished async
generators are closed when it returns, so nothing leaks into the next call.

If an event loop is already running in the calling thread (sync code called
from a coroutine, e.g. ``render_template`` with an async context processor
inside an async view), the coroutine runs on a new loop in a helper thread
while the caller waits, instead of failing like asgiref.
"""

from __future__ import annotations

import asyncio
import collections.abc as cabc
import contextvars
import inspect
import os
import sys
import threading
import types
import typing as t


class ServerLoop(t.Protocol):
    """What :mod:`flask.asgi` binds for a request it serves: async functions
    called through :func:`async_to_sync` run on the server's loop."""

    def call(
        self, func: t.Callable[..., t.Any], args: tuple[t.Any, ...], kwargs: t.Any
    ) -> t.Any: ...


#: Set in the context of a request served by :mod:`flask.asgi`.
server_loop: contextvars.ContextVar[ServerLoop] = contextvars.ContextVar(
    "flask.server_loop"
)
#: ``server_loop.set``, bound once (see ``flask.globals._cv_app_get``).
server_loop_set = server_loop.set

_MISSING_ASGIREF = "Install Flask with the 'async' extra in order to use async views."


class _ThreadLoop:
    """One thread's event loop, plus the tasks created on it during a call.

    A task factory records every task the call creates, which is much cheaper
    than scanning ``asyncio.all_tasks()`` to find the ones left running.
    ``threading.local`` storage is released when its thread finishes, which
    drops this object; closing the loop then frees its selector and sockets
    without an "unclosed event loop" warning.
    """

    __slots__ = ("loop", "created", "factory", "pid")

    def __init__(self) -> None:
        # Created in an empty context: the loop keeps a handle for its
        # self-pipe that holds the context current at creation, which would
        # otherwise keep the first request's app context alive.
        self.loop = contextvars.Context().run(asyncio.new_event_loop)
        #: The process the loop belongs to (see :func:`_close_loop`).
        self.pid = os.getpid()
        self.created: list[asyncio.Task[t.Any]] = []
        created = self.created

        def factory(
            loop: asyncio.AbstractEventLoop,
            coro: t.Any,
            **kwargs: t.Any,
        ) -> asyncio.Task[t.Any]:
            task = asyncio.Task(coro, loop=loop, **kwargs)
            created.append(task)
            return task

        self.factory = factory
        self.loop.set_task_factory(factory)

    def __del__(self) -> None:
        _close_loop(self.loop, self.pid)

    def settle(self, keep: t.Any = None) -> None:
        """Cancel tasks and close async generators that a finished call left
        behind, so they cannot run later in another request's context.

        With ``keep`` (an async generator being iterated step by step, which
        may hold others), async generators are left open: the next call
        without ``keep`` closes those left over."""
        loop = self.loop
        created = self.created
        if loop.get_task_factory() is not self.factory:
            # The call replaced the factory: scan everything and restore it.
            created[:] = asyncio.all_tasks(loop)
            loop.set_task_factory(self.factory)
        # ``_asyncgens`` is the loop's registry of started async generators.
        agens: t.Any = getattr(loop, "_asyncgens", None)
        # Cleanup may start new tasks (a ``finally`` that spawns one, the
        # ``aclose()`` calls), so repeat until a round leaves nothing behind.
        while True:
            pending = [task for task in created if not task.done()]
            created.clear()
            if pending:
                for task in pending:
                    task.cancel()
                loop.run_until_complete(
                    asyncio.gather(*pending, return_exceptions=True)
                )
            elif agens and keep is None:
                gens = list(agens)
                agens.clear()
                loop.run_until_complete(_close_all(gens))
            else:
                return


async def _close_all(gens: list[t.Any]) -> None:
    await asyncio.gather(*(g.aclose() for g in gens), return_exceptions=True)


_state = threading.local()


def _close_loop(loop: asyncio.AbstractEventLoop, pid: int) -> None:
    """Close a thread's loop, made in process ``pid``, once nothing runs it
    any more."""
    if loop.is_closed() or loop.is_running():
        return
    if os.getpid() != pid:
        # A forked child dropping its copy of the parent's loop: closing it
        # would unregister the self-pipe from the epoll instance the child
        # shares with the parent, whose loop would then miss every wake-up
        # from another thread (``call_soon_threadsafe``, ``to_thread``).
        _release_copy(loop)
        return
    try:
        loop.close()
    except (OSError, ValueError):
        # Collected in one garbage cycle with its own sockets, whose
        # finalizers ran first: a selector loop then fails to unregister its
        # self-pipe. Mark it closed and free its selector.
        _release_copy(loop)


def _release_copy(loop: asyncio.AbstractEventLoop) -> None:
    """Mark a selector loop closed and close its file descriptors without
    telling its selector (no ``epoll_ctl``): for a copy inherited by a
    forked child, or one whose sockets are already finalized. Any other
    kind of loop is left as it is."""
    if not isinstance(loop, asyncio.BaseEventLoop):
        return
    asyncio.BaseEventLoop.close(loop)
    for name in ("_ssock", "_csock"):  # the self-pipe
        sock = getattr(loop, name, None)
        if sock is not None:
            sock.close()
    selector = getattr(loop, "_selector", None)
    if selector is not None:
        selector.close()


class _LoopCloser:
    """Kept by the thread's local storage only, next to its
    :class:`_ThreadLoop`: closes the loop as soon as the thread ends, even
    while frames kept by an exception's traceback (often in a reference
    cycle, freed only by a later garbage collection) still hold the
    ``_ThreadLoop``; collected with its sockets, the loop could not be
    closed first."""

    __slots__ = ("loop", "pid")

    def __init__(self, tl: _ThreadLoop) -> None:
        self.loop = tl.loop
        self.pid = tl.pid

    def __del__(self) -> None:
        _close_loop(self.loop, self.pid)


def _reset_after_fork() -> None:
    # A forked child must not share the parent's selector: start afresh
    # (the dropped copies are released, not closed: see _close_loop).
    global _state
    _state = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _thread_loop() -> _ThreadLoop:
    """Return this thread's event loop, creating it on first use."""
    tl: _ThreadLoop | None = getattr(_state, "tl", None)
    if tl is None or tl.loop.is_closed():
        tl = _state.tl = _ThreadLoop()
        _state.closer = _LoopCloser(tl)
    return tl


async def _await(aw: cabc.Awaitable[t.Any]) -> t.Any:
    return await aw


if sys.version_info >= (3, 11):

    def _run_on(
        tl: _ThreadLoop, coro: t.Any, ctx: contextvars.Context, keep: t.Any = None
    ) -> t.Any:
        """Run ``coro`` to completion on ``tl``'s loop inside ``ctx``."""
        try:
            return tl.loop.run_until_complete(tl.loop.create_task(coro, context=ctx))
        finally:
            tl.settle(keep)

else:  # pragma: no cover - Python 3.10

    async def _tracked(coro: t.Any, ctx: contextvars.Context) -> t.Any:
        # 3.10 tasks always run in a copy of the creating context: copy the
        # variables the coroutine changed back into ``ctx`` when it ends.
        try:
            return await coro
        finally:
            _adopt(contextvars.copy_context(), ctx)

    def _run_on(
        tl: _ThreadLoop, coro: t.Any, ctx: contextvars.Context, keep: t.Any = None
    ) -> t.Any:
        """Run ``coro`` to completion on ``tl``'s loop inside ``ctx``."""
        try:
            task = ctx.run(tl.loop.create_task, _tracked(coro, ctx))
            return tl.loop.run_until_complete(task)
        finally:
            tl.settle(keep)


def task_in(
    loop: asyncio.AbstractEventLoop, coro: t.Any, ctx: contextvars.Context
) -> asyncio.Task[t.Any]:
    """Create a task for ``coro`` on ``loop`` that runs inside ``ctx``."""
    if sys.version_info >= (3, 11):
        return loop.create_task(coro, context=ctx)
    return ctx.run(loop.create_task, _tracked(coro, ctx))  # pragma: no cover


def _adopt(src: contextvars.Context, dst: contextvars.Context | None = None) -> None:
    """Set every variable whose value differs in ``src`` in ``dst`` (or in the
    current context)."""
    missing = _adopt
    for var, value in src.items():
        if dst is None:
            if var.get(missing) is not value:
                var.set(value)
        elif dst.get(var, missing) is not value:
            dst.run(var.set, value)


def _run_in_helper_thread(coro: t.Any, ctx: contextvars.Context) -> t.Any:
    """Run ``coro`` on a fresh loop in a new thread, blocking until it ends.

    Used when this thread's loop is busy running the coroutine that called
    us; a new thread per call is fine for this rare path and cannot deadlock
    the way a bounded pool could with deeper nesting.
    """
    outcome: list[t.Any] = []
    error: list[BaseException] = []

    def main() -> None:
        tl = _ThreadLoop()
        try:
            outcome.append(_run_on(tl, coro, ctx))
        except BaseException as e:
            error.append(e)
        finally:
            tl.loop.close()

    thread = threading.Thread(target=main, name="flask-async-nested", daemon=True)
    thread.start()
    thread.join()
    if error:
        try:
            raise error[0]
        finally:
            del error[:]
    return outcome[0]


def run_sync(aw: cabc.Awaitable[t.Any], keep: t.Any = None) -> t.Any:
    """Run an awaitable to completion from synchronous code and return its
    result (or raise its exception) in the calling thread's context.

    Async generators left unfinished are closed afterwards, except ``keep``.
    """
    if type(aw) is not types.CoroutineType:
        if not inspect.isawaitable(aw):
            raise TypeError(f"Expected an awaitable, got {type(aw).__name__!r}.")
        aw = _await(aw)
    ctx = contextvars.copy_context()
    try:
        if asyncio._get_running_loop() is None:
            return _run_on(_thread_loop(), aw, ctx, keep)
        return _run_in_helper_thread(aw, ctx)
    finally:
        _adopt(ctx)


#: No step run yet (see :class:`InContext`).
_NO_STEP: t.Any = object()


class InContext:
    """An awaitable that runs the coroutine ``coro`` inside ``context``, the
    same :class:`contextvars.Context` object at every step (a task always
    runs in a copy on Python 3.10): variables it sets stay in ``context``,
    and a token it got at one step can reset the variable at a later one.
    ``step`` is what its first step yielded when it was run already (see
    :func:`start_in`)."""

    __slots__ = ("_coro", "_context", "_step")

    def __init__(
        self, coro: t.Any, context: contextvars.Context, step: t.Any = _NO_STEP
    ) -> None:
        self._coro = coro
        self._context = context
        self._step = step

    def __await__(self) -> t.Generator[t.Any, t.Any, t.Any]:
        coro = self._coro
        run = self._context.run
        value: t.Any = None
        error: BaseException | None = None
        step = self._step
        while True:
            if step is _NO_STEP:
                try:
                    if error is None:
                        step = run(coro.send, value)
                    else:
                        step = run(coro.throw, error)
                except StopIteration as stop:
                    return stop.value
                error = None
            try:
                value = yield step
            except GeneratorExit:
                run(coro.close)
                raise
            except BaseException as e:
                value, error = None, e
            step = _NO_STEP


def start_in(coro: t.Any, context: contextvars.Context) -> tuple[bool, t.Any]:
    """Run the first step of the coroutine ``coro`` inside ``context``:
    ``(True, its result)`` if it finished there (most requests that await
    nothing but sends that need no waiting do), else ``(False, an
    awaitable)`` running the rest as :class:`InContext` does. Spares such
    requests the awaitable and its generator."""
    try:
        step = context.run(coro.send, None)
    except StopIteration as stop:
        return True, stop.value
    return False, InContext(coro, context, step)


class SyncIterator:
    """A sync iterator over an async iterable, each item awaited on this
    thread's loop: how an async generator response body is sent by a WSGI
    server (and the test client). The generator runs in a context of its
    own, copied when the iterator is made, at every step."""

    __slots__ = ("_it", "_context")

    def __init__(self, iterable: cabc.AsyncIterable[t.Any]) -> None:
        self._it = iterable.__aiter__()
        self._context = contextvars.copy_context()

    def __iter__(self) -> SyncIterator:
        return self

    def __next__(self) -> t.Any:
        it = self._it
        try:
            return run_sync(InContext(it.__anext__(), self._context), keep=it)
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        """Close the async iterable (its ``finally`` blocks run)."""
        aclose = getattr(self._it, "aclose", None)
        if aclose is not None:
            run_sync(InContext(aclose(), self._context))


class _SyncCall:
    """The sync callable returned by :func:`async_to_sync`.

    A slotted object rather than a closure with ``functools.wraps``: it is
    built on every ``ensure_sync`` call, so it should cost next to nothing;
    name and signature are read from the wrapped function on demand.
    """

    __slots__ = ("__wrapped__",)

    def __init__(self, func: t.Callable[..., t.Any]) -> None:
        self.__wrapped__ = func

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        server = server_loop.get(None)
        if server is not None:
            return server.call(self.__wrapped__, args, kwargs)
        return run_sync(self.__wrapped__(*args, **kwargs))

    @property
    def __name__(self) -> str:
        return getattr(self.__wrapped__, "__name__", "_SyncCall")

    def __repr__(self) -> str:
        return f"<sync wrapper of {self.__wrapped__!r}>"


def async_to_sync(
    func: t.Callable[..., cabc.Awaitable[t.Any]],
) -> t.Callable[..., t.Any]:
    """Return a sync callable that calls ``func`` and runs the awaitable it
    returns on this thread's event loop (see the module docstring).

    Under WSGI, raises ``RuntimeError`` if asgiref (the ``flask[async]``
    extra) is not installed, like Flask: the runner does not use asgiref, but
    Flask declares async support through that extra, so what works here
    works on Flask. Served over ASGI (:mod:`flask.asgi`), no extra is needed.
    """
    if sys.modules.get("asgiref.sync") is None and server_loop.get(None) is None:
        try:
            import asgiref.sync  # noqa: F401  # pyright: ignore[reportUnusedImport]
        except ImportError:
            raise RuntimeError(_MISSING_ASGIREF) from None
    return _SyncCall(func)
