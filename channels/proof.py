"""Which conversation a chat message is handled in, by what it proves (bot/identity/proof.py).

A message on a linked conversation that does not carry the link's proof (its chat
token, or the address a koppelcode was typed from) is handled in a side conversation
for that client: answered in full, risk check and crisis lines included, but without
the linked person's data. The link itself is read in a worker thread, never on the
event loop (channels/conversation_state.py, with the live handover in the same read).

If the domain database cannot be read, the message stays in its own conversation: the
actions then cannot read personal data either, and a student in trouble keeps the
conversation their signal, check-in or handoff is kept for (infra/kept.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.identity.proof import Lock, Offered, Standing, offered, side_conversation_id, standing
from bot.identity.tokens import TOKEN_METADATA_KEY
from channels.conversation_state import read_state

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkRead:
    lock: Lock | None
    read: bool = True  # False: the database could not be read


async def read_link(conversation_id: str, *, for_message: bool = False) -> LinkRead:
    """What the conversation asks of a message, read in a worker thread; with
    `for_message`, the read is kept for the message's handover check."""
    state = await read_state(conversation_id, for_message=for_message)
    return LinkRead(state.lock, state.read)


async def standing_of(conversation_id: str, offer: Offered) -> Standing | None:
    """Whether the message may speak in this conversation; None when the database
    could not be read."""
    link = await read_link(conversation_id, for_message=True)
    return standing(link.lock, offer) if link.read else None


def offer_of(metadata: dict[str, Any], client_key: str, secret_key: str) -> Offered:
    return offered(metadata.get(TOKEN_METADATA_KEY), client_key, secret_key=secret_key)


async def conversation_for(
    conversation_id: str, metadata: dict[str, Any], client_key: str, secret_key: str
) -> str:
    """The conversation this message is handled in: its own, or a side conversation."""
    found = await standing_of(conversation_id, offer_of(metadata, client_key, secret_key))
    if found is Standing.UNPROVEN:
        logger.info("A message without the link's proof is handled in a side conversation.")
        return side_conversation_id(conversation_id, client_key, secret_key=secret_key)
    return conversation_id
