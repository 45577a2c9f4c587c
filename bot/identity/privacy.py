"""The AVG rights in the chat: what is stored about me, and erase it.

Both start from the identity gate (`authorise`): only the person the conversation is
linked to can see or erase their own data. Both are written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_change, record_read
from bot.campaigns.limits import opted_out
from bot.campaigns.recipients import recipient_key
from bot.content.catalog import text
from bot.db.models import (
    CampaignDelivery,
    CheckIn,
    ConversationLink,
    Guardian,
    Handoff,
    HandoffMessage,
    Student,
    TranscriptPurge,
)
from bot.identity.access import Purpose, authorise
from bot.identity.devices import forget_all, remembered_devices
from bot.identity.tokens import ChatClaims
from bot.teaching.review import erase_for
from bot.vocabulary import PersonRole

ERASED_TEXT = "[verwijderd op verzoek]"

# Events of the erasure turn itself are written within seconds of the request; a new
# conversation the person starts after this window is theirs to keep.
TURN_SETTLE = timedelta(seconds=60)


@dataclass(frozen=True)
class StoredData:
    """What is stored about the person, as (key, value) pairs in a fixed order."""

    role: PersonRole
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Erasure:
    # Conversations whose stored transcript is queued for removal from the tracker store.
    conversation_ids: tuple[str, ...]
    links_removed: int
    texts_anonymised: int


def schedule_purges(session: Session, conversation_ids: Iterable[str], *, now: datetime) -> int:
    """Queues the stored conversations for removal from Rasa's tracker store (done by
    infra/transcripts.py::purge_transcripts); returns how many were queued."""
    rows = [
        TranscriptPurge(
            conversation_id=conversation_id, requested_at=now, events_until=now + TURN_SETTLE
        )
        for conversation_id in sorted(set(conversation_ids))
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def _student_items(session: Session, student: Student) -> list[tuple[str, str]]:
    check_ins = session.scalars(select(CheckIn).where(CheckIn.student_id == student.id)).all()
    handoffs = session.scalars(select(Handoff).where(Handoff.student_id == student.id)).all()
    guardians = [relation.guardian.first_name for relation in student.guardian_links]
    items = [
        ("name", f"{student.first_name} {student.last_name}"),
        ("birth_date", student.birth_date.strftime("%d-%m-%Y")),
        ("school", student.school.name),
        ("phase", student.phase.name),
    ]
    if student.programme_type is not None:
        items.append(("programme_type", student.programme_type.value))
    items += [
        ("check_ins", str(len(check_ins))),
        ("notes", str(sum(1 for check_in in check_ins if check_in.note.strip()))),
        ("handoffs", str(len(handoffs))),
        ("guardians", ", ".join(sorted(guardians)) or "-"),
    ]
    return items


def _guardian_items(guardian: Guardian) -> list[tuple[str, str]]:
    children = sorted(relation.student.first_name for relation in guardian.student_links)
    return [
        ("name", f"{guardian.first_name} {guardian.last_name}"),
        ("email", "ja" if guardian.email else "nee"),
        ("children", ", ".join(children) or "-"),
    ]


def _links_of(session: Session, role: PersonRole, person_id: int) -> list[ConversationLink]:
    column = (
        ConversationLink.student_id if role is PersonRole.STUDENT else ConversationLink.guardian_id
    )
    return list(session.scalars(select(ConversationLink).where(column == person_id)))


def stored_data(session: Session, conversation_id: str, *, today: date) -> StoredData | None:
    """A readable summary of what is stored about the linked person; None when anonymous."""
    access = authorise(session, conversation_id, Purpose.NAME, today=today)
    if access.anonymous or access.viewer_id is None:
        return None
    if access.role is PersonRole.STUDENT:
        items = _student_items(session, session.get(Student, access.viewer_id))
    else:
        items = _guardian_items(session.get(Guardian, access.viewer_id))
    items.append(("conversations", str(len(_links_of(session, access.role, access.viewer_id)))))
    items.append(("devices", str(remembered_devices(session, access.role, access.viewer_id))))
    key = recipient_key(access.role, access.viewer_id)
    items.append(
        ("messages", text("campaigns", "stored", "off" if opted_out(session, [key]) else "on"))
    )
    record_read(
        session,
        conversation_id=conversation_id,
        subject_type=access.role.value,
        subject_id=access.viewer_id,
        what="data_summary",
    )
    return StoredData(role=access.role, items=tuple(items))


def erase_personal_data(session: Session, conversation_id: str, *, now: datetime) -> Erasure | None:
    """Removes the person's conversation links and anonymises their free-text notes.

    The stored conversations are queued for removal (infra/transcripts.py): the
    tracker store can only be purged after the current turn is saved. None when anonymous.
    """
    access = authorise(session, conversation_id, Purpose.NAME, today=now.date())
    if access.anonymous or access.viewer_id is None:
        return None
    role, person_id = access.role, access.viewer_id
    links = _links_of(session, role, person_id)
    conversation_ids = {link.conversation_id for link in links} | {conversation_id}
    anonymised = 0
    if role is PersonRole.STUDENT:
        for check_in in session.scalars(select(CheckIn).where(CheckIn.student_id == person_id)):
            conversation_ids.add(check_in.conversation_id or conversation_id)
            check_in.note = ERASED_TEXT if check_in.note.strip() else check_in.note
            check_in.if_then_plan = ERASED_TEXT if check_in.if_then_plan else None
            anonymised += 1
        about = Handoff.student_id == person_id
    else:
        about = Handoff.guardian_id == person_id
    for handoff in session.scalars(select(Handoff).where(about)):
        conversation_ids.add(handoff.conversation_id)
        handoff.summary = ERASED_TEXT
        handoff.resolution_note = ERASED_TEXT if handoff.resolution_note else None
        anonymised += 1
        for message in session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff.id)
        ):
            message.body = ERASED_TEXT
            anonymised += 1
    # Campaign deliveries keep their numbers, not where they were shown.
    for delivery in session.scalars(
        select(CampaignDelivery).where(
            CampaignDelivery.recipient_key == recipient_key(role, person_id)
        )
    ):
        delivery.shown_in_conversation_id = None
    # Misunderstood messages kept for review go with their conversations.
    erase_for(session, conversation_ids)
    for link in links:
        session.delete(link)
    forget_all(session, ChatClaims(role, person_id), now=now, actor="conversation")
    schedule_purges(session, conversation_ids, now=now)
    record_change(
        session,
        actor_type="conversation",
        actor_id=conversation_id,
        action="erasure",
        subject_type=role.value,
        subject_id=person_id,
        conversation_id=conversation_id,
        detail=f"{len(links)} links removed, {anonymised} texts anonymised",
    )
    session.flush()
    return Erasure(
        conversation_ids=tuple(sorted(conversation_ids)),
        links_removed=len(links),
        texts_anonymised=anonymised,
    )
