"""Storing a risk signal and reaching a person: a risk flag and a handoff, in the
caller's transaction.

Anonymous conversations get the same care: a flag without a student and a handoff to the
region. A parent's worry goes to their child's coordinator when the conversation is linked
to them (the child named in the message, or their only child).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Handoff, RiskFlag
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.handoffs import (
    RISK_REASON,
    HandoffRequest,
    HandoffView,
    create_handoff,
    mark_as_risk,
)
from bot.identity.access import Purpose, authorise
from bot.risk.decide import RiskVerdict
from bot.risk.voice import Voice, voice
from bot.vocabulary import PersonRole, RiskKind


@dataclass(frozen=True)
class RiskReport:
    verdict: RiskVerdict
    source: str  # where it was seen: "chat" or "checkin"
    message_text: str
    summary: str  # the last turns of the conversation, as they were


@dataclass(frozen=True)
class RiskOutcome:
    handoff: HandoffView
    voice: Voice  # who the message is about: the writer, their child, someone else
    role: PersonRole | None  # who is talking: None for an anonymous conversation
    earlier_kinds: frozenset[RiskKind]  # kinds this conversation told of before


def _writer(
    session: Session, conversation_id: str, *, now: datetime
) -> tuple[PersonRole | None, int | None, int | None]:
    """The linked person's role and id, and the student it is about (a linked student)."""
    names = authorise(session, conversation_id, Purpose.NAME, today=now.date())
    if names.anonymous:
        return None, None, None
    if names.role is PersonRole.STUDENT:
        return names.role, names.viewer_id, names.viewer_id
    return names.role, names.viewer_id, None


def report_risk(
    session: Session,
    conversation_id: str,
    report: RiskReport,
    *,
    now: datetime,
    policy: DeadlinePolicy,
    default_region: str,
) -> RiskOutcome:
    """Stores the flag and makes (or finds, and marks) the conversation's handoff."""
    earlier_kinds = frozenset(
        session.scalars(
            select(RiskFlag.kind).where(RiskFlag.conversation_id == conversation_id).distinct()
        )
    )
    role, writer_id, student_id = _writer(session, conversation_id, now=now)
    about = voice(report.message_text, guardian=role is PersonRole.GUARDIAN)
    view = create_handoff(
        session,
        conversation_id,
        HandoffRequest(
            reason=RISK_REASON,
            category=report.verdict.kind.value,
            priority=report.verdict.priority,
            summary=report.summary,
        ),
        now=now,
        policy=policy,
        default_region=default_region,
        message_text=report.message_text,
    )
    handoff = session.scalar(select(Handoff).where(Handoff.reference == view.reference))
    if view.already_open:
        mark_as_risk(
            session, handoff, report.verdict.kind.value, now=now, priority=report.verdict.priority
        )
    if role is PersonRole.GUARDIAN:
        student_id = handoff.student_id
    session.add(
        RiskFlag(
            student_id=student_id,
            guardian_id=writer_id if role is PersonRole.GUARDIAN else None,
            kind=report.verdict.kind,
            priority=report.verdict.priority,
            conversation_id=conversation_id,
            source=report.source,
            evidence=f"{about.value}: {report.verdict.evidence}"[:200],
            created_at=now,
            handoff_id=handoff.id,
        )
    )
    session.flush()
    return RiskOutcome(handoff=view, voice=about, role=role, earlier_kinds=earlier_kinds)
