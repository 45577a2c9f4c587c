"""Handoffs in the database: create one with its outbox notification, find an open one,
turn check-in risk flags into handoffs, and climb the ladder when one is overdue.

Who a handoff is about comes from the conversation link through the identity gate.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.content.catalog import catalog
from bot.db.models import Coordinator, GuardianStudent, Handoff, Region, RiskFlag, Student
from bot.escalation.deadlines import DeadlinePolicy, deadline
from bot.escalation.handover import is_live
from bot.escalation.mail import enqueue_mail
from bot.escalation.routing import (
    REGION_LEVEL,
    CoordinatorInfo,
    HandoffSubject,
    regional_coordinator,
    route,
)
from bot.identity.access import Purpose, authorise
from bot.identity.throttle import Limit, blocked_until
from bot.outbox import enqueue_once
from bot.vocabulary import HandoffPriority, HandoffStatus, PersonRole, RiskKind, SchoolLevel

OPEN_STATUSES = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)
# Most serious first (RiskKind's order): the category of a handoff for several flags.
KIND_ORDER = tuple(RiskKind)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I


@dataclass(frozen=True)
class HandoffRequest:
    reason: str  # asked_for_person, not_understood, complaint, risk, distress
    category: str
    priority: HandoffPriority
    summary: str
    # Keyed hash of the client's address (from the chat channel), for the cap below.
    client_key: str | None = None
    # The person's message: a parent's handoff is about the child named there (else the
    # child the conversation is about, else all their children).
    about_text: str | None = None


# New handoffs one client address may open in an hour, risk excepted: a risk signal
# always reaches a person. One conversation has one open handoff at a time anyway.
PER_CLIENT = Limit(20, timedelta(hours=1))
RISK_REASON = "risk"


class TooManyHandoffsError(Exception):
    """This client address opened too many handoffs in the last hour."""


def _too_many_from(
    session: Session, client_key: str | None, now: datetime, per_client: int
) -> bool:
    if not client_key:
        return False
    moments = session.scalars(
        select(Handoff.created_at).where(
            Handoff.client_key == client_key,
            Handoff.reason != RISK_REASON,
            Handoff.created_at > now - PER_CLIENT.window,
        )
    )
    return blocked_until(moments, Limit(per_client, PER_CLIENT.window), now=now) is not None


@dataclass(frozen=True)
class HandoffView:
    """What the person in the chat hears about their handoff."""

    reference: str
    coordinator_name: str | None
    school_name: str | None
    deadline_at: datetime
    priority: HandoffPriority
    already_open: bool = False
    live: bool = False  # a coordinator talks with the person now
    anonymous: bool = False  # nobody known asked: the answer needs a way back


def _coordinators(session: Session) -> list[CoordinatorInfo]:
    return [
        CoordinatorInfo(
            id=c.id,
            name=c.name,
            region_id=c.region_id,
            ladder_level=c.ladder_level,
            school_id=c.school_id,
            school_level=c.school.level if c.school else None,
            school_name=c.school.name if c.school else None,
            active=c.active,
        )
        for c in session.scalars(select(Coordinator))
    ]


def _new_reference(session: Session) -> str:
    while True:
        reference = "H-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(Handoff.id).where(Handoff.reference == reference)) is None:
            return reference


def _view(session: Session, handoff: Handoff, *, already_open: bool = False) -> HandoffView:
    coordinator = handoff.assigned_coordinator
    return HandoffView(
        reference=handoff.reference,
        coordinator_name=coordinator.name if coordinator else None,
        school_name=coordinator.school.name if coordinator and coordinator.school else None,
        deadline_at=handoff.deadline_at,
        priority=handoff.priority,
        already_open=already_open,
        live=is_live(handoff),
        anonymous=handoff.student_id is None and handoff.guardian_id is None,
    )


def _notify(session: Session, handoff: Handoff, event: str, *, now: datetime) -> None:
    """The webhook's notification and, for a coordinator who wants it, a mail: both in
    this transaction, neither with conversation text (it stays in the inbox, behind a
    login). The mail goes to whoever has the handoff: the one who took it, else the one
    it is assigned to."""
    coordinator = handoff.assigned_coordinator
    key = f"handoff:{handoff.reference}:{event}:{handoff.ladder_level}"
    enqueue_once(
        session,
        "handoff",
        {
            "event": event,
            "reference": handoff.reference,
            "priority": handoff.priority.value,
            "reason": handoff.reason,
            "category": handoff.category,
            "ladder_level": handoff.ladder_level,
            "deadline_at": handoff.deadline_at.isoformat(),
            "coordinator": (
                {"name": coordinator.name, "email": coordinator.email} if coordinator else None
            ),
        },
        key=key,
        now=now,
    )
    if handoff.claimed_by_id is not None:
        coordinator = session.get(Coordinator, handoff.claimed_by_id)
    enqueue_mail(session, event, handoff, coordinator, key=key, now=now)


def open_handoff(session: Session, conversation_id: str) -> HandoffView | None:
    """The conversation's open handoff, if there is one."""
    handoff = session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.created_at.desc())
    )
    return _view(session, handoff, already_open=True) if handoff else None


def _children_elsewhere(session: Session, guardian_id: int, school_id: int) -> bool:
    """Whether the guardian has a child at another school than this one."""
    schools = session.scalars(
        select(Student.school_id)
        .join(GuardianStudent, GuardianStudent.student_id == Student.id)
        .where(GuardianStudent.guardian_id == guardian_id)
    )
    return any(school != school_id for school in schools)


def _subject(
    session: Session,
    conversation_id: str,
    *,
    now: datetime,
    default_region: str,
    message_text: str | None = None,
) -> tuple[HandoffSubject, int | None, int | None]:
    """Who the handoff is about (region, school, phase level), the student and guardian.

    A parent's handoff is about the child named in the message, the child the
    conversation is about, or their only child.
    """
    access = authorise(
        session, conversation_id, Purpose.HANDOFF, today=now.date(), message_text=message_text
    )
    student_id = guardian_id = None
    about = [s.facts for s in access.subjects if s.facts is not None]
    if access.role is PersonRole.GUARDIAN:
        guardian_id = authorise(session, conversation_id, Purpose.NAME, today=now.date()).viewer_id
    if len(about) == 1:
        facts = about[0]
        student_id = facts.student_id
        subject = HandoffSubject(facts.region_id, facts.school_id, SchoolLevel(facts.level))
        if guardian_id is not None and _children_elsewhere(session, guardian_id, facts.school_id):
            # The conversation may hold answers about a brother or sister at another
            # school, which this school's coordinator may not read: the region, which
            # sees every school, takes it (the child is still stored).
            subject = HandoffSubject(facts.region_id)
    elif about:
        subject = HandoffSubject(about[0].region_id)
    else:
        region = session.scalar(select(Region).where(Region.code == default_region))
        if region is None:
            region = session.scalar(select(Region).order_by(Region.id))
        subject = HandoffSubject(region.id)
    return subject, student_id, guardian_id


def create_handoff(
    session: Session,
    conversation_id: str,
    request: HandoffRequest,
    *,
    now: datetime,
    policy: DeadlinePolicy,
    default_region: str,
    message_text: str | None = None,
    per_client: int = PER_CLIENT.tries,
) -> HandoffView:
    """A new handoff, routed and notified in this transaction; or the open one.
    Raises TooManyHandoffsError when the client opened too many (never for risk)."""
    priority = request.priority
    existing = open_handoff(session, conversation_id)
    if existing is not None and (
        existing.live
        or not (priority is HandoffPriority.URGENT and existing.priority is HandoffPriority.NORMAL)
    ):
        # A live conversation keeps its one handoff: the coordinator talking with the
        # person hears of the risk there (mark_as_risk), not in a second one.
        return existing
    if request.reason != RISK_REASON and _too_many_from(
        session, request.client_key, now, per_client
    ):
        raise TooManyHandoffsError(conversation_id)
    subject, student_id, guardian_id = _subject(
        session,
        conversation_id,
        now=now,
        default_region=default_region,
        message_text=message_text or request.about_text,
    )
    assignment = route(subject, _coordinators(session))
    handoff = Handoff(
        reference=_new_reference(session),
        conversation_id=conversation_id,
        student_id=student_id,
        guardian_id=guardian_id,
        region_id=subject.region_id,
        school_id=assignment.school_id,
        assigned_coordinator_id=assignment.coordinator.id if assignment.coordinator else None,
        reason=request.reason,
        category=request.category,
        priority=priority,
        status=HandoffStatus.OPEN,
        ladder_level=assignment.ladder_level,
        summary=request.summary,
        deadline_at=deadline(now, priority, policy),
        created_at=now,
        client_key=request.client_key,
    )
    session.add(handoff)
    session.flush()
    _notify(session, handoff, "handoff.created", now=now)
    if student_id is not None:
        record_change(
            session,
            actor_type="conversation",
            actor_id=conversation_id,
            action="handoff_created",
            subject_type="student",
            subject_id=student_id,
            conversation_id=conversation_id,
            detail=handoff.reference,
        )
    return _view(session, handoff)


def mark_as_risk(
    session: Session,
    handoff: Handoff,
    kind: str,
    *,
    now: datetime,
    priority: HandoffPriority = HandoffPriority.NORMAL,
) -> None:
    """An open handoff about something else becomes a risk handoff, and its coordinator
    hears of it (once per kind); an urgent signal makes it urgent."""
    if priority is HandoffPriority.URGENT:
        handoff.priority = HandoffPriority.URGENT
    if handoff.reason == "risk" and handoff.category == kind:
        return
    was_risk = handoff.reason == "risk"
    handoff.reason = "risk"
    # The label shows the most serious kind so far: a later "ik word gepest" does not
    # hide an earlier acute signal (RiskKind lists the most serious first).
    handoff.category = more_serious(handoff.category, kind) if was_risk else kind
    _notify(session, handoff, f"handoff.risk.{kind}", now=now)


def more_serious(first: str, second: str) -> str:
    """Of two risk kinds, the one KIND_ORDER lists first; an unknown kind counts least."""
    order = [each.value for each in KIND_ORDER]

    def rank(kind: str) -> int:
        return order.index(kind) if kind in order else len(order)

    return first if rank(first) <= rank(second) else second


def risk_summary(kind: RiskKind) -> str:
    """The line a coordinator reads for a risk flag from check-ins (Dutch, from messages.yml)."""
    label = catalog().message("risk_kind_labels", kind.value)
    return catalog().message("inbox", "summary", "checkin", kind=label)


def handoffs_for_risk_flags(
    session: Session,
    *,
    now: datetime,
    policy: DeadlinePolicy,
    default_region: str,
    conversation_id: str | None = None,
) -> list[HandoffView]:
    """Turns unhandled risk flags into handoffs (one per conversation, the most urgent)."""
    query = select(RiskFlag).where(RiskFlag.handoff_id.is_(None)).order_by(RiskFlag.id)
    if conversation_id is not None:
        query = query.where(RiskFlag.conversation_id == conversation_id)
    flags = session.scalars(query).all()
    views = []
    by_conversation: dict[str, list[RiskFlag]] = {}
    for flag in flags:
        by_conversation.setdefault(flag.conversation_id or "", []).append(flag)
    for conversation, group in by_conversation.items():
        if not conversation:
            continue
        urgent = any(flag.priority is HandoffPriority.URGENT for flag in group)
        leading = min(group, key=lambda flag: KIND_ORDER.index(flag.kind)).kind
        request = HandoffRequest(
            reason="risk",
            category=leading.value,
            priority=HandoffPriority.URGENT if urgent else HandoffPriority.NORMAL,
            summary="\n".join(dict.fromkeys(risk_summary(flag.kind) for flag in group)),
        )
        view = create_handoff(
            session, conversation, request, now=now, policy=policy, default_region=default_region
        )
        handoff_id = session.scalar(select(Handoff.id).where(Handoff.reference == view.reference))
        for flag in group:
            flag.handoff_id = handoff_id
        views.append(view)
    session.flush()
    return views


def escalate_overdue(session: Session, *, now: datetime, policy: DeadlinePolicy) -> list[str]:
    """Unclaimed handoffs past their deadline climb to the regional coordinator."""
    overdue = session.scalars(
        select(Handoff).where(
            Handoff.status == HandoffStatus.OPEN,
            Handoff.ladder_level < REGION_LEVEL,
            Handoff.deadline_at < now,
        )
    ).all()
    coordinators = _coordinators(session)
    escalated = []
    for handoff in overdue:
        regional = regional_coordinator(handoff.region_id, coordinators)
        handoff.ladder_level = REGION_LEVEL
        handoff.assigned_coordinator = session.get(Coordinator, regional.id) if regional else None
        handoff.deadline_at = deadline(now, handoff.priority, policy)
        _notify(session, handoff, "handoff.escalated", now=now)
        escalated.append(handoff.reference)
    session.flush()
    return escalated
