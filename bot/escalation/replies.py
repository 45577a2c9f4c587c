"""A coordinator's reply, or a notice of a live handover, on its way into the chat.

The inbox stores the reply; the bot delivers it when Rasa runs the reply action for
the conversation. The text always comes from the database, never from the request
that woke the bot up. The person's own messages in the thread are never delivered back,
and nothing is delivered about a person who is no longer in the conversation (logged
out, see bot/escalation/presence.py): it stays undelivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, Handoff, HandoffMessage
from bot.escalation.presence import person_still_there
from bot.vocabulary import ThreadAuthor


@dataclass(frozen=True)
class Reply:
    reference: str
    coordinator_name: str
    body: str  # the reply, or for a notice its kind (bot/escalation/handover.py)
    notice: bool = False
    school_name: str | None = None
    live: bool = False  # written while the coordinator talks live with the person


def add_reply(
    session: Session, handoff: Handoff, coordinator_id: int, body: str, *, now: datetime
) -> HandoffMessage:
    message = HandoffMessage(
        handoff_id=handoff.id,
        author=ThreadAuthor.COORDINATOR,
        coordinator_id=coordinator_id,
        body=body,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def take_replies(session: Session, conversation_id: str, *, now: datetime) -> list[Reply]:
    """Undelivered replies to this conversation's handoffs, oldest first, marked
    delivered; not those of a handoff whose person has left the conversation."""
    rows = session.execute(
        select(HandoffMessage, Handoff, Coordinator)
        .join(Handoff, HandoffMessage.handoff_id == Handoff.id)
        .join(Coordinator, HandoffMessage.coordinator_id == Coordinator.id)
        .where(
            Handoff.conversation_id == conversation_id,
            HandoffMessage.delivered_at.is_(None),
            HandoffMessage.author != ThreadAuthor.PERSON,
        )
        .order_by(HandoffMessage.id)
    ).all()
    replies = []
    there: dict[int, bool] = {}
    for message, handoff, coordinator in rows:
        if handoff.id not in there:
            there[handoff.id] = person_still_there(session, handoff)
        if not there[handoff.id]:
            continue
        message.delivered_at = now
        replies.append(
            Reply(
                reference=handoff.reference,
                live=handoff.live_since is not None,
                coordinator_name=coordinator.name,
                body=message.body,
                notice=message.author is ThreadAuthor.NOTICE,
                school_name=coordinator.school.name if coordinator.school else None,
            )
        )
    session.flush()
    return replies
