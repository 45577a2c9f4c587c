"""Sending the outbox's mails (topic "mail", written by bot/escalation/mail.py) over SMTP
with aiosmtplib, with the outbox's retries (infra/delivery.py).

The mail's text was decided when its cause was stored; here it gets the inbox link and
the footer, and a Message-ID made from its idempotency key, so a mail sent twice (the
answer of the SMTP server got lost) is one message to a mail client.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.orm import Session

from bot.content.catalog import text
from bot.settings import Settings
from infra.delivery import Claimed, DeliveryReport, RetryPolicy, deliver

# Mails to people other than coordinators: their own link and footer (messages.yml, mail).
MAIL_AUDIENCES = ("asker", "campaign")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    security: str  # starttls, tls or none
    sender: str
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            sender=settings.mail_from,
            timeout_seconds=settings.outbox_timeout_seconds,
        )


def message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@toptraject.mail>"


def mail_message(claimed: Claimed, *, sender: str, inbox_url: str) -> EmailMessage:
    """The mail as it is sent: the stored text, the link to the handoff, the footer."""
    payload = claimed.body["payload"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = message_id(claimed.key)
    link = inbox_url.rstrip("/") + payload["path"]
    # A coordinator's mail, one to someone who asked without logging in, or a campaign's.
    audience = payload.get("audience")
    labels = ("mail", audience) if audience in MAIL_AUDIENCES else ("mail",)
    message.set_content(
        "\n\n".join(
            (
                payload["body"].strip(),
                text(*labels, "open", link=link),
                text(*labels, "footer"),
            )
        )
        + "\n"
    )
    return message


async def send_mail(server: SmtpServer, message: EmailMessage) -> str | None:
    """Sends one mail; None when the server took it, else what went wrong."""
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username or None,
            password=server.password or None,
            start_tls=server.security == "starttls",
            use_tls=server.security == "tls",
            timeout=server.timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
        return type(error).__name__
    return None


async def deliver_mail_due(
    open_session: Callable[[], AbstractContextManager[Session]],
    server: SmtpServer,
    inbox_url: str,
    *,
    now: datetime,
    policy: RetryPolicy,
    limit: int = 50,
) -> DeliveryReport:
    """Sends the mails that are due."""

    async def send(claimed: Claimed) -> str | None:
        return await send_mail(
            server, mail_message(claimed, sender=server.sender, inbox_url=inbox_url)
        )

    return await deliver(open_session, send, now=now, policy=policy, limit=limit, mail=True)
