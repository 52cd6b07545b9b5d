"""Async views in forked workers (gunicorn ``--preload``).

A pre-loading server imports the app once and forks the workers from it,
so whatever the package created at import (here: the event loop of an async
warm-up) is copied into every worker. The workers must still serve async
views that do real I/O, concurrently and correctly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import scaleout_harness as harness


def test_async_views_in_preloaded_forked_workers(
    redis_binary: str, workdir: Path
) -> None:
    redis = harness.RedisServer(redis_binary, workdir)
    redis.start()
    env = {"SCALEOUT_REDIS_PORT": str(redis.port)}
    server = harness.make_server(
        "sync", "preload_app:app", "preload", env, workdir, workers=3, preload=True
    )
    try:
        with harness.running([server]):
            tags = [f"t{i}" for i in range(90)]
            with ThreadPoolExecutor(9) as pool:
                results = list(
                    pool.map(
                        lambda tag: harness.request(server.port, "GET", f"/ping/{tag}"),
                        tags,
                    )
                )
            assert [r.status for r in results] == [200] * len(tags), [
                r.body for r in results if r.status != 200
            ][:3]
            for tag, resp in zip(tags, results, strict=True):
                assert resp.json() == {"reply": tag, "warm_up": "warm-up"}
            assert len({r.served_by for r in results}) == 3
    except BaseException:
        print(server.log_tail())
        raise
    finally:
        redis.stop()
