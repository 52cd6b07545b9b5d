"""The app of benchmarks/asgi_attack.py: tests/asgi/hardening_app.py with a
``/stats`` view (threads, loop tasks, open files, and what the app's
requests still running are waiting on)."""

from __future__ import annotations

import asyncio
import collections
import os
import threading
import typing as t

from hardening_app import app
from hardening_app import asgi

__all__ = ["asgi"]


@app.route("/stats")
async def stats() -> dict[str, t.Any]:
    me = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not me]
    kinds = collections.Counter(task.get_coro().__qualname__ for task in tasks)
    return {
        "threads": threading.active_count(),
        "tasks": len(tasks) + 1,
        "fds": len(os.listdir("/proc/self/fd")),
        "kinds": dict(kinds),
        "stacks": [_awaiting(task) for task in tasks if _serves(task)][:3],
    }


def _serves(task: asyncio.Task[t.Any]) -> bool:
    """Whether the task runs a request through the app (not the server's
    own tasks)."""
    return _awaiting(task).find("serve_http") >= 0


def _awaiting(task: asyncio.Task[t.Any]) -> str:
    """The chain of coroutines the task is suspended in, outermost first."""
    out = []
    coro: t.Any = task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        out.append(f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}")
        out[-1] += f" {frame.f_code.co_name}"
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return " <- ".join(out)
