"""The lean path: an async view with nothing of the user's around it.

Most requests of most async apps meet no hook, no signal receiver, no
override and no body still on its way, and their view returns a plain
value. For them the general driver (:class:`~._http.Exchange` with a
:class:`~._steps.Pipeline`) only decides, step after step, that the next
step runs on the loop. :func:`serve_lean` does the same steps in one
coroutine, run in the request's own context: push the context, await the
view, make the response, save the session, pop, and send it itself when
it is a ``str``, ``dict`` or ``(str, headers)`` returned while no session
is in use, or a buffered response served directly (``direct_parts``, as
``respond`` sends it); any other response is sent by the general path
(``respond``).

Wherever a request needs more (no matched rule, a hook, a sync view, an
error, ``after_this_request``, a value that runs user code to become a
response, a response werkzeug must serve), it stops and returns a
:class:`Handover`: the general path takes the request over at that point,
in the state it would have reached itself (see ``Exchange.take_over``).
So both give the same bytes, and the same calls in the same order.

A sync view with no hook (``flask._plain.direct_view``) of a request the
scope alone describes (``_scoped.scoped_context``) takes :func:`run_sync`
instead: the same steps in one job in a worker thread, where the general
path would push on the loop and then run the rest in a worker. Where it
needs more, the general path's pipeline takes over in that same job
(:class:`Continued`).
"""

from __future__ import annotations

import asyncio
import contextvars
import typing as t

from .._async import server_loop_set
from .._plain import bare
from .._plain import finish
from .._responses import direct_parts
from ._bridge import Binding
from ._bridge import Deferred
from ._environ import Send
from ._steps import abandon_after
from ._steps import finishes_plainly
from ._steps import open_inline
from ._steps import Outcome
from ._steps import Pipeline
from ._steps import serve_response
from ._steps import Started
from ._stream import response_headers

if t.TYPE_CHECKING:
    from ..app import Flask
    from ..ctx import AppContext

#: What the general path does next with a :class:`Handover`.
AFTER_PUSH = "after push"  # the steps after the push, in a worker
FAIL = "fail"  # handle ``error``, raised with the context pushed
RESUME = "resume"  # go on after the view gave ``value`` or raised ``error``
RESPOND = "respond"  # the context is popped; send ``value`` (an Outcome)


class Handover(t.NamedTuple):
    """Where the lean path stopped, for the general path to go on."""

    ctx: AppContext
    step: str
    #: Whether no after or teardown hook applies to the endpoint.
    after: bool
    value: t.Any = None
    error: BaseException | None = None


#: What an opener gives: the pushed context, the view (see
#: ``_steps.open_inline``), its arguments, whether no after or teardown hook
#: applies, whether the request is bare (``flask._plain.bare``), and
#: whether the view is a sync one for :func:`run_sync` (never, here).
Opened = tuple["AppContext", t.Any, dict[str, t.Any], bool, bool, bool]


def open_environ(app: Flask, environ: dict[str, t.Any]) -> Opened:
    """Push the context for ``environ`` (see ``_steps.open_inline``)."""
    ctx, view, after = open_inline(app, environ)
    req = ctx._request
    if req is None or view is None or isinstance(view, Exception):
        return ctx, view, {}, after, False, False
    return ctx, view, req.view_args, after, bare(req), False  # type: ignore[return-value]


async def serve_lean(
    app: Flask,
    open_: t.Callable[[Flask, t.Any], Opened] | None,
    request: t.Any,
    send: Send,
    binding: Binding,
) -> Handover | None:
    """Serve ``request`` on the loop if nothing of the user's runs around
    its view; else return where it stopped. ``request`` is an environ for
    ``open_`` (:func:`open_environ`), or with ``open_`` ``None`` what
    ``_scoped.scoped_context`` gives, pushed here. Run in a copy of the
    context made for this request."""
    server_loop_set(binding)
    if open_ is None:
        ctx, view, args, after, is_bare, _ = request
        try:
            ctx.push()
        except Exception as e:
            return Handover(ctx, FAIL, False, error=e)
    else:
        ctx, view, args, after, is_bare, _ = open_(app, request)
    if view is None:
        return Handover(ctx, AFTER_PUSH, after)
    if isinstance(view, Exception):
        # Error handling runs user code: in a worker.
        return Handover(ctx, FAIL, after, error=view)
    try:
        value = await view(**args)
    except BaseException as e:
        return Handover(ctx, RESUME, after, error=e)
    if not finishes_plainly(app, ctx, after, value):
        return Handover(ctx, RESUME, after, value=value)
    # finalize_request and process_response with no hook to run.
    try:
        # A buffered response served directly needs no environ: a request
        # without one is not a HEAD request.
        head = open_ is not None and request["REQUEST_METHOD"] == "HEAD"
        sent = finished(app, ctx, value, is_bare, head)
    except Exception as e:
        # Error handling runs user code: in a worker.
        return Handover(ctx, FAIL, after, error=e)
    except BaseException as e:
        ctx.pop(None if app.should_ignore_error(e) else e)
        raise
    ctx.pop(None)
    if isinstance(sent, Outcome):
        # Any other response is sent as the general path sends it.
        return Handover(ctx, RESPOND, after, value=sent)
    await send_parts(send, sent)
    return None


#: The status, headers and body of a response the lean path sends itself.
Parts = tuple[int, list[tuple[str, str]], bytes]


async def send_parts(send: Send, parts: Parts) -> None:
    """Send a response the lean path made: its two ASGI messages."""
    status, headers, data = parts
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": response_headers(headers),
        }
    )
    await send({"type": "http.response.body", "body": data})


def finished(
    app: Flask, ctx: AppContext, value: t.Any, is_bare: bool, head: bool
) -> Parts | Outcome:
    """``finish`` the request with the view's ``value``: the parts to send
    for a ``str`` or ``dict`` needing no response object or for a buffered
    response served directly (``direct_parts``, as ``respond`` sends it),
    else the :class:`~._steps.Outcome` the general path sends."""
    result = finish(app, ctx, value, is_bare)
    if isinstance(result, tuple):
        headers, data = result
        return 200, headers, data
    direct = direct_parts(result, head)
    if direct is None:
        return serve_response(result, ctx.request.environ, Started())
    headers, chunks = direct
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    # The status as the property gives it (direct_parts checked the class
    # serves like werkzeug's).
    return result._status_code, headers, data


class Continued(t.NamedTuple):
    """What :func:`run_sync` gives where the general path goes on: the
    pipeline (``None`` once the context is popped), the outcome to send
    or the async call to await next (a :class:`~._bridge.Deferred`), and
    the request's context and lean binding (to clean up after a request
    cancelled meanwhile, see :func:`orphaned`)."""

    pipe: Pipeline | None
    outcome: Outcome | Deferred
    context: contextvars.Context
    binding: Binding


def run_sync(
    app: Flask, opened: Opened, binding: Binding, cv: contextvars.Context
) -> Parts | Continued:
    """In a worker, in the request's context ``cv``: what
    :func:`serve_lean` does for an async view, for a sync one (``opened``
    by ``_scoped.scoped_context``): push, call the view, finish, pop. Where
    the request needs more (an error, a value that is not plain, a hook or
    receiver added meanwhile), the general path's pipeline goes on from
    that point in this same job."""
    ctx, view, args, after, is_bare, _ = opened
    server_loop_set(binding)
    try:
        ctx.push()
    except Exception as e:
        return _go_on(app, ctx, binding, cv, FAIL, after, None, e)
    try:
        value = view(**args)
    except BaseException as e:
        return _go_on(app, ctx, binding, cv, RESUME, after, None, e)
    if not finishes_plainly(app, ctx, after, value):
        return _go_on(app, ctx, binding, cv, RESUME, after, value, None)
    try:
        # (A scope context's request is never a HEAD request.)
        sent = finished(app, ctx, value, is_bare, False)
    except Exception as e:
        return _go_on(app, ctx, binding, cv, FAIL, after, None, e)
    except BaseException as e:
        ctx.pop(None if app.should_ignore_error(e) else e)
        raise
    ctx.pop(None)
    if isinstance(sent, Outcome):
        # Sent as the general path sends any other response.
        return Continued(None, sent, cv, binding)
    return sent


def _go_on(
    app: Flask,
    ctx: AppContext,
    lean: Binding,
    cv: contextvars.Context,
    step: str,
    after: bool,
    value: t.Any,
    error: BaseException | None,
) -> Continued:
    """The general path's pipeline going on from ``step`` (``RESUME`` or
    ``FAIL``, as for a :class:`Handover`) in this worker job, with a
    binding of the request's own (``Exchange.take_over``)."""
    binding = Binding(lean.loop, app, lean.pool, None, lean.read_ahead)
    server_loop_set(binding)
    pipe = Pipeline(app, ctx.request.environ, binding)
    pipe.ctx = ctx
    pipe.inline_after = after
    if step == RESUME:
        pipe.phase = "view"
        outcome = pipe.resume(value, error)
    else:
        pipe.pending_error = t.cast("Exception", error)
        outcome = pipe.fail()
    return Continued(pipe, outcome, cv, lean)


def orphaned(result: t.Any) -> None:
    """On the loop, once a :func:`run_sync` job whose request was cancelled
    ended with ``result``: what the general path does when cancelled, in a
    worker (see ``_steps.abandon_after``)."""
    if type(result) is Continued:
        binding = result.binding
        assert binding.pool is not None
        binding.pool.submit(
            binding.loop,
            result.context,
            abandon_after,
            (result.pipe, asyncio.CancelledError(), result.outcome),
        )
