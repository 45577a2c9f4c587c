"""The school's clock: dates and times in the Netherlands, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SCHOOL_TIMEZONE = ZoneInfo("Europe/Amsterdam")


def now() -> datetime:
    return datetime.now(SCHOOL_TIMEZONE)


def today() -> date:
    return now().date()


def parse_time_span(text: str) -> tuple[time, time]:
    """ "08:30-16:30" -> (08:30, 16:30). ValueError when it is not two HH:MM times."""
    start, separator, end = text.partition("-")
    if not separator:
        raise ValueError(f"not a time span: {text!r}")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
