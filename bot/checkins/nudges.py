"""Nudges: a reminder about a goal that falls due soon and has no check-in yet.

Outreach works when it comes from a trusted source, uses the student's own data and
names a concrete task with a date (FACTS.md). So a nudge names one goal and its date,
at most once a week per student, never in quiet hours. It is shown when the student
next opens the chat, and a notification goes to the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.campaigns.limits import CAP_SPAN, at_cap, messages_since, opted_out
from bot.campaigns.recipients import recipient_key
from bot.campaigns.showing import recipient_conversations
from bot.checkins.records import goal_states
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import CheckIn, Nudge, Student
from bot.identity.access import Purpose, authorise, current_link
from bot.outbox import enqueue
from bot.vocabulary import PersonRole


@dataclass(frozen=True)
class NudgePolicy:
    days_ahead: int = 7
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    min_gap: timedelta = timedelta(days=7)
    # Nudges and campaign messages together, per person in 7 days (bot/campaigns/limits.py).
    weekly_cap: int = 2


@dataclass(frozen=True)
class DueGoal:
    student_id: int
    goal_id: int
    title: str
    due: date
    checked_in: bool


def in_quiet_hours(moment: datetime, start: time, end: time) -> bool:
    """Quiet hours in the school's time zone; a span like 21:00-08:00 wraps midnight."""
    local = moment.astimezone(SCHOOL_TIMEZONE).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def choose_nudges(
    due_goals: Iterable[DueGoal],
    last_nudged: dict[int, datetime],
    now: datetime,
    policy: NudgePolicy,
) -> list[DueGoal]:
    """At most one goal per student: the first due within the window without a check-in."""
    if in_quiet_hours(now, policy.quiet_start, policy.quiet_end):
        return []
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    chosen: dict[int, DueGoal] = {}
    for goal in sorted(due_goals, key=lambda g: (g.student_id, g.due, g.goal_id)):
        if goal.checked_in or not today <= goal.due <= today + timedelta(days=policy.days_ahead):
            continue
        previous = last_nudged.get(goal.student_id)
        if previous is not None and now - previous < policy.min_gap:
            continue
        chosen.setdefault(goal.student_id, goal)
    return list(chosen.values())


def _due_goals(session: Session, today: date) -> list[DueGoal]:
    due = []
    for student in session.scalars(select(Student).order_by(Student.id)):
        checked = set(
            session.scalars(select(CheckIn.goal_id).where(CheckIn.student_id == student.id))
        )
        due += [
            DueGoal(student.id, goal.goal_id, goal.title, goal.due, goal.goal_id in checked)
            for goal in goal_states(session, student, today)
            if goal.due is not None and not goal.achieved
        ]
    return due


def create_nudges(session: Session, *, now: datetime, policy: NudgePolicy) -> list[DueGoal]:
    """The nudge job: stores the chosen nudges and their outbox notifications. Nobody
    who said "stop met berichten", and nobody who had their messages of the week."""
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    last_nudged = {
        student_id: moment
        for student_id, moment in session.execute(
            select(Nudge.student_id, func.max(Nudge.created_at)).group_by(Nudge.student_id)
        )
    }
    due = _due_goals(session, today)
    keys = {goal.student_id: recipient_key(PersonRole.STUDENT, goal.student_id) for goal in due}
    stopped = opted_out(session, keys.values())
    counts = messages_since(session, keys.values(), now - CAP_SPAN)
    chosen = [
        goal
        for goal in choose_nudges(due, last_nudged, now, policy)
        if keys[goal.student_id] not in stopped
        and not at_cap(counts, keys[goal.student_id], policy.weekly_cap)
    ]
    for goal in chosen:
        nudge = Nudge(student_id=goal.student_id, goal_id=goal.goal_id, created_at=now)
        session.add(nudge)
        session.flush()
        record_change(
            session,
            actor_type="job",
            actor_id="nudge",
            action="nudge",
            subject_type="student",
            subject_id=goal.student_id,
            detail=f"goal {goal.goal_id} due {goal.due.isoformat()}",
        )
        # Ids and a date only: the receiving system looks the student up itself.
        enqueue(
            session,
            "nudge",
            {"student_id": goal.student_id, "goal_id": goal.goal_id, "due": goal.due.isoformat()},
            key=f"nudge:{nudge.id}",
            now=now,
        )
    session.flush()
    return chosen


@dataclass(frozen=True)
class PendingNudge:
    first_name: str
    goal_title: str
    due: date


def take_pending_nudge(
    session: Session, conversation_id: str, *, now: datetime
) -> PendingNudge | None:
    """The student's newest unshown nudge; all are marked shown, so one opening of the
    chat shows one reminder. None for anyone but a student, or when there is none."""
    link = current_link(session, conversation_id, today=now.date())
    if link is None or link.role is not PersonRole.STUDENT:
        return None
    unshown = session.scalars(
        select(Nudge)
        .where(Nudge.student_id == link.student_id, Nudge.shown_at.is_(None))
        .order_by(Nudge.created_at.desc(), Nudge.id.desc())
    ).all()
    if not unshown:
        # Nothing to show: nothing personal is read, so nothing is audited.
        return None
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    access = authorise(session, conversation_id, Purpose.PROGRESS, today=today)
    if not access.subjects or access.subjects[0].facts is None:
        return None
    student = session.get(Student, access.subjects[0].facts.student_id)
    nudge = unshown[0]
    for each in unshown:
        each.shown_at = now
        each.shown_in_conversation_id = conversation_id
    states = {goal.goal_id: goal for goal in goal_states(session, student, today)}
    goal = states.get(nudge.goal_id)
    session.flush()
    if goal is None or goal.achieved or goal.due is None:
        return None
    return PendingNudge(first_name=student.first_name, goal_title=goal.title, due=goal.due)


def student_conversations(session: Session, student_ids: Iterable[int]) -> list[str]:
    """The conversations linked to these students (as students, not through a parent),
    not those whose chat token ended (bot/identity/access.py::current_link)."""
    keys = [recipient_key(PersonRole.STUDENT, student_id) for student_id in student_ids]
    return recipient_conversations(session, keys)
