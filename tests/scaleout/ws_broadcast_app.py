"""Scenario 6: a chat whose messages reach the WebSocket clients of every
process, through a Redis pub/sub channel (the pattern of docs/scaling.rst,
"Broadcasting to WebSocket clients", which includes this file).

Each process subscribes to the channel once, in a thread of its own, and
hands what arrives to its own connections; a handler publishes what its
client sends. ``FLASK_REDIS_URL`` names the server.
"""

import asyncio
import logging
import os
import queue
import threading

import redis
from flask_sock import Sock

from flask import Flask
from flask import websocket

CHANNEL = "chat"
#: Messages kept for a client that reads slower than others write; past
#: that it misses messages instead of growing the server's memory.
BACKLOG = 100
log = logging.getLogger(__name__)


class Relay:
    """This process's subscription to ``CHANNEL`` and its connections'
    inboxes. Started once per process (after a fork too); the subscriber
    reconnects when Redis goes away."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pid = None

    def start(self, client):
        with self.lock:
            if self.pid == os.getpid():
                return  # already running in this process
            self.pid = os.getpid()
            self.inboxes = set()
            self.subscribed = threading.Event()
            self.stopping = threading.Event()
            self.thread = threading.Thread(
                target=self._listen, args=(client,), name="relay", daemon=True
            )
            self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)

    def join(self, inbox):
        with self.lock:
            self.inboxes.add(inbox)

    def leave(self, inbox):
        with self.lock:
            self.inboxes.discard(inbox)

    def _listen(self, client):
        delay = 0.1
        while not self.stopping.is_set():
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                self.subscribed.set()
                delay = 0.1
                while not self.stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._deliver(message["data"].decode())
            except (redis.ConnectionError, redis.TimeoutError) as e:
                self.subscribed.clear()
                log.warning("relay: Redis is unreachable (%s), retrying", e)
                self.stopping.wait(delay)
                delay = min(delay * 2, 2.0)
            finally:
                pubsub.close()

    def _deliver(self, text):
        with self.lock:
            inboxes = list(self.inboxes)
        for inbox in inboxes:
            inbox.put(text)


class AsyncInbox:
    """The inbox of an ``async def`` handler: a queue of its event loop."""

    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue(BACKLOG)

    def put(self, text):
        self.loop.call_soon_threadsafe(self._offer, text)

    def _offer(self, text):
        if not self.queue.full():
            self.queue.put_nowait(text)


class ThreadInbox:
    """The inbox of a handler running in a thread (flask-sock's)."""

    def __init__(self):
        self.queue = queue.Queue(BACKLOG)

    def put(self, text):
        try:
            self.queue.put_nowait(text)
        except queue.Full:
            pass


relay = Relay()


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    client = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=2.0
    )

    def publish(text):
        """Publish ``text``; False if Redis is unreachable."""
        try:
            client.publish(CHANNEL, text)
        except (redis.ConnectionError, redis.TimeoutError):
            return False
        return True

    @app.while_serving
    def listening():
        # ASGI servers: subscribe at startup, stop at shutdown.
        relay.start(client)
        yield
        relay.stop()

    @app.websocket("/chat")
    async def chat():
        # Under a WSGI server (no lifespan) the first connection starts it.
        relay.start(client)
        await asyncio.to_thread(relay.subscribed.wait, 10)
        inbox = AsyncInbox()
        relay.join(inbox)
        await websocket.send("joined")  # from now on, it gets every message

        async def forward():
            while True:
                await websocket.send(await inbox.queue.get())

        sender = asyncio.create_task(forward())
        try:
            while True:
                text = await websocket.receive()
                if not await asyncio.to_thread(publish, text):
                    await websocket.send("not delivered: try again later")
        finally:
            sender.cancel()
            relay.leave(inbox)

    sock = Sock(app)

    @sock.route("/sock-chat")
    def sock_chat(ws):
        relay.start(client)
        relay.subscribed.wait(10)
        inbox = ThreadInbox()
        relay.join(inbox)
        ws.send("joined")
        try:
            while True:
                text = ws.receive(timeout=0.05)
                if text is not None and not publish(text):
                    ws.send("not delivered: try again later")
                while not inbox.queue.empty():
                    ws.send(inbox.queue.get_nowait())
        finally:
            relay.leave(inbox)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


app = create_app()
