"""Mail to coordinators: written to the outbox with its cause, sent over SMTP to a real
local server (aiosmtpd), retried when the server is down, and never with anything
from the conversation."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import select

from bot.db.models import Coordinator, Handoff, OutboxMessage, Student
from bot.escalation import handover, inbox
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.handoffs import HandoffRequest, create_handoff, escalate_overdue
from bot.escalation.mail import MAIL_TOPIC
from bot.identity.links import link_conversation
from bot.settings import ConfigurationError, load_settings
from bot.vocabulary import HandoffPriority, LinkMethod, OutboxStatus
from infra.db.session import session_scope
from infra.delivery import RetryPolicy, deliver
from infra.mail import SmtpServer, deliver_mail_due, message_id
from tests.conftest import person_id
from tests.mailbox import Mailbox

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
POLICY = RetryPolicy(first_delay=timedelta(seconds=1), timeout_seconds=5)
SECRET_WORDS = "mijn stiefvader slaat me"


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


def _server(port: int) -> SmtpServer:
    return SmtpServer(
        host="127.0.0.1",
        port=port,
        username="",
        password="",
        security="none",
        sender="Toptraject inbox <inbox@toptraject.example.org>",
    )


def _sanne_asks(url: str, conversation: str = "c-mail") -> str:
    with session_scope(url) as session:
        student = person_id(session, Student, "Sanne")
        link_conversation(session, conversation, via=LinkMethod.TOKEN, student_id=student)
        return create_handoff(
            session,
            conversation,
            HandoffRequest(
                "asked_for_person",
                "general",
                HandoffPriority.NORMAL,
                f"Gebruiker: {SECRET_WORDS}",
            ),
            now=NOW,
            policy=DeadlinePolicy(),
            default_region="twente",
        ).reference


def _send(url: str, port: int, when: datetime = NOW):
    return asyncio.run(
        deliver_mail_due(
            partial(session_scope, url),
            _server(port),
            "https://inbox.school.nl",
            now=when,
            policy=POLICY,
        )
    )


def test_a_new_handoff_mails_its_coordinator_a_link_and_never_the_conversation(
    seeded_database_url, mailbox
):
    reference = _sanne_asks(seeded_database_url)
    report = _send(seeded_database_url, mailbox.port)
    assert (report.delivered, report.retried) == (1, 0)
    (mail,) = mailbox.wait_for(lambda m: reference in m["Subject"])
    assert mail["Subject"] == f"Nieuwe vraag {reference}"
    assert mail["To"] == "m.hofman@noordik.example.org"
    body = mail.get_content()
    assert f"https://inbox.school.nl/inbox/handoffs/{reference}" in body
    assert SECRET_WORDS not in body and "Sanne" not in body
    assert mail["Message-ID"] == message_id(f"mail:handoff:{reference}:handoff.created:1")
    # Sent once: the next run finds nothing to send.
    assert _send(seeded_database_url, mailbox.port).delivered == 0


def test_an_answer_during_a_live_handover_and_an_escalation_are_mailed(
    seeded_database_url, mailbox
):
    reference = _sanne_asks(seeded_database_url)
    with session_scope(seeded_database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.reference == reference))
        coordinator = handoff.assigned_coordinator
        inbox.claim(session, coordinator, handoff, now=NOW)
        live = handover.live_for(session, "c-mail")
        for minute in range(3):  # three messages in a quarter hour: one mail
            handover.relay(
                session, live, "ben je er?", flagged=False, now=NOW + timedelta(minutes=minute)
            )
    _send(seeded_database_url, mailbox.port)
    answered = mailbox.wait_for(lambda m: m["Subject"].startswith("Nieuw bericht"))
    assert len(answered) == 1 and "ben je er" not in answered[0].get_content()

    # An unclaimed, overdue handoff climbs to the region: the regional coordinator is mailed.
    other = _sanne_asks(seeded_database_url, "c-mail-2")
    with session_scope(seeded_database_url) as session:
        escalate_overdue(session, now=NOW + timedelta(days=5), policy=DeadlinePolicy())
    _send(seeded_database_url, mailbox.port, NOW + timedelta(days=5))
    (climbed,) = mailbox.wait_for(lambda m: m["Subject"] == f"Vraag {other} is nu voor jou")
    assert climbed["To"] == "e.nijhuis@toptraject-twente.example.org"


def test_a_coordinator_who_turned_mail_off_gets_none(seeded_database_url, mailbox):
    with session_scope(seeded_database_url) as session:
        coordinator = session.scalar(
            select(Coordinator).where(Coordinator.email == "m.hofman@noordik.example.org")
        )
        inbox.choose_mail(session, coordinator, False)
    _sanne_asks(seeded_database_url)
    with session_scope(seeded_database_url) as session:
        topics = [row.topic for row in session.scalars(select(OutboxMessage))]
    assert "handoff" in topics and MAIL_TOPIC not in topics


def test_a_mail_waits_while_the_smtp_server_is_down_and_goes_when_it_is_back(
    seeded_database_url,
):
    reference = _sanne_asks(seeded_database_url)
    box = Mailbox()
    port = box.port
    box.stop()  # nobody listens on the port now
    report = _send(seeded_database_url, port)
    assert (report.delivered, report.retried) == (0, 1)
    with session_scope(seeded_database_url) as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.topic == MAIL_TOPIC))
        assert row.status is OutboxStatus.PENDING and row.last_error
    box = Mailbox()
    try:
        report = _send(seeded_database_url, box.port, NOW + timedelta(minutes=5))
        assert report.delivered == 1
        assert box.wait_for(lambda m: reference in m["Subject"])
    finally:
        box.stop()


def test_the_webhook_never_gets_the_mails_and_the_mail_never_the_webhook_s(seeded_database_url):
    _sanne_asks(seeded_database_url)
    sent: dict[bool, list[str]] = {True: [], False: []}

    async def run(mail: bool) -> None:
        async def send(claimed) -> None:
            sent[mail].append(claimed.body["topic"])

        await deliver(
            partial(session_scope, seeded_database_url), send, now=NOW, policy=POLICY, mail=mail
        )

    asyncio.run(run(False))
    asyncio.run(run(True))
    assert sent == {False: ["handoff"], True: [MAIL_TOPIC]}
    with session_scope(seeded_database_url) as session:
        payloads = [json.loads(row.payload) for row in session.scalars(select(OutboxMessage))]
    assert SECRET_WORDS not in json.dumps(payloads)


def test_unencrypted_smtp_is_refused_beyond_this_machine():
    assert load_settings({"SMTP_HOST": "127.0.0.1", "SMTP_SECURITY": "none"}).smtp_host
    with pytest.raises(ConfigurationError):
        load_settings({"SMTP_HOST": "smtp.school.nl", "SMTP_SECURITY": "none"})
    with pytest.raises(ConfigurationError):
        load_settings({"SMTP_SECURITY": "maybe"})
