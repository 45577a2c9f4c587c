"""Fault drills on a running assistant: the action server paused and killed, Rasa
killed, the domain database locked for 15 s, the webhook failing and then slow.

Each drill checks what a person notices (an answer, never silence), that the process
comes back by itself, and that nothing a person told the assistant is lost or doubled.
Recovery times are printed; the target (back within 30 s) is judged from them, not
asserted on a shared, noisy machine (the assertions allow 90 s).
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.content.catalog import catalog
from bot.db.models import CheckIn, Handoff, OutboxMessage, RiskFlag
from bot.vocabulary import OutboxStatus
from infra.db.session import session_scope
from tests.drills.conftest import resume, signal_service, wait_until_back

PATIENCE = catalog().message("patience").strip()
KEPT_CHECKIN = catalog().message("checkin", "kept").strip()
BACK_WITHIN = 90  # seconds; the printed figure is what counts


def linked(assistant, conversation: str, first_name: str) -> int:
    student = assistant.new_student(first_name)
    assistant.link(conversation, student_id=student)
    return student


def knows_the_route(assistant, conversation: str) -> bool:
    return any(
        "Toptraject" in reply for reply in assistant.say(conversation, "wat is het toptraject")
    )


@pytest.mark.parametrize("fault", ["paused", "killed"])
def test_the_action_server_down_gets_patience_and_comes_back(drill_assistant, fault):
    conversation = f"drill-actions-{fault}"
    assert knows_the_route(drill_assistant, conversation)
    signum = signal.SIGSTOP if fault == "paused" else signal.SIGKILL
    pid = signal_service(drill_assistant, "actions", signum)
    try:
        started = time.monotonic()
        replies = drill_assistant.say(conversation, "hoeveel kost de bus naar het mbo")
        waited = time.monotonic() - started
        back = wait_until_back(drill_assistant, pid, "actions", BACK_WITHIN)
    finally:
        resume(pid)
    print(f"\nAction server {fault}: answered in {waited:.1f} s, back after {back:.1f} s")
    assert replies == [PATIENCE]
    assert knows_the_route(drill_assistant, conversation)


def test_rasa_killed_comes_back_and_the_conversation_goes_on(drill_assistant):
    conversation = "drill-rasa-killed"
    linked(drill_assistant, conversation, "Rasa")
    assert knows_the_route(drill_assistant, conversation)
    events_before = len(drill_assistant.tracker(conversation)["events"])
    pid = signal_service(drill_assistant, "rasa", signal.SIGKILL)
    back = wait_until_back(drill_assistant, pid, "rasa", BACK_WITHIN)
    print(f"\nRasa killed: back after {back:.1f} s")
    replies = drill_assistant.say(conversation, "hoe sta ik ervoor")
    assert any("Zo sta je ervoor" in reply for reply in replies)  # still linked
    assert len(drill_assistant.tracker(conversation)["events"]) > events_before


class LockedDatabase:
    """Another process holds the domain database's write lock for some seconds."""

    def __init__(self, database_url: str, seconds: float):
        self.path = database_url.removeprefix("sqlite:///")
        self.seconds = seconds
        self.locked = threading.Event()

    def _hold(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        self.locked.set()
        time.sleep(self.seconds)
        connection.execute("ROLLBACK")
        connection.close()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        self.locked.wait()
        return self

    def __exit__(self, *exc):
        self.thread.join()


def check_in_until_the_last_answer(assistant, conversation: str) -> None:
    (question,) = assistant.send(conversation, "ik wil inchecken")
    for answer in (question["buttons"][0]["payload"], "bezig", "3", "Weinig tijd"):
        assistant.say(conversation, answer)


def count(assistant, model, **where) -> int:
    with session_scope(assistant.database_url) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.scalar(query)


def wait_for(predicate, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(1)
    return False


def test_a_locked_database_loses_no_check_in_handoff_or_risk_signal(drill_assistant):
    student = linked(drill_assistant, "drill-locked-checkin", "Slot")
    linked(drill_assistant, "drill-locked-handoff", "Wacht")
    linked(drill_assistant, "drill-locked-risk", "Pest")
    check_in_until_the_last_answer(drill_assistant, "drill-locked-checkin")
    for conversation in ("drill-locked-handoff", "drill-locked-risk"):
        drill_assistant.say(conversation, "hoi")
    results = {}

    def say(conversation, text):
        results[conversation] = drill_assistant.say(conversation, text)

    with LockedDatabase(drill_assistant.database_url, seconds=15):
        talks = [
            threading.Thread(target=say, args=args)
            for args in (
                ("drill-locked-checkin", "Als ik tijd heb, dan oefen ik"),
                ("drill-locked-handoff", "ik wil iemand spreken"),
                ("drill-locked-risk", "ik word elke dag gepest op school"),
            )
        ]
        for talk in talks:
            talk.start()
        for talk in talks:
            talk.join()
    print(f"\nDatabase locked 15 s: replies {results}")
    assert results["drill-locked-checkin"] == [KEPT_CHECKIN]
    assert catalog().message("handoff", "kept").strip() in results["drill-locked-handoff"]
    assert any("0800-0432" in reply for reply in results["drill-locked-risk"])

    # The web app's job stores what was kept, once.
    assert wait_for(lambda: count(drill_assistant, CheckIn, student_id=student) == 1)
    assert wait_for(
        lambda: count(drill_assistant, Handoff, conversation_id="drill-locked-handoff") == 1
    )
    assert wait_for(
        lambda: count(drill_assistant, RiskFlag, conversation_id="drill-locked-risk") == 1
    )
    time.sleep(35)  # one more run of the job: nothing is doubled
    assert count(drill_assistant, CheckIn, student_id=student) == 1
    assert count(drill_assistant, Handoff, conversation_id="drill-locked-handoff") == 1
    assert count(drill_assistant, RiskFlag, conversation_id="drill-locked-risk") == 1
    assert list(drill_assistant.settings.kept_dir.glob("kept-*")) == []
    # And the student goes on as usual.
    assert knows_the_route(drill_assistant, "drill-locked-checkin")


def test_a_failing_then_slow_webhook_gets_every_notification_and_repeats_none_it_took(
    drill_assistant,
):
    webhook = drill_assistant.webhook
    webhook.status = 500
    conversations = [f"drill-webhook-{n}" for n in range(3)]
    for conversation in conversations:
        linked(drill_assistant, conversation, "Hook")
        replies = drill_assistant.say(conversation, "ik wil iemand spreken")
        assert replies and replies[0].startswith("Ik heb je vraag doorgegeven"), replies
    with session_scope(drill_assistant.database_url) as session:
        references = session.scalars(
            select(Handoff.reference).where(Handoff.conversation_id.in_(conversations))
        ).all()
        keys = {
            key
            for key in session.scalars(select(OutboxMessage.idempotency_key))
            if any(key.startswith(f"handoff:{reference}:") for reference in references)
        }
    assert len(keys) == 3
    assert wait_for(lambda: sum(p["key"] in keys for p in webhook.posts) >= 6, timeout=60)
    webhook.status, webhook.delay = 200, 3.0  # slower than the 2 s timeout
    time.sleep(8)
    webhook.delay = 0.0

    def delivered() -> bool:
        with session_scope(drill_assistant.database_url) as session:
            statuses = session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.idempotency_key.in_(keys))
            ).all()
        return statuses and all(status is OutboxStatus.DELIVERED for status in statuses)

    assert wait_for(delivered, timeout=120)
    time.sleep(5)
    taken = [p for p in webhook.posts if p["key"] in keys and p["status"] == 200 and not p["delay"]]
    print(
        f"\nWebhook failing then slow: {sum(p['key'] in keys for p in webhook.posts)} posts "
        f"for {len(keys)} notifications, {len(taken)} taken in time"
    )
    # Each notification was taken in time exactly once; nothing was sent after that.
    assert sorted(p["key"] for p in taken) == sorted(keys)
    for key in keys:
        posts = [p for p in webhook.posts if p["key"] == key]
        assert posts[-1]["status"] == 200 and not posts[-1]["delay"]
