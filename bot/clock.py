"""The school's clock: dates and times in the Netherlands, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SCHOOL_TIMEZONE = ZoneInfo("Europe/Amsterdam")


def now() -> datetime:
    return datetime.now(SCHOOL_TIMEZONE)


def today() -> date:
    return now().date()
