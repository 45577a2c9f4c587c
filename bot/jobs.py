"""Background jobs: run once from the command line, or on a timer inside the web app.

A job is a plain function of the settings and the current time that returns a short
English summary for the log; it never logs personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.checkins.nudges import NudgePolicy, create_nudges, parse_quiet_hours
from bot.db.session import session_scope
from bot.identity.transcripts import purge_transcripts
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Settings, datetime], str]
    interval: timedelta


def purge_erased(
    settings: Settings, now: datetime, conversation_ids: Iterable[str] | None = None
) -> str:
    """Removes the stored conversations of people who asked for erasure."""
    with session_scope(settings.database_url) as session:
        report = purge_transcripts(
            session, settings.tracker_database_url, now=now, conversation_ids=conversation_ids
        )
    return (
        f"{report.events_removed} events removed, {report.purges_completed} purges completed, "
        f"{report.purges_open} still open"
    )


def nudge(settings: Settings, now: datetime) -> str:
    """Nudges students with a goal due soon and no check-in for it."""
    quiet_start, quiet_end = parse_quiet_hours(settings.nudge_quiet_hours)
    policy = NudgePolicy(
        days_ahead=settings.nudge_days_ahead, quiet_start=quiet_start, quiet_end=quiet_end
    )
    with session_scope(settings.database_url) as session:
        chosen = create_nudges(session, now=now, policy=policy)
    return f"{len(chosen)} students nudged"


def scheduled_jobs(settings: Settings) -> tuple[Job, ...]:
    """The jobs the web app runs on a timer; an interval of 0 minutes switches one off."""
    jobs = [Job(name="purge-erased", run=purge_erased, interval=timedelta(minutes=1))]
    if settings.nudge_every_minutes:
        jobs.append(
            Job(name="nudge", run=nudge, interval=timedelta(minutes=settings.nudge_every_minutes))
        )
    return tuple(jobs)
