"""Dutch texts about handoffs: who answers, the reference and the deadline. Pure."""

from __future__ import annotations

from datetime import datetime

from bot.content.catalog import text
from bot.escalation import handover
from bot.escalation.handoffs import HandoffView
from bot.escalation.replies import Reply
from bot.language.dates import format_moment

# A handoff's deadline, as the person and the coordinator read it.
format_deadline = format_moment


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
    if view.anonymous:
        return "created_anonymous", values
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
    if key == "created_anonymous":  # the way back is asked right after (follow_up.py)
        key = "created_region" if view.coordinator_name else "created_nobody"
    return text("risk_handoff", key, **values)


def waiting_message(view: HandoffView, now: datetime) -> str:
    return text(
        "handoff",
        "waiting",
        reference=view.reference,
        deadline=format_deadline(view.deadline_at, now),
    )


def age_label(since: datetime, now: datetime) -> str:
    """How long ago a handoff came in, in the inbox's words ("3 uur geleden")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 2:
        return text("inbox", "age", "just_now")
    if minutes < 60:
        return text("inbox", "age", "minutes", n=minutes)
    if minutes < 48 * 60:
        return text("inbox", "age", "hours", n=minutes // 60)
    return text("inbox", "age", "days", n=minutes // (24 * 60))


def reply_text(reply: Reply) -> str:
    """What the person reads: a coordinator's reply under its heading, or a notice of a
    live handover (who they talk with now, or that the bot is back)."""
    if reply.notice:
        key = reply.body
        if key == handover.STARTED and reply.school_name is None:
            key = "started_region"
        return text(
            "handover",
            key,
            coordinator=reply.coordinator_name,
            school=reply.school_name or "",
            reference=reply.reference,
        )
    heading = text(
        "handoff",
        "live_reply" if reply.live else "reply",
        coordinator=reply.coordinator_name,
        reference=reply.reference,
    )
    return f"{heading}\n{reply.body}"
