"""Asking the Rasa server to run an intent in a conversation (its HTTP API).

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
NUDGE_INTENT = "show_nudge"


async def trigger_intent(
    settings: Settings, conversation_id: str, intent: str
) -> list[dict] | None:
    """Wakes the conversation with an API-only intent; the action reads what to say from
    the database. Returns the bot's messages, or None when Rasa could not do it."""
    url = f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
    params = {"output_channel": "latest", "token": settings.rasa_token}
    try:
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(url, params=params, json={"name": intent}) as response,
        ):
            if response.status != 200:
                logger.warning("Rasa refused the %s intent: HTTP %s.", intent, response.status)
                return None
            body = await response.json()
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("Rasa could not be reached for %s: %s.", intent, type(error).__name__)
        return None
    return list(body.get("messages") or [])


async def trigger_reply(settings: Settings, conversation_id: str) -> list[dict] | None:
    """Delivers a coordinator's stored reply into the conversation."""
    return await trigger_intent(settings, conversation_id, REPLY_INTENT)
