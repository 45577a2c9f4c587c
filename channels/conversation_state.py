"""What the chat channel reads about a conversation before a message goes to the bot:
the link's lock (channels/proof.py) and whether a coordinator has the conversation live
(channels/handover.py). Both in one worker thread and one database session: they were
two of each for every message, a tenth of the Rasa server's work under load (issue 17).

A message's read is handed to the handover check of the same request (a context
variable: each request and each socket event runs in a task of its own), which takes it
once, and only for the conversation the message stays in; anything else reads afresh.
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
    read: bool = True  # False: the database could not be read


_for_this_message: ContextVar[ConversationState | None] = ContextVar(
    "conversation_state", default=None
)


def _read(conversation_id: str) -> ConversationState:
    with session_scope() as session:
        return ConversationState(
            conversation_id,
            lock_of(session, conversation_id, today=clock.today()),
            live_for(session, conversation_id),
        )


async def read_state(conversation_id: str, *, for_message: bool = False) -> ConversationState:
    """The conversation's lock and live handover, read in a worker thread. With
    `for_message`, kept for this request's handover check (take_state)."""
    try:
        state = await asyncio.to_thread(_read, conversation_id)
    except SQLAlchemyError as exc:
        logger.warning("Could not read a conversation's link (%s).", type(exc).__name__)
        state = ConversationState(conversation_id, None, None, read=False)
    _for_this_message.set(state if for_message and state.read else None)
    return state


def take_state(conversation_id: str) -> ConversationState | None:
    """The state this request's message read for `conversation_id`, once; None when it
    read none, or for another conversation (a side conversation), or it was taken."""
    state = _for_this_message.get()
    _for_this_message.set(None)
    return state if state is not None and state.conversation_id == conversation_id else None
