"""Delivering the outbox (bot/outbox.py) with retries, so nothing is lost when the
receiver or this process is down: notifications to a webhook, mails over SMTP
(infra/mail.py). Each message carries its idempotency key, so a receiver can ignore a
repeat after a delivery whose answer got lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage
from bot.escalation.mail import MAIL_TOPIC
from bot.vocabulary import OutboxStatus

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)
    # After this many failures a message is marked failed (it stays in the database).
    max_attempts: int = 15
    timeout_seconds: float = 10.0


def retry_delay(attempts: int, policy: RetryPolicy) -> timedelta:
    """Exponential backoff: 10 s, 20 s, 40 s, ... up to the maximum."""
    return min(policy.first_delay * (2 ** max(attempts - 1, 0)), policy.max_delay)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    retried: int
    failed: int


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    key: str
    body: dict[str, Any]


def _claim_next(
    session: Session, *, now: datetime, policy: RetryPolicy, mail: bool = False
) -> Claimed | None:
    """Takes the oldest due message and books its attempt before anything is sent.

    The booking already moves the next attempt to the backoff time, as if this attempt
    will fail: if the process dies while posting, the message is tried again later (the
    idempotency key lets the receiver drop a repeat), never lost. The update is
    conditional, so two workers never send the same message at once.
    """
    while True:
        message = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                (OutboxMessage.topic == MAIL_TOPIC)
                if mail
                else (OutboxMessage.topic != MAIL_TOPIC),
            )
            .order_by(OutboxMessage.id)
            .limit(1)
        ).first()
        if message is None:
            return None
        attempts = message.attempts + 1
        booked = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.attempts == message.attempts,
            )
            .values(attempts=attempts, next_attempt_at=now + retry_delay(attempts, policy))
            .execution_options(synchronize_session=False)
        )
        if booked.rowcount == 1:
            return Claimed(
                id=message.id,
                attempts=attempts,
                key=message.idempotency_key,
                body={
                    "topic": message.topic,
                    "idempotency_key": message.idempotency_key,
                    "payload": json.loads(message.payload),
                },
            )
        session.expire(message)  # another worker took it; look again


async def _post(http: aiohttp.ClientSession, url: str, claimed: Claimed) -> str | None:
    """Sends one message; None when the receiver took it, else what went wrong."""
    try:
        async with http.post(
            url, json=claimed.body, headers={IDEMPOTENCY_HEADER: claimed.key}
        ) as response:
            if 200 <= response.status < 300:
                return None
            return f"HTTP {response.status}"
    except asyncio.TimeoutError:
        return "timeout"
    except Exception as exc:
        return type(exc).__name__


def _record(
    session: Session, claimed: Claimed, error: str | None, *, now: datetime, policy: RetryPolicy
) -> str:
    """Stores the outcome of one attempt; returns delivered, retried or failed."""
    message = session.get(OutboxMessage, claimed.id)
    if error is None:
        message.status = OutboxStatus.DELIVERED
        message.delivered_at = now
        message.last_error = None
        return "delivered"
    message.last_error = error
    if claimed.attempts >= policy.max_attempts:
        message.status = OutboxStatus.FAILED
        logger.error("Outbox message %s failed %d times; giving up.", claimed.id, claimed.attempts)
        return "failed"
    return "retried"


# Sends one claimed message; None when the receiver took it, else what went wrong.
Send = Callable[[Claimed], Awaitable[str | None]]


async def deliver(
    open_session: Callable[[], AbstractContextManager[Session]],
    send: Send,
    *,
    now: datetime,
    policy: RetryPolicy,
    limit: int = 50,
    mail: bool = False,
) -> DeliveryReport:
    """Sends the pending messages that are due, one at a time: the mails (mail=True) or
    the rest.

    Each message is booked, sent and recorded in transactions of its own, and no
    database session is held while waiting on the receiver: one slow or failing
    delivery never undoes another that succeeded, and a timeout counts as a failed
    attempt with backoff and, in the end, a give-up.
    """
    outcomes = {"delivered": 0, "retried": 0, "failed": 0}

    def claim() -> Claimed | None:
        with open_session() as session:
            return _claim_next(session, now=now, policy=policy, mail=mail)

    def record(claimed: Claimed, error: str | None) -> str:
        with open_session() as session:
            return _record(session, claimed, error, now=now, policy=policy)

    for _ in range(limit):
        claimed = await asyncio.to_thread(claim)
        if claimed is None:
            break
        error = await send(claimed)
        outcomes[await asyncio.to_thread(record, claimed, error)] += 1
    return DeliveryReport(**outcomes)


async def deliver_due(
    open_session: Callable[[], AbstractContextManager[Session]],
    webhook_url: str,
    *,
    now: datetime,
    policy: RetryPolicy = RetryPolicy(),
    limit: int = 50,
) -> DeliveryReport:
    """POSTs the pending notifications (all but mail) that are due to the webhook."""
    timeout = aiohttp.ClientTimeout(total=policy.timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def post(claimed: Claimed) -> str | None:
            return await _post(http, webhook_url, claimed)

        return await deliver(open_session, post, now=now, policy=policy, limit=limit)
