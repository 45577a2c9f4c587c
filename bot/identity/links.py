"""The link between a conversation and a person, read from the database only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.audit import record_read
from bot.db.models import ConversationLink, LinkMethod, PersonRole


@dataclass(frozen=True)
class LinkedPerson:
    role: PersonRole
    person_id: int
    first_name: str


def link_conversation(
    session: Session,
    conversation_id: str,
    *,
    via: LinkMethod,
    student_id: int | None = None,
    guardian_id: int | None = None,
) -> ConversationLink:
    """Links a conversation to exactly one student or guardian (replacing any old link)."""
    if (student_id is None) == (guardian_id is None):
        raise ValueError("link a conversation to exactly one student or one guardian")
    role = PersonRole.STUDENT if student_id is not None else PersonRole.GUARDIAN
    link = session.get(ConversationLink, conversation_id) or ConversationLink(
        conversation_id=conversation_id
    )
    link.role, link.student_id, link.guardian_id = role, student_id, guardian_id
    link.selected_student_id = None
    link.linked_via = via
    session.add(link)
    session.flush()
    return link


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
