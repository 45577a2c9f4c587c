"""Calls to Rasa's HTTP API, against a real aiohttp server standing in for Rasa."""

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import load_settings
from infra.rasa_api import NUDGE_ACTION, execute_action, trigger_reply


def run_against(status: int, call):
    seen = []

    async def rasa(request):
        seen.append((request.path, dict(request.query), await request.json()))
        if status != 200:
            return web.Response(status=status)
        return web.json_response({"tracker": {}, "messages": []})

    async def go():
        app = web.Application()
        app.router.add_post("/conversations/{conversation}/{endpoint}", rasa)
        async with TestServer(app, host="127.0.0.1") as server:
            settings = load_settings({"RASA_PORT": str(server.port), "RASA_TOKEN": "t0k"})
            return await call(settings)

    return asyncio.run(go()), seen


def test_a_nudge_runs_its_action_in_the_latest_channel_of_the_conversation():
    result, seen = run_against(200, lambda s: execute_action(s, "chat/1 x", NUDGE_ACTION))
    assert result == []  # accepted; what was said went to the live channel
    path, query, body = seen[0]
    assert path == "/conversations/chat/1 x/execute"
    assert query == {"output_channel": "latest", "token": "t0k"}
    assert body == {"name": "action_show_nudge"}


def test_a_reply_triggers_its_intent_and_a_refusal_or_no_server_is_none():
    result, seen = run_against(200, lambda s: trigger_reply(s, "c1"))
    assert result == [] and seen[0][0].endswith("/trigger_intent")
    assert seen[0][2] == {"name": "coordinator_reply"}
    assert run_against(401, lambda s: trigger_reply(s, "c1"))[0] is None
    nobody = load_settings({"RASA_PORT": "9"})  # nothing listens on the discard port
    assert asyncio.run(execute_action(nobody, "c1", NUDGE_ACTION)) is None
