"""``TRUSTED_HOSTS`` rejects other hosts with a 400, and werkzeug's
``ProxyFix`` wired around ``app.wsgi_app`` feeds the request, ``url_for`` and
the host check."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from flask import Flask
from flask import request
from flask import url_for
from flask.testing import FlaskClient


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.route("/where")
    def where() -> dict[str, t.Any]:
        return {
            "host": request.host,
            "scheme": request.scheme,
            "remote": request.remote_addr,
            "root": request.root_path,
            "url": request.url,
            "external": url_for("where", _external=True),
        }

    return app


TRUSTED = ["example.com", ".good.org", "localhost"]


@pytest.mark.parametrize(
    "host",
    ["example.com", "example.com:8080", "a.good.org", "a.b.good.org", "good.org"],
)
def test_trusted_hosts_accepted(
    app: Flask, client: FlaskClient, errors: list[BaseException], host: str
) -> None:
    app.config["TRUSTED_HOSTS"] = TRUSTED
    rv = client.get("/where", headers={"Host": host})
    assert rv.status_code == 200
    assert rv.json["host"] == host
    assert rv.json["external"] == f"http://{host}/where"
    assert errors == []


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "example.com.evil.com",
        "evil-example.com",
        "agood.org",
        "good.org.evil.com",
        "exa mple.com",
        "example.com@evil.com",
        "",
    ],
)
def test_untrusted_hosts_are_400(
    app: Flask, client: FlaskClient, errors: list[BaseException], host: str
) -> None:
    app.config["TRUSTED_HOSTS"] = TRUSTED
    rv = client.get("/where", headers={"Host": host})
    assert rv.status_code == 400
    assert errors == []


def test_untrusted_host_reaches_400_handler(app: Flask, client: FlaskClient) -> None:
    app.config["TRUSTED_HOSTS"] = TRUSTED

    @app.errorhandler(400)
    def bad_request(e: Exception) -> tuple[str, int]:
        return f"handled {type(e).__name__}", 400

    rv = client.get("/where", headers={"Host": "evil.com"})
    assert rv.status_code == 400
    assert rv.data == b"handled SecurityError"


def test_untrusted_host_also_rejected_for_unknown_urls(
    app: Flask, client: FlaskClient
) -> None:
    # The host is checked before routing: no 404 that reveals the URL map.
    app.config["TRUSTED_HOSTS"] = TRUSTED
    assert client.get("/nowhere", headers={"Host": "evil.com"}).status_code == 400


def test_no_trusted_hosts_accepts_any_valid_host(client: FlaskClient) -> None:
    rv = client.get("/where", headers={"Host": "anything.example"})
    assert rv.status_code == 200
    assert rv.json["host"] == "anything.example"


def test_proxy_fix_wiring(app: Flask, client: FlaskClient) -> None:
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1
    )
    rv = client.get(
        "/where",
        headers={
            "X-Forwarded-For": "203.0.113.9, 10.0.0.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "public.example.com",
            "X-Forwarded-Prefix": "/app",
        },
    )
    assert rv.json == {
        "host": "public.example.com",
        "scheme": "https",
        "remote": "10.0.0.1",
        "root": "/app",
        "url": "https://public.example.com/app/where",
        "external": "https://public.example.com/app/where",
    }


def test_proxy_fix_without_headers_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    rv = client.get("/where")
    assert rv.json["host"] == "localhost"
    assert rv.json["scheme"] == "http"
    assert rv.json["remote"] == "127.0.0.1"


def test_proxy_fix_ignores_spoofed_hops(app: Flask, client: FlaskClient) -> None:
    # One trusted proxy: only the last X-Forwarded-For value is believed.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    rv = client.get("/where", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.7"})
    assert rv.json["remote"] == "198.51.100.7"


@pytest.mark.parametrize(
    ("forwarded", "status"), [("public.example.com", 200), ("evil.com", 400)]
)
def test_trusted_hosts_checks_forwarded_host(
    app: Flask, client: FlaskClient, forwarded: str, status: int
) -> None:
    app.config["TRUSTED_HOSTS"] = ["public.example.com"]
    app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1)  # type: ignore[method-assign]
    rv = client.get("/where", headers={"X-Forwarded-Host": forwarded})
    assert rv.status_code == status


def test_trusted_hosts_without_proxy_fix_ignores_forwarded_host(
    app: Flask, client: FlaskClient
) -> None:
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    rv = client.get("/where", headers={"X-Forwarded-Host": "evil.com"})
    assert rv.status_code == 200
    assert rv.json["host"] == "localhost"
