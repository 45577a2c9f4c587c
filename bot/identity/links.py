"""Writing the link between a conversation and a person (reads go through access.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db.models import ConversationLink
from bot.vocabulary import LinkMethod, PersonRole


def link_conversation(
    session: Session,
    conversation_id: str,
    *,
    via: LinkMethod,
    student_id: int | None = None,
    guardian_id: int | None = None,
    proof: str | None = None,
) -> ConversationLink:
    """Links a conversation to exactly one student or guardian (replacing any old link).

    `proof` is what later messages must show (bot/identity/proof.py); without one, no
    message that comes through a chat channel opens the link."""
    if (student_id is None) == (guardian_id is None):
        raise ValueError("link a conversation to exactly one student or one guardian")
    role = PersonRole.STUDENT if student_id is not None else PersonRole.GUARDIAN
    link = session.get(ConversationLink, conversation_id) or ConversationLink(
        conversation_id=conversation_id
    )
    link.role, link.student_id, link.guardian_id = role, student_id, guardian_id
    link.selected_student_id = None
    link.linked_via = via
    link.proof = proof
    session.add(link)
    session.flush()
    return link
