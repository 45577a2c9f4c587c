"""The AVG rights over REST: what is stored, and erasure with confirmation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, select, text

from bot.db.models import AuditEntry, ConversationLink, Student, TranscriptPurge
from infra.db.session import session_scope

pytestmark = pytest.mark.integration

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())


def response_text(name: str) -> str:
    (variant,) = DOMAIN["responses"][name]
    return variant["text"]


def link_student(assistant, conversation_id: str, first_name: str) -> int:
    with session_scope(assistant.database_url) as session:
        student = session.scalar(select(Student.id).where(Student.first_name == first_name))
        assistant.link(conversation_id, student_id=student)
    return student


def stored_events(assistant, conversation_id: str) -> int:
    engine = create_engine(assistant.tracker_database_url)
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT COUNT(*) FROM events WHERE sender_id = :id"), {"id": conversation_id}
        ).scalar_one()


def test_a_student_sees_what_is_stored(assistant):
    link_student(assistant, "it-my-data", "Fatma")
    (reply,) = assistant.say("it-my-data", "welke gegevens hebben jullie van mij")
    assert reply.startswith("Dit bewaren we over jou:")
    assert "- Je naam: Fatma Yilmaz" in reply and "- Je geboortedatum: 30-11-2007" in reply


def test_an_anonymous_visitor_is_told_nothing_personal_is_known(assistant):
    assert assistant.say("it-anon-data", "welke gegevens hebben jullie van mij") == [
        response_text("utter_stored_data_anonymous")
    ]


def test_erasure_needs_confirmation_and_a_no_keeps_everything(assistant):
    link_student(assistant, "it-keep", "Milan")
    messages = assistant.send("it-keep", "verwijder mijn gegevens")
    assert messages[0]["text"] == response_text("utter_confirm_erasure")
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert assistant.say("it-keep", "/deny") == [response_text("utter_erasure_cancelled")]
    with session_scope(assistant.database_url) as session:
        assert session.get(ConversationLink, "it-keep") is not None


def test_a_confirmed_erasure_removes_links_and_the_stored_conversation(assistant):
    student = link_student(assistant, "it-erase", "Lotte")
    assistant.say("it-erase", "hoi")
    assistant.say("it-erase", "verwijder mijn gegevens")
    assert assistant.say("it-erase", "/affirm") == [response_text("utter_erased")]
    with session_scope(assistant.database_url) as session:
        assert session.get(ConversationLink, "it-erase") is None
        erasure = session.scalar(select(AuditEntry).where(AuditEntry.action == "erasure"))
        assert erasure.subject_id == str(student)
        # Queued as well, so the web app's job finishes it if the quick purge is lost.
        queued = session.scalars(select(TranscriptPurge.conversation_id)).all()
        assert "it-erase" in queued
    deadline = time.monotonic() + 30
    while stored_events(assistant, "it-erase") and time.monotonic() < deadline:
        time.sleep(1)
    assert stored_events(assistant, "it-erase") == 0
    # The next message starts a fresh, anonymous conversation.
    assert assistant.say("it-erase", "hoi")[0].startswith("Hoi! Ik ben de chatbot")


def test_personal_data_never_reaches_the_application_logs(assistant):
    link_student(assistant, "it-logs", "Fatma")
    (summary,) = assistant.say("it-logs", "welke gegevens hebben jullie van mij")
    assert "Fatma Yilmaz" in summary
    assistant.say("it-logs", "ik ben Fatma Yilmaz en mijn adres is Hoofdstraat 12")
    log = assistant.log_path.read_text(errors="replace")
    with session_scope(assistant.database_url) as session:
        people = session.scalars(select(Student)).all()
        names = [f"{person.first_name} {person.last_name}" for person in people]
        birth_dates = [person.birth_date.strftime("%d-%m-%Y") for person in people]
    assert names and birth_dates
    for personal in [*names, *birth_dates, "Hoofdstraat 12"]:
        assert personal not in log
