"""Asking the Rasa server to act in a conversation (its HTTP API).

With output_channel=latest, Rasa sends what the bot says to the channel the person
last wrote from: over socket.io that reaches an open chat widget at once.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import aiohttp

from bot.settings import Settings

logger = logging.getLogger(__name__)
REPLY_INTENT = "coordinator_reply"
NUDGE_ACTION = "action_show_nudge"


async def _call(
    settings: Settings, conversation_id: str, endpoint: str, name: str
) -> list[dict] | None:
    url = f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}/{endpoint}"
    params = {"output_channel": "latest", "token": settings.rasa_token}
    try:
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(url, params=params, json={"name": name}) as response,
        ):
            if response.status != 200:
                logger.warning("Rasa refused %s: HTTP %s.", name, response.status)
                return None
            body = await response.json()
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("Rasa could not be reached for %s: %s.", name, type(error).__name__)
        return None
    # Messages that went to a live channel (socket.io) are not returned, only collected ones.
    return list(body.get("messages") or [])


async def trigger_intent(
    settings: Settings, conversation_id: str, intent: str
) -> list[dict] | None:
    """Wakes the conversation with an API-only intent; the bot then acts as its rules say.
    Returns the collected messages, or None when Rasa could not do it."""
    return await _call(settings, conversation_id, "trigger_intent", intent)


async def execute_action(
    settings: Settings, conversation_id: str, action: str
) -> list[dict] | None:
    """Runs one action in the conversation, with no intent (so no training data)."""
    return await _call(settings, conversation_id, "execute", action)


async def trigger_reply(settings: Settings, conversation_id: str) -> list[dict] | None:
    """Delivers a coordinator's stored reply into the conversation."""
    return await trigger_intent(settings, conversation_id, REPLY_INTENT)
