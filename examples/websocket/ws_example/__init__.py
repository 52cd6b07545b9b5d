"""WebSockets in a Flask app: see ``docs/websockets.rst``."""

from __future__ import annotations

import typing as t

from flask import Flask

if t.TYPE_CHECKING:
    from flask.asgi import ASGIApp


def create_app(test_config: dict[str, t.Any] | None = None) -> Flask:
    """The application factory: pages in ``views``, WebSockets in ``live``."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY="dev",
        # Seconds between two ticks of the live clock.
        CLOCK_INTERVAL=1.0,
        # The largest message a client may send (the default is 1 MiB).
        WEBSOCKET_MAX_MESSAGE_SIZE=64 * 1024,
    )
    if test_config is not None:
        app.config.update(test_config)

    from . import live
    from . import views

    app.register_blueprint(views.bp)
    app.register_blueprint(live.bp)
    return app


def create_asgi_app() -> ASGIApp:
    """``uvicorn --factory ws_example:create_asgi_app``."""
    return create_app().asgi_app
