"""Check-ins, personal goals and progress in the database, always through the gate.

Every function starts from `authorise`: the conversation's link decides whose goals
these are. Check-ins are for students; guardians may read progress when allowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.checkins.goals import due_date
from bot.checkins.progress import (
    PERSONAL,
    GoalState,
    Progress,
    goals_to_offer,
    milestones,
    progress,
)
from bot.checkins.risk import CheckInFacts, RiskSignal, risk_signals
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import BuildingBlock, CheckIn, InterimGoal, Nudge, RiskFlag, Student
from bot.identity.access import Access, Purpose, Subject, authorise
from bot.vocabulary import CheckInStatus, PersonRole


class Who(str, enum.Enum):
    ANONYMOUS = "anonymous"
    GUARDIAN = "guardian"
    STUDENT = "student"


@dataclass(frozen=True)
class CheckInAnswers:
    goal_id: int
    status: CheckInStatus | str  # the enum or its value, as the form stores it
    motivation: int
    note: str
    if_then_plan: str | None


@dataclass(frozen=True)
class CheckInOutcome:
    first_name: str
    phase_name: str
    progress: Progress
    milestones: tuple[str, ...]
    risks: tuple[RiskSignal, ...]
    duplicate: bool  # this check-in was stored before; nothing new was written
    block_names: dict[str, str]  # bouwsteen code -> name, for the progress lines


@dataclass(frozen=True)
class ProgressReport:
    subject: Subject
    progress: Progress | None  # None when the subject's facts may not be shown
    phase_name: str | None
    block_names: dict[str, str]


def _who(access: Access) -> Who:
    if access.anonymous:
        return Who.ANONYMOUS
    return Who.STUDENT if access.role is PersonRole.STUDENT else Who.GUARDIAN


def _goals_of(session: Session, student: Student) -> list[InterimGoal]:
    return list(
        session.scalars(
            select(InterimGoal)
            .where(
                InterimGoal.active.is_(True),
                or_(
                    (InterimGoal.phase_id == student.phase_id)
                    & InterimGoal.owner_student_id.is_(None),
                    InterimGoal.owner_student_id == student.id,
                ),
            )
            .order_by(InterimGoal.id)
        )
    )


def goal_states(session: Session, student: Student, today: date) -> list[GoalState]:
    blocks = {block.id: block.code for block in session.scalars(select(BuildingBlock))}
    achieved = set(
        session.scalars(
            select(CheckIn.goal_id).where(
                CheckIn.student_id == student.id, CheckIn.status == CheckInStatus.ACHIEVED
            )
        )
    )
    return [
        GoalState(
            goal_id=goal.id,
            title=goal.title,
            block=blocks.get(goal.building_block_id, PERSONAL),
            due=due_date(goal, student.phase_started_on, today),
            achieved=goal.id in achieved,
        )
        for goal in _goals_of(session, student)
    ]


def block_order(session: Session) -> list[str]:
    return list(session.scalars(select(BuildingBlock.code).order_by(BuildingBlock.id)))


def block_names(session: Session) -> dict[str, str]:
    return {block.code: block.name for block in session.scalars(select(BuildingBlock))}


def _progress_of(session: Session, student: Student, today: date) -> Progress:
    days = [
        moment.astimezone(SCHOOL_TIMEZONE).date()
        for moment in session.scalars(
            select(CheckIn.created_at).where(CheckIn.student_id == student.id)
        )
    ]
    return progress(goal_states(session, student, today), days, today, block_order(session))


def _student(session: Session, access: Access) -> Student | None:
    if access.role is not PersonRole.STUDENT or not access.subjects:
        return None
    return session.get(Student, access.subjects[0].facts.student_id)


def who_is_talking(session: Session, conversation_id: str, *, today: date) -> Who:
    """Only the role: whether this conversation may make goals and check in."""
    return _who(authorise(session, conversation_id, Purpose.NAME, today=today))


def _open_goals(
    session: Session, conversation_id: str, today: date
) -> tuple[Who, Student | None, list[GoalState]]:
    access = authorise(session, conversation_id, Purpose.PROGRESS, today=today)
    student = _student(session, access)
    if student is None:
        return _who(access), None, []
    goals = [goal for goal in goal_states(session, student, today) if not goal.achieved]
    goals.sort(key=lambda goal: (goal.due is None, goal.due or today, goal.goal_id))
    return Who.STUDENT, student, goals


def open_goals(
    session: Session, conversation_id: str, *, today: date
) -> tuple[Who, list[GoalState]]:
    """Who is talking, and (for a student) their open goals, the next one due first."""
    who, _, goals = _open_goals(session, conversation_id, today)
    return who, goals


# How recent a reminder must be for its goal to come first in the check-in's choice.
NUDGE_RELEVANCE = timedelta(days=14)


def goal_choices(
    session: Session, conversation_id: str, *, now: datetime, limit: int
) -> tuple[Who, list[GoalState], list[GoalState]]:
    """Who is talking, the goals a check-in offers (numbered in this order: see
    progress.goals_to_offer) and all their open goals."""
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    who, student, goals = _open_goals(session, conversation_id, today)
    if student is None or not goals:
        return who, [], goals
    nudged = session.scalar(
        select(Nudge.goal_id)
        .where(
            Nudge.student_id == student.id,
            Nudge.goal_id.in_([goal.goal_id for goal in goals]),
            Nudge.created_at >= now - NUDGE_RELEVANCE,
        )
        .order_by(Nudge.created_at.desc(), Nudge.id.desc())
        .limit(1)
    )
    return who, goals_to_offer(goals, nudged_goal_id=nudged, limit=limit), goals


def record_check_in(
    session: Session,
    conversation_id: str,
    answers: CheckInAnswers,
    *,
    idempotency_key: str,
    now: datetime,
) -> CheckInOutcome | None:
    """Stores a finished check-in once, and returns progress, milestones and risks.

    None when the conversation is not a student's or the goal is not one of theirs.
    """
    today = now.date()
    status = CheckInStatus(answers.status)
    access = authorise(session, conversation_id, Purpose.PROGRESS, today=today)
    student = _student(session, access)
    if student is None:
        return None
    if answers.goal_id not in {goal.id for goal in _goals_of(session, student)}:
        return None
    facts = access.subjects[0].facts
    existing = session.scalar(select(CheckIn).where(CheckIn.idempotency_key == idempotency_key))
    if existing is not None:
        return CheckInOutcome(
            first_name=facts.first_name,
            phase_name=facts.phase_name,
            progress=_progress_of(session, student, today),
            milestones=(),
            risks=(),
            duplicate=True,
            block_names=block_names(session),
        )
    earlier = session.scalars(
        select(CheckIn)
        .where(CheckIn.student_id == student.id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
    ).all()
    before = _progress_of(session, student, today)
    check_in = CheckIn(
        student_id=student.id,
        goal_id=answers.goal_id,
        status=status,
        motivation=answers.motivation,
        note=answers.note,
        if_then_plan=answers.if_then_plan,
        conversation_id=conversation_id,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    session.add(check_in)
    session.flush()
    risks = risk_signals(
        CheckInFacts(answers.goal_id, status, answers.motivation),
        [CheckInFacts(c.goal_id, c.status, c.motivation) for c in earlier],
    )
    for risk in risks:
        session.add(
            RiskFlag(
                student_id=student.id,
                check_in_id=check_in.id,
                kind=risk.kind,
                priority=risk.priority,
                conversation_id=conversation_id,
                source="checkin",
                evidence=risk.kind.value,
                created_at=now,
            )
        )
    after = _progress_of(session, student, today)
    session.flush()
    return CheckInOutcome(
        first_name=facts.first_name,
        phase_name=facts.phase_name,
        progress=after,
        milestones=milestones(before, after, first_check_in=not earlier),
        risks=risks,
        duplicate=False,
        block_names=block_names(session),
    )


def add_personal_goal(
    session: Session, conversation_id: str, title: str, due: date, *, now: datetime
) -> GoalState | None:
    """A student's own goal in their current phase; None when not a student's chat."""
    access = authorise(session, conversation_id, Purpose.PROGRESS, today=now.date())
    student = _student(session, access)
    if student is None:
        return None
    goal = InterimGoal(
        phase_id=student.phase_id,
        owner_student_id=student.id,
        title=title,
        due_date=due,
        created_at=now,
    )
    session.add(goal)
    session.flush()
    record_change(
        session,
        actor_type="conversation",
        actor_id=conversation_id,
        action="personal_goal_added",
        subject_type="student",
        subject_id=student.id,
        conversation_id=conversation_id,
    )
    return GoalState(goal.id, title, PERSONAL, due, achieved=False)


def progress_reports(
    session: Session, conversation_id: str, *, today: date, message_text: str | None = None
) -> tuple[Who, list[ProgressReport], tuple[str, ...]]:
    """Progress of the student, or of the guardian's children they may see; and the
    children to choose from when the message meant one of several ("mijn dochter")."""
    access = authorise(
        session, conversation_id, Purpose.PROGRESS, today=today, message_text=message_text
    )
    reports = []
    for subject in access.subjects:
        if subject.facts is None:
            reports.append(ProgressReport(subject, None, None, {}))
            continue
        student = session.get(Student, subject.facts.student_id)
        reports.append(
            ProgressReport(
                subject,
                _progress_of(session, student, today),
                subject.facts.phase_name,
                block_names(session),
            )
        )
    return _who(access), reports, access.children_names if access.choose_child else ()
