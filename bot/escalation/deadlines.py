"""When a handoff must be answered: urgent within an hour, normal within one school day.

Pure. School days are Monday to Friday; office hours are configurable. A handoff made
outside office hours starts counting at the next opening: nobody is promised an answer
at night that nobody is there to give (the crisis lines are, day and night).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.clock import SCHOOL_TIMEZONE, parse_time_span
from bot.settings import Settings
from bot.vocabulary import HandoffPriority


@dataclass(frozen=True)
class DeadlinePolicy:
    office_opens: time = time(8, 30)
    office_closes: time = time(16, 30)
    urgent_within: timedelta = timedelta(hours=1)
    school_days: int = 1


def _is_school_day(moment: datetime) -> bool:
    return moment.weekday() < 5


def next_opening(moment: datetime, policy: DeadlinePolicy) -> datetime:
    """`moment` itself when the office is open, else the next opening time."""
    local = moment.astimezone(SCHOOL_TIMEZONE)
    if _is_school_day(local) and policy.office_opens <= local.time() < policy.office_closes:
        return local
    day = local.date()
    if _is_school_day(local) and local.time() < policy.office_opens:
        candidate = day
    else:
        candidate = day + timedelta(days=1)
    while candidate.weekday() >= 5:
        candidate += timedelta(days=1)
    return datetime.combine(candidate, policy.office_opens, tzinfo=SCHOOL_TIMEZONE)


def deadline(created: datetime, priority: HandoffPriority, policy: DeadlinePolicy) -> datetime:
    start = next_opening(created, policy)
    if priority is HandoffPriority.URGENT:
        return start + policy.urgent_within
    due = start
    for _ in range(policy.school_days):
        due += timedelta(days=1)
        while due.weekday() >= 5:
            due += timedelta(days=1)
    return due


def office_is_open(moment: datetime, policy: DeadlinePolicy) -> bool:
    return next_opening(moment, policy) == moment.astimezone(SCHOOL_TIMEZONE)


def deadline_policy(settings: Settings) -> DeadlinePolicy:
    opens, closes = parse_time_span(settings.office_hours)
    return DeadlinePolicy(
        office_opens=opens,
        office_closes=closes,
        urgent_within=timedelta(minutes=settings.urgent_deadline_minutes),
        school_days=settings.normal_deadline_school_days,
    )
