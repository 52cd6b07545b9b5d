from __future__ import annotations

import asyncio
import logging

import pytest

from flask import Flask
from flask.testing import FlaskClient
from flask.testing import WebsocketResponseError


def test_page_links_the_websockets(logged_in: FlaskClient) -> None:
    page = logged_in.get("/").text
    assert "Logged in as <b>Ada</b>" in page
    assert '"ws://localhost/live/echo"' in page
    assert '"ws://localhost/live/clock"' in page


def test_login_form_without_session(client: FlaskClient) -> None:
    assert 'name="name"' in client.get("/").text


@pytest.mark.parametrize("path", ["/live/echo", "/live/clock"])
def test_websockets_need_a_login(client: FlaskClient, path: str) -> None:
    with pytest.raises(WebsocketResponseError) as info:
        with client.websocket(path):
            pass
    assert info.value.response.status_code == 401


def test_echo(logged_in: FlaskClient) -> None:
    with logged_in.websocket("/live/echo") as ws:
        ws.send_json({"text": "hello"})
        assert ws.receive_json() == {"user": "Ada", "n": 1, "text": "HELLO"}
        ws.send_json({"text": "again"})
        assert ws.receive_json()["n"] == 2


def test_clock_ticks_until_the_client_leaves(
    logged_in: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def ticks() -> list[str]:
        async with logged_in.websocket("/live/clock") as ws:
            return [(await ws.receive_json())["time"] for _ in range(3)]

    with caplog.at_level(logging.INFO):
        times = asyncio.run(ticks())
    assert len(times) == 3 and times == sorted(times)
    assert "WebSocket /live/clock closed for Ada" in caplog.text


def test_logout_closes_the_door(app: Flask, logged_in: FlaskClient) -> None:
    logged_in.post("/logout")
    with pytest.raises(WebsocketResponseError):
        with logged_in.websocket("/live/echo"):
            pass
