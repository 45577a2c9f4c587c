"""The outbox: notifications are written in the same transaction as their cause, and a
worker delivers them to a webhook with retries, so nothing is lost when the webhook
or this process is down. Each carries an idempotency key, so a receiver can ignore a
repeat after a delivery whose answer got lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)
    # After this many failures a message is marked failed (it stays in the database).
    max_attempts: int = 15
    timeout_seconds: float = 10.0


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


def retry_delay(attempts: int, policy: RetryPolicy) -> timedelta:
    """Exponential backoff: 10 s, 20 s, 40 s, ... up to the maximum."""
    return min(policy.first_delay * (2 ** max(attempts - 1, 0)), policy.max_delay)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    retried: int
    failed: int


async def deliver_due(
    session: Session,
    webhook_url: str,
    *,
    now: datetime,
    policy: RetryPolicy = RetryPolicy(),
    limit: int = 50,
) -> DeliveryReport:
    """POSTs every pending message that is due; records the outcome of each."""
    due = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    delivered = retried = failed = 0
    timeout = aiohttp.ClientTimeout(total=policy.timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for message in due:
            body = {
                "topic": message.topic,
                "idempotency_key": message.idempotency_key,
                "payload": json.loads(message.payload),
            }
            message.attempts += 1
            try:
                async with http.post(
                    webhook_url,
                    json=body,
                    headers={IDEMPOTENCY_HEADER: message.idempotency_key},
                ) as response:
                    if 200 <= response.status < 300:
                        message.status = OutboxStatus.DELIVERED
                        message.delivered_at = now
                        message.last_error = None
                        delivered += 1
                        continue
                    error = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = type(exc).__name__
            message.last_error = error
            if message.attempts >= policy.max_attempts:
                message.status = OutboxStatus.FAILED
                failed += 1
                logger.error(
                    "Outbox message %s failed %d times; giving up.", message.id, message.attempts
                )
            else:
                message.next_attempt_at = now + retry_delay(message.attempts, policy)
                retried += 1
    session.flush()
    return DeliveryReport(delivered=delivered, retried=retried, failed=failed)
