"""Live handover at the chat's edge: while a coordinator has the conversation, a message
goes to the coordinator's thread, not to the bot (bot/escalation/handover.py).

The safety net stays: the message is read by the trained model (the same parse as any
turn, risk spotter included) and, when it signals risk, Rasa answers it as always
(words, crisis lines, the risk flag on the handoff) while the thread shows it marked.
A button the bot offered (a "/intent" payload) is meant for the bot and goes to it.

The database is read and written in a worker thread; whether the conversation is live
was mostly read with its link already (channels/conversation_state.py). When it cannot
be read, or the model cannot parse, the message goes to the bot as usual: the person is
never left without an answer because of the handover.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sanic.exceptions import SanicException
from sqlalchemy.exc import SQLAlchemyError

from bot import clock
from bot.escalation.handover import LiveHandover, live_for, relay
from bot.risk.decide import RISK_PROPERTY, RiskVerdict, verdict_for_text
from channels.conversation_state import take_state
from infra.db.session import session_scope

logger = logging.getLogger(__name__)

# Parses a text with the running model (Rasa's agent); the parse data as a dict.
Parse = Callable[[str], Awaitable[dict[str, Any]]]
# Rasa's server app (`rasa run` with its HTTP API), or the one without the API.
RASA_APPS = ("rasa_server", "rasa_core_no_api")


async def parse_with_model(text: str) -> dict[str, Any]:
    """The running model's parse of a text: the same pipeline as every turn."""
    for name in RASA_APPS:
        try:
            app = Sanic.get_app(name)
        except SanicException:
            continue
        return await app.ctx.agent.parse_message(text)
    raise LookupError("no Rasa server runs in this process")


def _live(conversation_id: str) -> LiveHandover | None:
    with session_scope() as session:
        return live_for(session, conversation_id)


def _relay(live: LiveHandover, text: str, flagged: bool) -> bool:
    with session_scope() as session:
        return relay(session, live, text, flagged=flagged, now=clock.now()) is not None


# What the person asks of the bot itself, even while a coordinator has the chat: to log
# out, to see or erase their data, a koppelcode, an e-mail address or an answer code.
FOR_THE_BOT = frozenset({"logout", "ask_my_data", "delete_my_data", "give_link_code"})


def is_for_the_bot(text: str | None) -> bool:
    """A button the bot offered, or nothing to pass on."""
    return not text or not text.strip() or text.startswith("/")


async def _read(parse: Parse, text: str) -> tuple[RiskVerdict | None, str | None]:
    """The model's risk verdict (the risk spotter's, as in any turn) and intent; the
    words alone when the model cannot parse now."""
    try:
        parsed = await parse(text)
    except Exception:
        logger.warning("The model could not read a message during a handover; words only.")
        return verdict_for_text(text), None
    intent = (parsed.get("intent") or {}).get("name")
    return RiskVerdict.from_dict(parsed.get(RISK_PROPERTY)), intent


async def relayed(conversation_id: str, text: str | None, parse: Parse) -> bool:
    """Relays the message to the coordinator when the conversation is live. True when
    that is all: the bot says nothing. False when the bot is to answer (not live, a
    button, something only the bot can do, a risk signal, or the database could not
    be reached)."""
    known = take_state(conversation_id)
    if is_for_the_bot(text):
        return False
    if known is not None:
        live = known.live  # read with the link, for this message
    else:
        try:
            live = await asyncio.to_thread(_live, conversation_id)
        except SQLAlchemyError as exc:
            failure = type(exc).__name__
            logger.warning("Could not read whether a conversation is live (%s).", failure)
            return False
    if live is None:
        return False
    verdict, intent = await _read(parse, text)
    if intent in FOR_THE_BOT and verdict is None:
        return False
    try:
        stored = await asyncio.to_thread(_relay, live, text, verdict is not None)
    except SQLAlchemyError as exc:
        logger.warning("Could not pass a message to the coordinator (%s).", type(exc).__name__)
        return False
    return stored and verdict is None


async def relay_if_live(message: UserMessage) -> bool:
    """The chat channel's question (channels/guarded.py): True when the message went to
    the coordinator and the bot is to say nothing. Whatever goes wrong here, the bot
    answers the message: never silence."""
    try:
        return await relayed(message.sender_id, message.text, parse_with_model)
    except Exception:
        logger.exception("A message could not be relayed during a handover; the bot answers.")
        return False
