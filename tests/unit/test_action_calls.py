"""Custom action calls keep their connections (channels/action_calls.py): Rasa's own
request code, on a session that stays open, against a real HTTP server."""

from __future__ import annotations

import asyncio
import inspect

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

import channels.guarded  # noqa: F401 - loading the channels installs the kept sessions
from channels import action_calls


def test_rasa_still_borrows_its_session_through_session_in_an_async_with():
    # If an upgrade changes this, the replacement must be looked at again.
    source = inspect.getsource(EndpointConfig.request)
    assert "async with self.session() as session:" in source
    assert "session.request(" in source


def test_the_kept_sessions_are_installed_when_rasa_loads_the_channels():
    assert EndpointConfig.session is action_calls.kept_session


async def _calls(endpoint: EndpointConfig, count: int) -> tuple[list[int], list[dict]]:
    """Makes `count` calls to a real server; the client port of each, and the answers."""
    ports: list[int] = []

    async def webhook(request: web.Request) -> web.Response:
        ports.append(request.transport.get_extra_info("peername")[1])
        body = await request.json()
        return web.json_response({"events": [], "echo": body, "auth": request.headers.get("X")})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint.url = f"http://127.0.0.1:{port}/webhook"
    try:
        answers = [await endpoint.request(json={"n": n}, method="post") for n in range(count)]
        await action_calls.close_kept_sessions()
    finally:
        await runner.cleanup()
    return ports, answers


def test_calls_reuse_one_connection_and_answer_as_before():
    endpoint = EndpointConfig("http://unused", headers={"X": "sleutel"})
    ports, answers = asyncio.run(_calls(endpoint, 3))
    assert len(set(ports)) == 1  # one TCP connection for all three calls
    assert answers == [{"events": [], "echo": {"n": n}, "auth": "sleutel"} for n in range(3)]
    assert action_calls._kept == {}  # closed when the server stops


def test_without_the_kept_session_each_call_opened_its_own_connection(monkeypatch):
    # What Rasa does on its own: the test above can tell the difference.
    original = inspect.getattr_static(EndpointConfig, "session")
    assert original is action_calls.kept_session
    monkeypatch.setattr(EndpointConfig, "session", _rasa_session)
    ports, _ = asyncio.run(_calls(EndpointConfig("http://unused"), 3))
    assert len(set(ports)) == 3


def _rasa_session(self: EndpointConfig):  # Rasa 3.6's EndpointConfig.session
    import aiohttp

    return aiohttp.ClientSession(headers=self.headers, timeout=aiohttp.ClientTimeout(total=300))
