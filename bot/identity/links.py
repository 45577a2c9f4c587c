"""The link between a conversation and a person, read from the database only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.audit import record_read
from bot.db.models import ConversationLink, PersonRole


@dataclass(frozen=True)
class LinkedPerson:
    role: PersonRole
    person_id: int
    first_name: str


def linked_person(session: Session, conversation_id: str) -> LinkedPerson | None:
    """The person this conversation is linked to, or None for an anonymous visitor.

    Reading the name is a read of personal data, so it is written to the audit log.
    """
    link = session.get(ConversationLink, conversation_id)
    if link is None:
        return None
    if link.role is PersonRole.STUDENT:
        person, person_id = link.student, link.student_id
    else:
        person, person_id = link.guardian, link.guardian_id
    record_read(
        session,
        conversation_id=conversation_id,
        subject_type=link.role.value,
        subject_id=person_id,
        what="first_name",
    )
    return LinkedPerson(role=link.role, person_id=person_id, first_name=person.first_name)
