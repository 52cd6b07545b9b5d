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
"""

from __future__ import annotations

import typing as t

from .._async import server_loop
from .._plain import bare
from .._plain import finish
from .._responses import direct_parts
from ._bridge import Binding
from ._environ import Send
from ._steps import finishes_plainly
from ._steps import open_inline
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
#: applies, and whether the request is bare (``flask._plain.bare``).
Opened = tuple["AppContext", t.Any, dict[str, t.Any], bool, bool]


def open_environ(app: Flask, environ: dict[str, t.Any]) -> Opened:
    """Push the context for ``environ`` (see ``_steps.open_inline``)."""
    ctx, view, after = open_inline(app, environ)
    req = ctx._request
    if req is None or view is None or isinstance(view, Exception):
        return ctx, view, {}, after, False
    return ctx, view, req.view_args, after, bare(req)  # type: ignore[return-value]


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
    server_loop.set(binding)
    if open_ is None:
        ctx, view, args, after, is_bare = request
        try:
            ctx.push()
        except Exception as e:
            return Handover(ctx, FAIL, False, error=e)
    else:
        ctx, view, args, after, is_bare = open_(app, request)
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
        # A str or dict may need no response object.
        result = finish(app, ctx, value, is_bare)
        parts = outcome = None
        status = 200
        if isinstance(result, tuple):
            parts = result
        else:
            # A buffered response served directly needs no environ: a
            # request without one is not a HEAD request.
            head = open_ is not None and request["REQUEST_METHOD"] == "HEAD"
            direct = direct_parts(result, head)
            if direct is not None:
                headers, chunks = direct
                parts = headers, chunks[0] if len(chunks) == 1 else b"".join(chunks)
                # The status as the property gives it (direct_parts checked
                # the class serves like werkzeug's).
                status = result._status_code
            else:
                outcome = serve_response(result, ctx.request.environ, Started())
    except Exception as e:
        # Error handling runs user code: in a worker.
        return Handover(ctx, FAIL, after, error=e)
    except BaseException as e:
        ctx.pop(None if app.should_ignore_error(e) else e)
        raise
    ctx.pop(None)
    if parts is None:
        # Any other response is sent as the general path sends it.
        return Handover(ctx, RESPOND, after, value=outcome)
    headers, data = parts
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": response_headers(headers),
        }
    )
    await send({"type": "http.response.body", "body": data})
    return None
