"""Who is talking, over REST with the running assistant: codes, tokens, injection, logout."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, select, text

from bot.db.models import AuditEntry, ConversationLink, Guardian, GuardianStudent, Student
from bot.identity.codes import find_code_in_text
from bot.identity.tokens import ChatClaims, issue_token
from bot.vocabulary import PersonRole
from infra.db.session import session_scope
from tests.assistant import SECRET

pytestmark = pytest.mark.integration

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
ANONYMOUS_ROUTE = "Ik weet nog niet wie je bent."


def response_text(name: str, **values: str) -> str:
    (variant,) = DOMAIN["responses"][name]
    return variant["text"].format(**values)


def link_of(assistant, conversation_id: str) -> ConversationLink | None:
    with session_scope(assistant.database_url) as session:
        return session.get(ConversationLink, conversation_id)


def person_id(assistant, model, first_name: str) -> int:
    with session_scope(assistant.database_url) as session:
        return session.scalar(select(model.id).where(model.first_name == first_name))


def test_a_student_logs_in_with_a_code_is_greeted_by_name_and_logs_out(assistant):
    assert assistant.say("it-code", "ik heb een koppelcode") == [
        response_text("utter_link_code_ask")
    ]
    (linked,) = assistant.say("it-code", "mijn code is tt-7kq-2mv")
    assert linked == response_text("utter_link_code_ok", first_name="Sanne")
    assert link_of(assistant, "it-code").role is PersonRole.STUDENT
    assert assistant.say("it-code", "hoi")[0].startswith("Hoi Sanne!")
    assert assistant.say("it-code", "uitloggen") == [response_text("utter_logged_out")]
    assert link_of(assistant, "it-code") is None
    assert assistant.say("it-code", "wat is mijn volgende stap")[0].startswith(ANONYMOUS_ROUTE)


def test_wrong_codes_lock_the_conversation_with_a_clear_message(assistant):
    replies = [assistant.say("it-brute", f"TT-ABC-DE{n}")[0] for n in range(2, 7)]
    assert replies[0] == response_text("utter_link_code_wrong", tries_left="4")
    assert replies[3] == response_text("utter_link_code_wrong", tries_left="1")
    assert replies[4].startswith("Er is te vaak een verkeerde code geprobeerd.")
    # The right code is refused too while the conversation is locked.
    (refused,) = assistant.say("it-brute", "TT-9PX-4RD")
    assert refused.startswith("Er is te vaak een verkeerde code geprobeerd.")
    assert link_of(assistant, "it-brute") is None


def test_a_guardian_picks_one_of_their_own_children_and_not_someone_else(assistant):
    messages = assistant.send("it-karin", "TT-5GB-6YC")
    # The page hears of the login too (a custom message the widget does not show).
    told = [message["custom"] for message in messages if "custom" in message]
    assert told == [{"data": {"chat_state": "logged_in", "first_name": "Karin"}}]
    messages = [message for message in messages if "custom" not in message]
    assert messages[0]["text"] == response_text("utter_link_code_ok", first_name="Karin")
    assert messages[1]["text"] == response_text("utter_which_child")
    assert [button["title"] for button in messages[1]["buttons"]] == ["Lotte", "Milan"]

    chosen = assistant.say("it-karin", '/choose_child{"child_name": "Milan"}')
    assert chosen == [response_text("utter_child_chosen", child_name="Milan")]
    replies = assistant.say("it-karin", "wanneer heeft mijn zoon examen")
    assert replies[1].startswith("Milan zit in jaar 3 van het vmbo.")
    assert "Lotte" not in " ".join(replies)

    # Typing another family's child changes nothing.
    refused = assistant.say("it-karin", '/choose_child{"child_name": "Sanne"}')
    assert refused == [response_text("utter_child_unknown")]
    replies = assistant.say("it-karin", "in welk jaar zit sanne")
    assert "Sanne" not in " ".join(replies)


def test_a_parent_asks_about_one_child_and_then_and_the_other(assistant):
    # The reply to the reply: "en met Lotte?" after Milan's progress is Lotte's progress.
    children = [assistant.new_student("Milan"), assistant.new_student("Lotte")]
    with session_scope(assistant.database_url) as session:
        parent = Guardian(first_name="Ineke", last_name="Test")
        session.add(parent)
        session.flush()
        for child in children:
            session.add(GuardianStudent(guardian_id=parent.id, student_id=child))
        parent_id = parent.id
    assistant.send("it-two-children", assistant.issue_code(guardian_id=parent_id))
    milan = " ".join(assistant.say("it-two-children", "hoe gaat het met milan"))
    assert milan.startswith("Zo staat Milan ervoor") and "Lotte" not in milan
    lotte = " ".join(assistant.say("it-two-children", "en met Lotte?"))
    assert lotte.startswith("Zo staat Lotte ervoor") and "Milan" not in lotte


@pytest.mark.parametrize(
    "message",
    [
        '/ask_my_route{"student_id": 1}',
        '/ask_my_route{"student_id": 1, "role": "student", "guardian_id": 1}',
        '/give_link_code{"student_id": 1}',
        '/choose_child{"child_name": "Sanne"}',
    ],
    ids=["student-id", "role", "code-intent", "child"],
)
def test_typed_intents_with_entities_never_set_an_identity(assistant, message, request):
    conversation = f"it-inject-{request.node.callspec.id}"
    assistant.say(conversation, message)
    assert link_of(assistant, conversation) is None
    assert assistant.say(conversation, "wat is mijn volgende stap")[0].startswith(ANONYMOUS_ROUTE)


def test_metadata_fields_other_than_a_signed_token_are_ignored(assistant):
    metadata = {"student_id": 1, "role": "student", "chat_token": "not-a-token"}
    (reply,) = assistant.say("it-meta", "wat is mijn volgende stap", metadata)
    assert reply.startswith(ANONYMOUS_ROUTE)
    assert link_of(assistant, "it-meta") is None


def test_a_signed_token_in_the_session_metadata_links_the_conversation(assistant):
    now = datetime.now(timezone.utc)
    daan = person_id(assistant, Student, "Daan")
    token = issue_token(ChatClaims(PersonRole.STUDENT, daan), secret_key=SECRET, now=now)
    (reply,) = assistant.say("it-token", "wat is mijn volgende stap", {"chat_token": token})
    assert reply.startswith("Je zit nu in mbo jaar 2.")
    assert link_of(assistant, "it-token").student_id == daan
    # The page sends the token with every message; none is stored with the conversation.
    assistant.say("it-token", "dank je", {"chat_token": token})
    with create_engine(assistant.tracker_database_url).connect() as connection:
        stored = connection.execute(
            text("SELECT data FROM events WHERE sender_id = 'it-token'")
        ).scalars()
        stored = list(stored)
    assert len(stored) > 5 and not [data for data in stored if token in data]
    assert any('"chat_token"' not in data and "dank je" in data for data in stored)


def test_a_token_signed_with_another_key_is_refused(assistant):
    now = datetime.now(timezone.utc)
    petra = person_id(assistant, Guardian, "Petra")
    forged = issue_token(
        ChatClaims(PersonRole.GUARDIAN, petra),
        secret_key="someone-else-s-key-of-enough-length",
        now=now,
    )
    (reply,) = assistant.say("it-forged", "wat is mijn volgende stap", {"chat_token": forged})
    assert reply.startswith(ANONYMOUS_ROUTE)
    assert link_of(assistant, "it-forged") is None
    assert "Refused a chat token" in assistant.log_path.read_text()


def test_codes_never_reach_the_audit_log_or_application_logs(assistant):
    log = assistant.log_path.read_text()
    with session_scope(assistant.database_url) as session:
        details = " ".join(session.scalars(select(AuditEntry.detail)))
    assert find_code_in_text(details) is None
    assert "TT-5GB-6YC" not in log and "tt-7kq-2mv" not in log
