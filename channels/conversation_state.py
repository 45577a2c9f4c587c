"""What the chat channel reads about a conversation before a message goes to the bot:
the link's lock (channels/proof.py) and whether a coordinator has the conversation live
(channels/handover.py). Both in one worker thread and one database session: they were
two of each for every message, a tenth of the Rasa server's work under load (issue 17).

A message's read is handed to the handover check of the same request (a context
variable: each request and each socket event runs in a task of its own), which takes it
once, and only for the conversation the message stays in; anything else reads afresh.
When only the handover could not be read, the link still decides (a message without
its proof still goes to a side conversation) and the handover check reads again. Reads
that are not for a message (a socket that listens, a bot message about to be sent) read
the link alone.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot import clock
from bot.escalation.handover import LiveHandover, live_for
from bot.identity.access import lock_of
from bot.identity.proof import Lock
from infra.db.session import session_scope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversationState:
    conversation_id: str
    lock: Lock | None
    live: LiveHandover | None
    read: bool = True  # False: the link could not be read
    live_read: bool = False  # True: `live` was read (only for a message)


_for_this_message: ContextVar[ConversationState | None] = ContextVar(
    "conversation_state", default=None
)


def _read(conversation_id: str, with_live: bool) -> ConversationState:
    with session_scope() as session:
        lock = lock_of(session, conversation_id, today=clock.today())
        if not with_live:
            return ConversationState(conversation_id, lock, None)
        try:
            live = live_for(session, conversation_id)
        except Exception as exc:
            # The link was read: it decides as always. Whether the conversation is live
            # is read again by the handover check, which lets the bot answer if it fails.
            logger.warning(
                "Could not read whether a conversation is live (%s).", type(exc).__name__
            )
            session.rollback()
            return ConversationState(conversation_id, lock, None)
        return ConversationState(conversation_id, lock, live, live_read=True)


async def read_state(conversation_id: str, *, for_message: bool = False) -> ConversationState:
    """The conversation's lock, read in a worker thread; with `for_message` also its
    live handover, kept for this request's handover check (take_state)."""
    try:
        state = await asyncio.to_thread(_read, conversation_id, for_message)
    except SQLAlchemyError as exc:
        logger.warning("Could not read a conversation's link (%s).", type(exc).__name__)
        state = ConversationState(conversation_id, None, None, read=False)
    _for_this_message.set(state if for_message and state.live_read else None)
    return state


def take_state(conversation_id: str) -> ConversationState | None:
    """The state this request's message read for `conversation_id`, once; None when it
    read none (or not whether the conversation is live), or for another conversation (a
    side conversation), or it was taken."""
    state = _for_this_message.get()
    _for_this_message.set(None)
    return state if state is not None and state.conversation_id == conversation_id else None
