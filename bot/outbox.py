"""The outbox: a notification is written in the same transaction as its cause, with an
idempotency key, and delivered later by infra/delivery.py; it is sent only if its cause
was stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage
from bot.vocabulary import OutboxStatus


def enqueue(
    session: Session, topic: str, payload: dict[str, Any], *, key: str, now: datetime
) -> OutboxMessage:
    """Adds a notification to the caller's transaction; it is sent only if that commits."""
    message = OutboxMessage(
        topic=topic,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        idempotency_key=key,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message


def enqueue_once(
    session: Session, topic: str, payload: dict[str, Any], *, key: str, now: datetime
) -> OutboxMessage | None:
    """Like enqueue, unless a notification with this key was already written (a key
    for a span of time: one notification per span); then None. Two writers at once:
    the second one's insert fails inside its own savepoint, and only that is undone."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return None
    try:
        with session.begin_nested():
            message = enqueue(session, topic, payload, key=key, now=now)
            session.flush()
    except IntegrityError:
        return None
    return message
