"""Asking the Rasa server to run an action in a conversation (its HTTP API)."""

from __future__ import annotations

import logging
from urllib.parse import quote

import aiohttp

from bot.settings import Settings

logger = logging.getLogger(__name__)
REPLY_INTENT = "coordinator_reply"


async def trigger_reply(settings: Settings, conversation_id: str) -> list[dict] | None:
    """Wakes the conversation so the bot delivers the stored reply; the reply text itself
    is read from the database by the action. Returns the bot's messages, None on failure."""
    url = f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
    params = {"output_channel": "latest", "token": settings.rasa_token}
    try:
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(url, params=params, json={"name": REPLY_INTENT}) as response,
        ):
            if response.status != 200:
                logger.warning("Rasa refused to deliver a reply: HTTP %s.", response.status)
                return None
            body = await response.json()
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("Rasa could not be reached to deliver a reply: %s.", type(error).__name__)
        return None
    return list(body.get("messages") or [])
