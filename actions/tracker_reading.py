"""Reading what Rasa's NLU put in the latest message, in the shapes bot/ works with."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from bot.clarify import Ranked
from bot.escalation.summary import Turn, readable_turns
from bot.identity.throttle import CLIENT_METADATA_KEY
from bot.language.entities import resolve_entities

# ResponseSelector output key when it is trained on all retrieval intents together.
SELECTOR_KEY = "default"


def intent_ranking(tracker: Tracker) -> list[Ranked]:
    return [
        Ranked(item["name"], float(item.get("confidence") or 0.0))
        for item in tracker.latest_message.get("intent_ranking") or []
        if item.get("name")
    ]


def _selector_ranking(parse_data: dict) -> list[Ranked]:
    selector = (parse_data.get("response_selector") or {}).get(SELECTOR_KEY) or {}
    return [
        Ranked(item["intent_response_key"], float(item.get("confidence") or 0.0))
        for item in selector.get("ranking") or []
        if item.get("intent_response_key")
    ]


def answer_ranking(tracker: Tracker) -> list[Ranked]:
    """The response selector's ranking of exact answers ("route/studentcoach", ...)."""
    return _selector_ranking(tracker.latest_message or {})


def message_entities(tracker: Tracker) -> dict[str, str]:
    """Canonical entity values in the latest message (route content only, never identity)."""
    found = [
        (entity["entity"], str(entity.get("value", "")))
        for entity in tracker.latest_message.get("entities") or []
        if entity.get("entity")
    ]
    return resolve_entities(found)


def raw_entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value") is not None:
            return str(entity["value"])
    return None


def bot_actions_newest_first(tracker: Tracker) -> list[str]:
    """Names of the actions the bot ran before this turn, newest first, without listening."""
    names = [
        event.get("name")
        for event in reversed(tracker.events)
        if event.get("event") == "action" and event.get("name") != "action_listen"
    ]
    return [name for name in names if name]


def previous_user_message(tracker: Tracker) -> tuple[str, list[Ranked]] | None:
    """The person's message before the latest one: its text and the response
    selector's ranking of answers for it; None when there was none."""
    users = [event for event in reversed(tracker.events) if event.get("event") == "user"]
    if len(users) < 2:
        return None
    earlier = users[1]
    return str(earlier.get("text") or ""), _selector_ranking(earlier.get("parse_data") or {})


def recent_turns(tracker: Tracker, limit: int = 12) -> list[Turn]:
    """The last user and bot turns, oldest first, as a person would tell them."""
    return readable_turns(tracker.events)[-limit:]


def work_key(tracker: Tracker, kind: str) -> str:
    """An idempotency key for what this message asked: the same message gives the same key."""
    message = tracker.latest_message or {}
    return f"{kind}:{tracker.sender_id}:{message.get('message_id') or message.get('text')}"


def client_key_of(tracker: Tracker) -> str | None:
    """The keyed hash of the client's address the chat channel put on the latest user
    message (channels/guarded.py overwrites whatever a browser sent under that name)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            key = metadata.get(CLIENT_METADATA_KEY) if isinstance(metadata, dict) else None
            return key if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{64}", key) else None
    return None
