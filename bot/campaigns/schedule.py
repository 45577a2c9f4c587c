"""When a campaign sends: pure decisions about its window, its runs and quiet hours."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from bot.checkins.nudges import in_quiet_hours
from bot.clock import SCHOOL_TIMEZONE


@dataclass(frozen=True)
class MessagePolicy:
    """The rules every campaign message obeys (the nudges' quiet hours as well)."""

    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    weekly_cap: int = 2


class Step(str, enum.Enum):
    WAIT = "wait"  # not yet due, or in quiet hours
    SEND = "send"  # a run is due now
    FINISH = "finish"  # the window closed: no more runs


def next_step(
    next_run_at: datetime | None, ends_at: datetime, now: datetime, policy: MessagePolicy
) -> Step:
    if next_run_at is None or now >= ends_at:
        return Step.FINISH
    if now < next_run_at or in_quiet_hours(now, policy.quiet_start, policy.quiet_end):
        return Step.WAIT
    return Step.SEND


def following_run(
    starts_at: datetime, repeat_days: int, ends_at: datetime, now: datetime
) -> datetime | None:
    """When the next run is due after a run at `now`, or None when there is none: a
    one-off campaign runs once; a repeating one every repeat_days from its start (a
    run missed while nothing ran is skipped, not sent twice), while before its end."""
    if repeat_days <= 0:
        return None
    period = timedelta(days=repeat_days)
    passed = max((now - starts_at) // period + 1, 1)
    # On the school's clock: a run at 16:00 stays at 16:00 when summer time starts.
    start = starts_at.astimezone(SCHOOL_TIMEZONE)
    following = (start + period * passed).astimezone(timezone.utc)
    return following if following < ends_at else None
