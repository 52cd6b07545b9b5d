"""Scenario 6: WebSocket broadcast across processes through Redis pub/sub.

``ws_broadcast_app`` (the pattern of docs/scaling.rst) runs as two uvicorn
processes, whose relay subscribes at startup (``while_serving``), and
gunicorn's threaded worker with two workers, whose relay starts with the
first connection. Clients connect to every host, on the ``@app.websocket``
route and the flask-sock one; a message sent through one reaches every
client exactly once, and after a Redis restart the relays subscribe again
and later messages arrive.
"""

from __future__ import annotations

import asyncio
import time
import typing as t
from pathlib import Path

import pytest
import scaleout_harness as harness

websockets = pytest.importorskip("websockets")
redis = pytest.importorskip("redis")
pytest.importorskip("flask_sock")

from websockets.asyncio.client import ClientConnection  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

TARGET = "ws_broadcast_app:app"
CHANNEL = "chat"
#: Each client of a round: host index and route.
ROUTES = ("/chat", "/chat", "/sock-chat")


class Site(t.NamedTuple):
    redis: harness.RedisServer
    hosts: list[harness.AppServer]


@pytest.fixture(scope="module")
def site(redis_binary: str, workdir: Path) -> t.Iterator[Site]:
    server = harness.RedisServer(redis_binary, workdir)
    server.start()
    env = {"FLASK_REDIS_URL": server.url}
    hosts = [
        harness.make_server("uvicorn", TARGET, "uvicorn1", env, workdir),
        harness.make_server("uvicorn", TARGET, "uvicorn2", env, workdir),
        harness.make_server("gthread", TARGET, "gthread", env, workdir, threads=8),
    ]
    try:
        with harness.running(hosts):
            yield Site(server, hosts)
    finally:
        server.stop()


def subscribers(site: Site) -> int:
    client = redis.Redis.from_url(site.redis.url, socket_timeout=2)
    try:
        return int(client.pubsub_numsub(CHANNEL)[0][1])
    except redis.ConnectionError:
        return -1
    finally:
        client.close()


async def join(port: int, path: str) -> ClientConnection:
    ws = await connect(f"ws://127.0.0.1:{port}{path}", open_timeout=10)
    assert await asyncio.wait_for(ws.recv(), 10) == "joined"
    return ws


async def everyone_gets(clients: list[ClientConnection], text: str) -> None:
    """Each client receives ``text`` once, and nothing else follows."""
    got = await asyncio.gather(*(asyncio.wait_for(c.recv(), 10) for c in clients))
    assert got == [text] * len(clients)
    extra = await asyncio.gather(
        *(asyncio.wait_for(c.recv(), 0.3) for c in clients), return_exceptions=True
    )
    assert all(isinstance(e, asyncio.TimeoutError) for e in extra), extra


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_broadcast_reaches_every_process_once_and_survives_redis_restart(
    site: Site,
) -> None:
    async def main() -> None:
        clients = [
            await join(host.port, route) for host in site.hosts for route in ROUTES
        ]
        try:
            # Sent through uvicorn1 (native handler) and gunicorn (flask-sock).
            await clients[0].send("from uvicorn1")
            await everyone_gets(clients, "from uvicorn1")
            await clients[-1].send("from gunicorn")
            await everyone_gets(clients, "from gunicorn")

            before = subscribers(site)
            assert before >= 3  # two uvicorn processes, one gunicorn worker or two
            site.redis.stop()
            await clients[3].send("during the outage")
            reply = await asyncio.wait_for(clients[3].recv(), 10)
            assert reply == "not delivered: try again later"
            site.redis.start()
            deadline = time.monotonic() + 15
            while subscribers(site) != before:
                assert time.monotonic() < deadline, "the relays did not subscribe"
                await asyncio.sleep(0.1)
            # The connections stayed open; later messages arrive everywhere.
            await clients[4].send("after the restart")
            await everyone_gets(clients, "after the restart")
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    try:
        run(main())
    except BaseException:
        print(harness.logs(site.hosts))
        raise
