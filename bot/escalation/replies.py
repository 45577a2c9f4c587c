"""A coordinator's reply on its way into the chat.

The inbox stores the reply; the bot delivers it when Rasa runs the reply action for
the conversation. The text always comes from the database, never from the request
that woke the bot up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, Handoff, HandoffMessage


@dataclass(frozen=True)
class Reply:
    reference: str
    coordinator_name: str
    body: str


def add_reply(
    session: Session, handoff: Handoff, coordinator_id: int, body: str, *, now: datetime
) -> HandoffMessage:
    message = HandoffMessage(
        handoff_id=handoff.id, coordinator_id=coordinator_id, body=body, created_at=now
    )
    session.add(message)
    session.flush()
    return message


def take_replies(session: Session, conversation_id: str, *, now: datetime) -> list[Reply]:
    """Undelivered replies to this conversation's handoffs, oldest first, marked delivered."""
    rows = session.execute(
        select(HandoffMessage, Handoff.reference, Coordinator.name)
        .join(Handoff, HandoffMessage.handoff_id == Handoff.id)
        .join(Coordinator, HandoffMessage.coordinator_id == Coordinator.id)
        .where(Handoff.conversation_id == conversation_id, HandoffMessage.delivered_at.is_(None))
        .order_by(HandoffMessage.created_at, HandoffMessage.id)
    ).all()
    replies = []
    for message, reference, name in rows:
        message.delivered_at = now
        replies.append(Reply(reference=reference, coordinator_name=name, body=message.body))
    session.flush()
    return replies
