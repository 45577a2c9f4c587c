"""Dates and times written the Dutch way, for what a person reads. Pure.

"12 december", "dinsdag 24 november om 10:00", "vandaag om 11:00": in the school's time
zone, whatever the server's."""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import SCHOOL_TIMEZONE

MONTH_NAMES = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
    "september", "oktober", "november", "december",
)  # fmt: skip
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def format_day(day: date, today: date) -> str:
    """12 december (and the year when it is not this year's)."""
    text = f"{day.day} {MONTH_NAMES[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def format_moment(moment: datetime, now: datetime) -> str:
    """ "vandaag om 11:00" or "dinsdag 24 november om 10:00", in Dutch time."""
    local = moment.astimezone(SCHOOL_TIMEZONE)
    clock_time = local.strftime("%H:%M")
    if local.date() == now.astimezone(SCHOOL_TIMEZONE).date():
        return f"vandaag om {clock_time}"
    day = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTH_NAMES[local.month - 1]}"
    return f"{day} om {clock_time}"
