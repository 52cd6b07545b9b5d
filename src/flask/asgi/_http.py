"""Serving one HTTP request: receive the body, drive the steps, respond.

:func:`serve_http` is the whole life of a request on the ASGI door:

1. the framing is checked (``Content-Length`` with ``Transfer-Encoding``
   is refused with 400, as gunicorn does) and the scope becomes an environ;
2. the body is received on the loop up to ``spill_size`` bytes, so a slow
   client costs a coroutine, not a thread; a body announced over
   ``MAX_CONTENT_LENGTH`` is not waited for (nor invited with ``100
   Continue``); a client that leaves meanwhile gets nothing run for it;
3. :class:`Exchange` drives the pipeline's steps (:mod:`._steps`): sync
   steps in the worker pool, async views, hooks and handlers on the loop
   (or in a worker when they would call coroutines from sync code); the
   body is received ahead, bounded, before code on the loop may read it;
4. the response is sent (:mod:`._stream`).

Every step of one request runs in one :class:`contextvars.Context`, so
``request``, ``g`` and ``session`` work everywhere and nothing leaks
between requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import typing as t

from werkzeug.exceptions import BadRequest

from .._async import InContext
from .._async import server_loop
from .._async import start_in
from .._plan import Plan
from .._plan import plan_of
from ._body import RequestBody
from ._bridge import Binding
from ._bridge import calls_async_from_sync
from ._bridge import Deferred
from ._bridge import fill_limit
from ._environ import environ_from_scope
from ._environ import Receive
from ._environ import Scope
from ._environ import Send
from ._lean import AFTER_PUSH
from ._lean import Continued
from ._lean import FAIL
from ._lean import Handover
from ._lean import open_environ
from ._lean import Opened
from ._lean import orphaned
from ._lean import RESPOND
from ._lean import RESUME
from ._lean import run_sync
from ._lean import send_parts
from ._lean import serve_lean
from ._pool import DROPPED
from ._pool import Gone
from ._scoped import scoped_context
from ._steps import abandon_after
from ._steps import call_wsgi
from ._steps import HOP
from ._steps import Outcome
from ._steps import Pipeline
from ._steps import plain_now

if t.TYPE_CHECKING:
    from . import ASGIApp
    from ._scoped import ScopeContext


async def serve_http(asgi: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one ``http`` scope with ``asgi``'s app."""
    app = asgi.app
    plan: Plan = plan_of(app)
    lean = plan.lean and plain_now(app)
    if lean:
        opened = scoped_context(app, scope, plan)
        if opened is not None:
            # No environ needed yet: the lean path with a scope context.
            await _serve_scoped(asgi, opened, receive, send)
            return
    environ = environ_from_scope(scope, None)
    if "HTTP_TRANSFER_ENCODING" in environ and "CONTENT_LENGTH" in environ:
        # Two framings: which one a proxy in front used is unknown (request
        # smuggling). Refused before anything is read, as gunicorn does.
        await send_error(
            send,
            environ,
            BadRequest("The request has both Content-Length and Transfer-Encoding."),
        )
        return
    loop = asyncio.get_running_loop()
    body: io.BytesIO | RequestBody | None
    if _no_body(environ):
        body = io.BytesIO(b"")
    else:
        body = await _receive_body(asgi, environ, receive, loop)
        if body is None:
            return  # the client left before its body was received
        # Receivers may have come or gone while the body arrived.
        lean = plan.lean and plain_now(app)
    environ["wsgi.input"] = body
    exchange: Exchange | None = None
    try:
        if lean and type(body) is not RequestBody:
            # Nothing of the user's may run around an async view: the lean
            # path, handing over to the general one where it must.
            cv = contextvars.copy_context()
            binding = asgi._binding_for(loop)
            done, handover = start_in(
                serve_lean(app, open_environ, environ, send, binding), cv
            )
            if not done:
                handover = await handover
            if handover is None:
                return
            exchange = Exchange(asgi, loop, receive, send, body, cv)
            outcome = await _take_over(exchange, environ, handover)
        else:
            exchange = Exchange(asgi, loop, receive, send, body)
            outcome = await exchange.drive(environ)
        if outcome is not None:
            await respond(exchange, outcome)
    finally:
        if exchange is not None:
            exchange.stop_watching()
        body.close()
        # The request refers to the environ and the environ (for werkzeug)
        # to the request: break the cycle, so both are freed at once.
        environ.pop("werkzeug.request", None)


async def _serve_scoped(
    asgi: ASGIApp, opened: Opened, receive: Receive, send: Send
) -> None:
    """The lean path for a request :func:`~._scoped.scoped_context` took:
    its environ is built only if something asks for the request (or the
    general path takes over)."""
    loop = asyncio.get_running_loop()
    ctx: ScopeContext = opened[0]  # type: ignore[assignment]
    cv = contextvars.copy_context()
    try:
        if opened[5]:
            await _serve_sync(asgi, opened, receive, send, loop, cv)
            return
        done, handover = start_in(
            serve_lean(asgi.app, None, opened, send, asgi._binding_for(loop)), cv
        )
        if not done:
            handover = await handover
        if handover is None:
            return
        environ = ctx.request.environ
        exchange = Exchange(asgi, loop, receive, send, environ["wsgi.input"], cv)
        try:
            outcome = await _take_over(exchange, environ, handover)
            if outcome is not None:
                await respond(exchange, outcome)
        finally:
            exchange.stop_watching()
    finally:
        if ctx._req is not None:
            ctx.release()


async def _serve_sync(
    asgi: ASGIApp,
    opened: Opened,
    receive: Receive,
    send: Send,
    loop: asyncio.AbstractEventLoop,
    cv: contextvars.Context,
) -> None:
    """The lean path for a sync view: one job in a worker (``run_sync``),
    then its response sent, or the general path going on from where the
    job left the request."""
    binding = asgi._binding_for(loop)
    pool = asgi.pool
    exchange = None
    if pool.saturated():
        # The job waits for a thread: dropped if the client leaves meanwhile
        # (as Exchange.run does).
        exchange = Exchange(asgi, loop, receive, send, _NO_BODY, cv)
        exchange.watch()
    try:
        result = await pool.submit(
            loop, cv, run_sync, (asgi.app, opened, binding, cv), exchange, orphaned
        )
    except Gone:
        return
    finally:
        if exchange is not None:
            exchange.stop_watching()
    if type(result) is not Continued:
        await send_parts(send, result)
        return
    if exchange is None:
        exchange = Exchange(asgi, loop, receive, send, _NO_BODY, cv)
    try:
        outcome: Outcome | Deferred | None = result.outcome
        if type(outcome) is Deferred:
            assert result.pipe is not None
            outcome = await exchange.go_on(result.pipe, _CONTINUE, outcome)
        if outcome is not None:
            await respond(exchange, t.cast(Outcome, outcome))
    finally:
        exchange.stop_watching()


async def _take_over(
    exchange: Exchange, environ: dict[str, t.Any], handover: Handover
) -> Outcome | None:
    """What the general path sends for a request the lean path handed over
    (``None``: nothing, the client left)."""
    if handover.step == RESPOND:
        return t.cast("Outcome | None", handover.value)
    return await exchange.go_on(
        exchange.take_over(environ, handover),
        handover.step,
        handover.value,
        handover.error,
    )


def _no_body(environ: dict[str, t.Any]) -> bool:
    """Whether the request certainly has no body to wait for.

    HTTP/1 frames a body with Content-Length or Transfer-Encoding: without
    them (or with a length of 0) there is none. (Some servers take a round
    trip between threads to answer ``receive()``.) HTTP/2 and 3 may send a
    body without a length; a client expecting "100 Continue" gets it from
    the first receive."""
    return (
        not _content_length(environ)
        and "HTTP_TRANSFER_ENCODING" not in environ
        and "HTTP_EXPECT" not in environ
        and environ["SERVER_PROTOCOL"] in _HTTP1
    )


async def _receive_body(
    asgi: ASGIApp, environ: dict[str, t.Any], receive: Receive, loop: t.Any
) -> io.BytesIO | RequestBody | None:
    """The request body as ``wsgi.input`` (when :func:`_no_body` cannot
    tell there is none): a complete small body is a ``BytesIO``; a longer
    one a :class:`RequestBody` with up to ``spill_size`` bytes received.
    ``None`` if the client left."""
    length = _content_length(environ)
    limit = asgi.app.config["MAX_CONTENT_LENGTH"]
    too_large = length is not None and limit is not None and length > limit
    if too_large:
        # Werkzeug answers 413 without reading such a body: do not wait for
        # it (nor invite it with "100 Continue") before the app runs.
        return RequestBody(
            receive, loop, spill_size=asgi.spill_size, timeout=asgi.body_timeout
        )
    message = await receive()
    if message["type"] != "http.request":
        return None
    data: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return io.BytesIO(data)
    body = RequestBody(
        receive, loop, data, spill_size=asgi.spill_size, timeout=asgi.body_timeout
    )
    if not too_large:
        size = asgi.spill_size
        if limit is not None:
            size = min(size, limit + 1)
        await body.preread(size)
        if body.truncated:
            body.close()
            return None
    return body


def _chain(done: asyncio.Future[t.Any], later: asyncio.Future[t.Any]) -> None:
    """Give ``later`` the outcome of ``done`` (unless it was cancelled)."""
    if later.done():
        return
    if done.cancelled():
        later.cancel()
    elif done.exception() is not None:
        later.set_exception(t.cast(BaseException, done.exception()))
    else:
        later.set_result(done.result())


#: Where :meth:`Exchange.go_on` starts besides the lean path's handovers.
_START = "start"  # the whole pipeline in a worker
_CONTINUE = "continue"  # from a step a worker job already returned
_INLINE = "inline"  # the steps around an async view on the loop if they can

_HTTP1 = frozenset({"HTTP/1.1", "HTTP/1.0"})
#: What ``Exchange._left`` holds while its last job may still run.
_RUNNING = object()
#: The body of a request the scope shows to have none.
_NO_BODY = io.BytesIO(b"")


def _content_length(environ: dict[str, t.Any]) -> int | None:
    value = environ.get("CONTENT_LENGTH")
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None


async def send_error(send: Send, environ: dict[str, t.Any], error: BadRequest) -> None:
    """Answer with werkzeug's page for ``error``, as a server would (the app
    is not involved), and close the connection."""
    response = error.get_response(environ)
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers.items()
    ]
    headers.append((b"connection", b"close"))
    await send(
        {"type": "http.response.start", "status": error.code, "headers": headers}
    )
    await send({"type": "http.response.body", "body": response.get_data()})


class Exchange:
    """One request and its client: where its steps run, its body, and
    whether the client is still there."""

    def __init__(
        self,
        asgi: ASGIApp,
        loop: asyncio.AbstractEventLoop,
        receive: Receive,
        send: Send,
        body: io.BytesIO | RequestBody,
        context: contextvars.Context | None = None,
    ) -> None:
        self.asgi = asgi
        self.app = asgi.app
        self.loop = loop
        self.receive = receive
        self.send = send
        #: The body, while some of it may still be on its way.
        self.body = body if type(body) is RequestBody else None
        #: Where every step of the request runs.
        self.context = contextvars.copy_context() if context is None else context
        #: Set when the client went away (seen while watching).
        self._gone = False
        self._watcher: asyncio.Task[None] | None = None
        #: Called on the loop when a disconnect is seen.
        self.on_disconnect: t.Callable[[], object] | None = None
        #: The job last submitted, what it left if its future was cancelled
        #: (``_RUNNING`` until it ended: it cannot be stopped), and what is
        #: to run after it.
        self._job: asyncio.Future[t.Any] | None = None
        self._left: t.Any = _RUNNING
        self._then: tuple[asyncio.Future[t.Any], t.Callable[..., t.Any], t.Any] | None
        self._then = None

    @property
    def disconnected(self) -> bool:
        """Whether the client went away (as far as was seen)."""
        body = self.body
        return self._gone or (body is not None and body.disconnected)

    # -- where code runs -------------------------------------------------------

    def run(self, func: t.Callable[..., t.Any], *args: t.Any) -> asyncio.Future[t.Any]:
        """Run ``func`` in a worker thread, in the request's context. Dropped
        (raising :class:`Gone`) if the client leaves while it waits for a
        thread: a job that has to wait starts a watch for the disconnect
        (unless the body is still arriving, which a watch would have to
        receive ahead of the reader)."""
        pool = self.asgi.pool
        if pool.saturated():
            body = self.body
            if body is None or body.complete:
                self.watch()
        self._left = _RUNNING
        job = self._job = pool.submit(
            self.loop, self.context, func, args, self, self._orphaned
        )
        return job

    def run_always(
        self, func: t.Callable[..., t.Any], *args: t.Any
    ) -> asyncio.Future[t.Any]:
        """Run ``func`` in a worker thread even if the client left
        (closing, teardown)."""
        self._left = _RUNNING
        job = self._job = self.asgi.pool.submit(
            self.loop, self.context, func, args, None, self._orphaned
        )
        return job

    def after_job(
        self, func: t.Callable[..., t.Any], *args: t.Any
    ) -> asyncio.Future[t.Any]:
        """Run ``func(*args, value)`` in a worker thread once the job last
        submitted has ended, ``value`` being what it returned (``None`` if
        it raised or never ran): at once, unless the request was cancelled
        while the job ran. Two jobs of one request cannot run at once (its
        context can be entered only once), and a cancelled job cannot be
        stopped: clean-up (pop, close) waits for it."""
        job = self._job
        value = None
        if job is not None and job.cancelled():
            value = self._left
            if value is _RUNNING:
                later = self.loop.create_future()
                self._then = (later, func, args)
                return later
        elif job is not None and job.done() and job.exception() is None:
            value = job.result()
        return self.run_always(func, *args, value)

    def _orphaned(self, value: t.Any) -> None:
        """On the loop: the job last submitted, whose future was cancelled,
        ended with ``value`` (see ``WorkerPool.submit``)."""
        if value is DROPPED or isinstance(value, BaseException):
            value = None
        self._left = value
        then = self._then
        if then is not None:
            self._then = None
            later, func, args = then
            job = self.run_always(func, *args, value)
            job.add_done_callback(lambda done: _chain(done, later))

    async def before_loop_code(self) -> None:
        """Receive the body ahead (bounded) before code that may read it
        runs on the loop, where reading cannot wait."""
        body = self.body
        if body is not None and not body.complete:
            await body.fill(
                self.context.run(fill_limit, self.app, self.asgi.read_ahead)
            )

    # -- the client ----------------------------------------------------------

    def watch(self, drain: bool = False) -> None:
        """Start watching for the client's disconnect (once). ``drain``:
        the app is done with the request body, so what more of it arrives
        is received and dropped."""
        if self._watcher is None and not self.disconnected:
            self._watcher = self.loop.create_task(self._watch(drain))

    async def _watch(self, drain: bool) -> None:
        body = self.body
        if body is not None:
            limit = self.app.config["MAX_CONTENT_LENGTH"]
            if drain:
                keep = 0
            else:
                keep = self.asgi.read_ahead if limit is None else limit
            await body.watch(keep)
        else:
            while (await self.receive())["type"] != "http.disconnect":
                pass
        self._gone = True
        callback = self.on_disconnect
        if callback is not None:
            callback()

    def stop_watching(self) -> None:
        watcher = self._watcher
        if watcher is not None:
            self._watcher = None
            watcher.cancel()

    # -- the pipeline --------------------------------------------------------

    def _bind(self) -> Binding:
        """Bind the request to this server (``ensure_sync`` and background
        tasks ask it how to run; see :mod:`._bridge`)."""
        binding = Binding(
            self.loop, self.app, self.asgi.pool, self.body, self.asgi.read_ahead
        )
        self.context.run(server_loop.set, binding)
        return binding

    async def drive(self, environ: dict[str, t.Any]) -> Outcome | None:
        """Run the request's steps; the outcome to send, or ``None`` if the
        client left before the work was done."""
        app = self.app
        binding = self._bind()
        plan = plan_of(app)
        if not plan.splittable:
            try:
                return t.cast(Outcome, await self.run(call_wsgi, app, environ))
            except Gone:
                return None
        pipe = Pipeline(app, environ, binding, plan)
        if plan.inline and plain_now(app):
            return await self.go_on(pipe, _INLINE)
        return await self.go_on(pipe, _START)

    def take_over(self, environ: dict[str, t.Any], handover: Handover) -> Pipeline:
        """The pipeline that goes on with a request where the lean path
        (:mod:`._lean`) stopped (see :meth:`go_on`)."""
        pipe = Pipeline(self.app, environ, self._bind())
        pipe.ctx = handover.ctx
        pipe.inline_after = handover.after
        if handover.step == RESUME:
            pipe.phase = "view"
        else:
            pipe.pending_error = t.cast("Exception | None", handover.error)
        return pipe

    async def go_on(
        self,
        pipe: Pipeline,
        step: str,
        value: t.Any = None,
        error: BaseException | None = None,
    ) -> Outcome | None:
        """Run the pipeline's steps from ``step`` (where the lean path
        stopped, or the start) to the outcome to send; ``None`` if the
        client left before the work was done."""
        try:
            if step == _CONTINUE:
                outcome = value
            elif step == _START:
                outcome = await self.run(pipe.start)
            elif step == _INLINE:
                outcome = await self._inline(pipe)
            elif step == AFTER_PUSH:
                outcome = await self.run(pipe.after_push)
            elif step == FAIL:
                outcome = await self.run(pipe.fail)
            else:  # RESUME
                outcome = await self.run(pipe.resume, value, error)
            while type(outcome) is Deferred:
                outcome = await self._await_step(pipe, outcome)
        except Gone:
            await self.run_always(pipe.abandon)
            return None
        except asyncio.CancelledError as e:
            # Once the job that may still run (cancelled with the request)
            # has ended: teardown, and the response it made closed.
            self.after_job(abandon_after, pipe, e)
            raise
        return t.cast(Outcome, outcome)

    async def _inline(self, pipe: Pipeline) -> t.Any:
        """The steps around an async view on the loop, as far as no code of
        the user's runs (a body still arriving is received ahead first)."""
        cv = self.context
        outcome = cv.run(pipe.start_inline)
        if outcome is HOP:
            if pipe.pending_error is not None:
                return await self.run(pipe.fail)
            return await self.run(pipe.after_push)
        # The view's coroutine: awaited here, in the request's context, then
        # the request finished on the loop.
        await self.before_loop_code()
        try:
            value = await InContext(outcome, cv)
        except BaseException as e:
            return await self.run(pipe.resume, None, e)
        return await self._finished(pipe, value)

    async def _finished(self, pipe: Pipeline, value: t.Any) -> t.Any:
        """Finish the request with the value of a view or handler awaited on
        the loop: there too, or in a worker when that would run user code."""
        outcome = self.context.run(pipe.finish_inline, value)
        if outcome is HOP:
            if pipe.pending_error is not None:
                return await self.run(pipe.fail)
            return await self.run(pipe.resume, value, None)
        return outcome

    async def _await_step(self, pipe: Pipeline, deferred: Deferred) -> t.Any:
        """Await an async view, hook or handler the pipeline handed back,
        then continue the pipeline with its value or error."""
        try:
            req = pipe.ctx._request
            if calls_async_from_sync(self.app, req.blueprint if req else None):
                # It may call coroutines from sync code (async context
                # processors or signal receivers), which only a thread
                # of its own can wait for.
                value = await self.run(deferred.run_here)
            else:
                await self.before_loop_code()
                value = await InContext(deferred.run(), self.context)
        except Gone:
            raise
        except BaseException as e:
            return await self.run(pipe.resume, None, e)
        return await self._finished(pipe, value)


# Imported last: ``_stream`` refers back to this module's ``Exchange``.
from ._stream import respond  # noqa: E402
