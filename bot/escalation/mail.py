"""Mail to coordinators about handoffs: written to the outbox (topic "mail") in the same
transaction as its cause, and sent by infra/mail.py.

A mail says that something happened and where to look: the reference, the priority, the
deadline and a link to the inbox. Never a name or anything from the conversation: mail
leaves the school's systems, the inbox is behind a login. Only coordinators who chose
mail (Coordinator.mail_notifications) get it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.content.catalog import catalog, text
from bot.db.models import Coordinator, Handoff
from bot.language.dates import format_moment
from bot.outbox import enqueue_once

MAIL_TOPIC = "mail"
CREATED = "handoff.created"
ANSWERED = "handoff.answered"
ESCALATED = "handoff.escalated"
RISK = "handoff.risk"
EVENTS = (CREATED, ANSWERED, ESCALATED, RISK)


def inbox_path(reference: str) -> str:
    """The handoff's page, relative to the inbox's public address."""
    return f"/inbox/handoffs/{reference}"


def mail_event(event: str) -> str | None:
    """The mail an outbox event asks for ("handoff.risk.bullying" -> "handoff.risk"), or
    None when coordinators get no mail about it."""
    if event.startswith(RISK + "."):
        return RISK
    return event if event in EVENTS else None


def compose(event: str, handoff: Handoff, *, now: datetime) -> tuple[str, str]:
    """The subject and body of the mail about a handoff (Dutch, from messages.yml)."""
    labels = catalog().messages["inbox"]["priorities"]
    values = {
        "reference": handoff.reference,
        "priority": str(labels.get(handoff.priority.value, handoff.priority.value)).strip(),
        "deadline": format_moment(handoff.deadline_at, now),
    }
    return text("mail", "subjects", event, **values), text("mail", "bodies", event, **values)


def enqueue_mail(
    session: Session,
    event: str,
    handoff: Handoff,
    coordinator: Coordinator | None,
    *,
    key: str,
    now: datetime,
) -> bool:
    """Writes the mail about this event to the outbox, if the coordinator wants mail.
    `key` is the cause's idempotency key: one mail per cause, however often it is asked."""
    which = mail_event(event)
    if which is None or coordinator is None or not coordinator.active:
        return False
    if not coordinator.mail_notifications or not coordinator.email:
        return False
    subject, body = compose(which, handoff, now=now)
    written = enqueue_once(
        session,
        MAIL_TOPIC,
        {
            "to": coordinator.email,
            "subject": subject,
            "body": body,
            "path": inbox_path(handoff.reference),
        },
        key=f"mail:{key}",
        now=now,
    )
    return written is not None
