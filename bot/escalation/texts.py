"""Dutch texts about handoffs: who answers, the reference and the deadline. Pure."""

from __future__ import annotations

from datetime import datetime

from bot.checkins.texts import MONTH_NAMES, text
from bot.clock import SCHOOL_TIMEZONE
from bot.escalation.handoffs import HandoffView

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def format_deadline(moment: datetime, now: datetime) -> str:
    """ "vandaag om 11:00" or "dinsdag 24 november om 10:00", in Dutch time."""
    local = moment.astimezone(SCHOOL_TIMEZONE)
    clock_time = local.strftime("%H:%M")
    if local.date() == now.astimezone(SCHOOL_TIMEZONE).date():
        return f"vandaag om {clock_time}"
    day = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTH_NAMES[local.month - 1]}"
    return f"{day} om {clock_time}"


def _who_and_when(view: HandoffView, now: datetime) -> tuple[str, dict[str, str]]:
    """Which sentence fits the handoff (who answers, if anyone) and its values."""
    values = {
        "reference": view.reference,
        "deadline": format_deadline(view.deadline_at, now),
        "coordinator": view.coordinator_name or "",
        "school": view.school_name or "",
    }
    if view.already_open:
        return "already_open", values
    if view.coordinator_name is None:
        return "created_nobody", values
    if view.school_name is None:
        return "created_region", values
    return "created", values


def handoff_message(view: HandoffView, now: datetime) -> str:
    key, values = _who_and_when(view, now)
    return text("handoff", key, **values)


def risk_handoff_message(view: HandoffView, now: datetime) -> str:
    """Who will contact a person at risk, and when."""
    key, values = _who_and_when(view, now)
    return text("risk_handoff", key, **values)


def waiting_message(view: HandoffView, now: datetime) -> str:
    return text(
        "handoff",
        "waiting",
        reference=view.reference,
        deadline=format_deadline(view.deadline_at, now),
    )
