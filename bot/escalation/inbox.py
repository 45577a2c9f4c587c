"""What a coordinator may see and do in the inbox.

A school coordinator sees the handoffs and students of their own school, a regional
coordinator those of their region. Every read of a handoff or of students' check-ins
is written to the audit log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_change, record_read
from bot.clock import SCHOOL_TIMEZONE
from bot.content.catalog import text
from bot.db.models import (
    CheckIn,
    Coordinator,
    Guardian,
    Handoff,
    HandoffMessage,
    School,
    Student,
)
from bot.escalation import follow_up, handover
from bot.escalation.replies import add_reply
from bot.escalation.routing import REGION_LEVEL
from bot.escalation.summary import preview_of
from bot.identity.devices import forget_all
from bot.identity.tokens import ChatClaims
from bot.vocabulary import HandoffStatus, PersonRole, ThreadAuthor

QUIET_AFTER = timedelta(weeks=3)


class InboxFilter(str, enum.Enum):
    OPEN = "open"
    MINE = "mine"
    URGENT = "urgent"
    OVERDUE = "overdue"
    ALL = "all"


def may_see(coordinator: Coordinator, handoff: Handoff) -> bool:
    """Pure: a school coordinator sees their school, a regional one their region."""
    if not coordinator.active:
        return False
    if handoff.assigned_coordinator_id == coordinator.id:
        return True
    if coordinator.ladder_level == REGION_LEVEL:
        return handoff.region_id == coordinator.region_id
    return handoff.school_id is not None and handoff.school_id == coordinator.school_id


def _scope(query, coordinator: Coordinator):  # noqa: ANN001, ANN202 - a SQLAlchemy select
    if coordinator.ladder_level == REGION_LEVEL:
        return query.where(Handoff.region_id == coordinator.region_id)
    return query.where(
        (Handoff.school_id == coordinator.school_id)
        | (Handoff.assigned_coordinator_id == coordinator.id)
    )


def list_handoffs(
    session: Session, coordinator: Coordinator, which: InboxFilter, *, now: datetime
) -> list[Handoff]:
    query = _scope(select(Handoff), coordinator)
    open_statuses = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)
    if which is InboxFilter.OPEN:
        query = query.where(Handoff.status.in_(open_statuses))
    elif which is InboxFilter.MINE:
        query = query.where(
            Handoff.status.in_(open_statuses),
            (Handoff.claimed_by_id == coordinator.id)
            | (
                (Handoff.assigned_coordinator_id == coordinator.id)
                & Handoff.claimed_by_id.is_(None)
            ),
        )
    elif which is InboxFilter.URGENT:
        query = query.where(Handoff.status.in_(open_statuses), Handoff.priority == "urgent")
    elif which is InboxFilter.OVERDUE:
        query = query.where(Handoff.status == HandoffStatus.OPEN, Handoff.deadline_at < now)
    return list(session.scalars(query.order_by(Handoff.deadline_at, Handoff.id)))


@dataclass(frozen=True)
class Listed:
    """A handoff as the inbox list shows it."""

    handoff: Handoff
    about: str  # who it is about, in Dutch ("leerling Sanne de Vries"), or "anoniem"
    preview: str  # the last thing the person said before the handoff, on one line


def about(session: Session, handoff: Handoff) -> str:
    """Who the handoff is about, in Dutch labels from the catalogue."""
    parts = []
    for role, model, person_id in (
        ("student", Student, handoff.student_id),
        ("guardian", Guardian, handoff.guardian_id),
    ):
        person = session.get(model, person_id) if person_id else None
        if person is not None:
            name = f"{person.first_name} {person.last_name}"
            parts.append(text("inbox", "about", role, name=name))
    return ", ".join(parts) or text("inbox", "about", "nobody")


def _record_names_read(
    session: Session, coordinator: Coordinator, handoff: Handoff, what: str
) -> None:
    for subject_type, subject_id in (
        ("student", handoff.student_id),
        ("guardian", handoff.guardian_id),
    ):
        if subject_id is not None:
            record_read(
                session,
                conversation_id=handoff.conversation_id,
                subject_type=subject_type,
                subject_id=subject_id,
                what=what,
                actor_type="coordinator",
                actor_id=str(coordinator.id),
            )


def list_for_inbox(
    session: Session, coordinator: Coordinator, which: InboxFilter, *, now: datetime
) -> list[Listed]:
    """The inbox list with names and previews; each name shown is an audited read."""
    listed = []
    for handoff in list_handoffs(session, coordinator, which, now=now):
        _record_names_read(session, coordinator, handoff, "inbox list")
        listed.append(Listed(handoff, about(session, handoff), preview_of(handoff.summary)))
    return listed


def visible_to(session: Session, coordinator: Coordinator, reference: str) -> Handoff | None:
    """The handoff when this coordinator may see it; else None. Not audited: for a
    page already opened with open_for."""
    handoff = session.scalar(select(Handoff).where(Handoff.reference == reference))
    return handoff if handoff is not None and may_see(coordinator, handoff) else None


def open_for(session: Session, coordinator: Coordinator, reference: str) -> Handoff | None:
    """The handoff when this coordinator may see it (the read is audited); else None."""
    handoff = visible_to(session, coordinator, reference)
    if handoff is None:
        return None
    _record_names_read(session, coordinator, handoff, f"handoff {handoff.reference}")
    return handoff


def messages_of(session: Session, handoff: Handoff) -> list[HandoffMessage]:
    """The handoff's whole thread, in the order it was written."""
    return handover.thread_after(session, handoff.id, 0)


@dataclass(frozen=True)
class ThreadLine:
    """A line of a handoff's thread as the coordinator reads it (and the page's script
    receives it live)."""

    id: int
    author: str  # ThreadAuthor's value: also the line's class on the page
    who: str
    text: str
    time: str  # "15:02" in Dutch time
    flagged: str  # why the line is marked, or ""


def thread_lines(
    session: Session, handoff: Handoff, messages: list[HandoffMessage], person: str
) -> list[ThreadLine]:
    """The thread in words: replies under the coordinator's name, the person's messages
    under theirs (`person`: from about(), already audited), notices in full."""
    names = {
        coordinator.id: coordinator.name
        for coordinator in session.scalars(
            select(Coordinator).where(
                Coordinator.id.in_({m.coordinator_id for m in messages if m.coordinator_id})
            )
        )
    }
    lines = []
    for message in messages:
        coordinator = names.get(message.coordinator_id, "")
        if message.author is ThreadAuthor.NOTICE:
            who, body = "", text("inbox", "thread", message.body, coordinator=coordinator)
        elif message.author is ThreadAuthor.PERSON:
            who, body = person, message.body
        else:
            who, body = coordinator, message.body
        lines.append(
            ThreadLine(
                id=message.id,
                author=message.author.value,
                who=who,
                text=body,
                time=message.created_at.astimezone(SCHOOL_TIMEZONE).strftime("%H:%M"),
                flagged=text("inbox", "thread", "flagged") if message.flagged else "",
            )
        )
    return lines


def forget_devices(
    session: Session, coordinator: Coordinator, handoff: Handoff, *, now: datetime
) -> int:
    """Ends every "onthoud mij" device login of the person who asked (a parent, else the
    student); returns how many."""
    if handoff.guardian_id is not None:
        claims = ChatClaims(PersonRole.GUARDIAN, handoff.guardian_id)
    elif handoff.student_id is not None:
        claims = ChatClaims(PersonRole.STUDENT, handoff.student_id)
    else:
        return 0
    _log(session, coordinator, handoff, "devices_revoked")
    return forget_all(session, claims, now=now, actor="coordinator")


def choose_mail(session: Session, coordinator: Coordinator, wanted: bool) -> None:
    """Whether the coordinator gets mail about handoffs (bot/escalation/mail.py)."""
    coordinator.mail_notifications = wanted
    record_change(
        session,
        actor_type="coordinator",
        actor_id=str(coordinator.id),
        action="mail_on" if wanted else "mail_off",
        subject_type="coordinator",
        subject_id=str(coordinator.id),
    )


def pause_bot(
    session: Session, coordinator: Coordinator, handoff: Handoff, paused: bool, *, now: datetime
) -> bool:
    """The bot stays quiet for this person until the coordinator hands back (paused), or
    takes over again after the quiet time; pausing takes the conversation live first.
    True when the person is to be told."""
    told = claim(session, coordinator, handoff, now=now) if paused else False
    handoff.bot_paused = paused
    _log(session, coordinator, handoff, "bot_paused" if paused else "bot_unpaused")
    return told


def _log(session: Session, coordinator: Coordinator, handoff: Handoff, action: str) -> None:
    record_change(
        session,
        actor_type="coordinator",
        actor_id=str(coordinator.id),
        action=action,
        subject_type="handoff",
        subject_id=handoff.reference,
        conversation_id=handoff.conversation_id,
    )


def claim(session: Session, coordinator: Coordinator, handoff: Handoff, *, now: datetime) -> bool:
    """The coordinator takes the handoff and the conversation goes live
    (bot/escalation/handover.py); True when the person is to be told."""
    if handoff.status in (HandoffStatus.OPEN, HandoffStatus.RETURNED):
        handoff.status = HandoffStatus.CLAIMED
    handoff.claimed_by_id = coordinator.id
    handoff.claimed_at = handoff.claimed_at or now
    _log(session, coordinator, handoff, "handoff_claimed")
    return handover.start(session, handoff, coordinator, now=now)


def reply(
    session: Session,
    coordinator: Coordinator,
    handoff: Handoff,
    body: str,
    *,
    secret_key: str,
    now: datetime,
) -> HandoffMessage:
    """Stores the reply (the bot delivers it); replying takes the conversation live,
    and claims an unclaimed handoff."""
    if handoff.claimed_by_id is None:
        claim(session, coordinator, handoff, now=now)
    else:
        handover.start(session, handoff, coordinator, now=now)
    message = add_reply(session, handoff, coordinator.id, body, now=now)
    follow_up.mail_the_asker(session, handoff, secret_key=secret_key, now=now)
    _log(session, coordinator, handoff, "handoff_replied")
    return message


def resolve(
    session: Session, coordinator: Coordinator, handoff: Handoff, note: str, *, now: datetime
) -> bool:
    """Closes the handoff; True when it was live (the person is told the bot is back)."""
    told = handover.end(session, handoff, now=now)
    follow_up.forget_contact(session, handoff)  # kept only until the question is done
    handoff.status = HandoffStatus.RESOLVED
    handoff.resolved_at = now
    handoff.resolution_note = note
    handoff.claimed_by_id = handoff.claimed_by_id or coordinator.id
    _log(session, coordinator, handoff, "handoff_resolved")
    return told


def hand_back(
    session: Session, coordinator: Coordinator, handoff: Handoff, *, now: datetime
) -> bool:
    """The bot takes the conversation back: nothing is waiting for a person any more.
    True when it was live (the person is told the bot is back)."""
    told = handover.end(session, handoff, now=now)
    follow_up.forget_contact(session, handoff)  # kept only until the question is done
    handoff.status = HandoffStatus.RETURNED
    handoff.resolved_at = now
    _log(session, coordinator, handoff, "handoff_returned")
    return told


@dataclass(frozen=True)
class StudentOverview:
    student_id: int
    name: str
    last_check_in: date | None
    motivation: tuple[tuple[date, int], ...]  # oldest first


@dataclass(frozen=True)
class Overview:
    open_handoffs: int
    quiet_students: tuple[StudentOverview, ...]
    students: tuple[StudentOverview, ...]


def overview(session: Session, coordinator: Coordinator, *, now: datetime) -> Overview:
    """Open handoffs, students without a check-in for three weeks, motivation over time."""
    students_query = select(Student).join(School, Student.school_id == School.id)
    if coordinator.ladder_level == REGION_LEVEL:
        students_query = students_query.where(School.region_id == coordinator.region_id)
    else:
        students_query = students_query.where(Student.school_id == coordinator.school_id)
    students = session.scalars(students_query.order_by(Student.first_name, Student.id)).all()
    rows = []
    cutoff = (now - QUIET_AFTER).astimezone(SCHOOL_TIMEZONE).date()
    for student in students:
        check_ins = session.scalars(
            select(CheckIn).where(CheckIn.student_id == student.id).order_by(CheckIn.created_at)
        ).all()
        days = [(c.created_at.astimezone(SCHOOL_TIMEZONE).date(), c.motivation) for c in check_ins]
        rows.append(
            StudentOverview(
                student_id=student.id,
                name=f"{student.first_name} {student.last_name}",
                last_check_in=days[-1][0] if days else None,
                motivation=tuple(days),
            )
        )
        record_read(
            session,
            conversation_id=None,
            subject_type="student",
            subject_id=student.id,
            what="overview",
            actor_type="coordinator",
            actor_id=str(coordinator.id),
        )
    quiet = tuple(r for r in rows if r.last_check_in is None or r.last_check_in <= cutoff)
    open_count = len(list_handoffs(session, coordinator, InboxFilter.OPEN, now=now))
    return Overview(open_handoffs=open_count, quiet_students=quiet, students=tuple(rows))
