"""Background jobs: run once from the command line, or on a timer inside the web app.

A job is a plain function of the settings and the current time that returns a short
English summary for the log; it never logs personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

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


SCHEDULED_JOBS: tuple[Job, ...] = (
    Job(name="purge-erased", run=purge_erased, interval=timedelta(minutes=1)),
)
