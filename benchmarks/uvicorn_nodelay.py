"""``uvicorn`` with ``TCP_NODELAY`` on every connection, ``--workers N`` too.

With ``--workers N`` (N > 1) uvicorn binds the listening socket itself,
leaving its protocol number at 0; asyncio then does not set ``TCP_NODELAY``
on the connections it accepts, and on Linux each keep-alive request after
the first waits for a delayed ACK (about 40 ms). This launcher rebuilds the
bound socket with ``IPPROTO_TCP`` and otherwise runs uvicorn's command line
unchanged::

    python benchmarks/uvicorn_nodelay.py hello:app.asgi_app --workers 4
"""

import socket
import sys

import uvicorn.config
from uvicorn.main import main

_bind_socket = uvicorn.config.Config.bind_socket


def bind_socket(self: uvicorn.config.Config) -> socket.socket:
    sock = _bind_socket(self)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(
            sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach()
        )
    return sock


uvicorn.config.Config.bind_socket = bind_socket  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
