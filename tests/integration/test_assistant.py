"""A real conversation over REST with the running assistant (see conftest.py)."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
import socketio
import yaml
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bot.content.catalog import catalog
from bot.db.models import AuditEntry, RiskFlag, Student
from bot.input_check import MAX_MESSAGE_CHARS, valid_conversation_id
from bot.vocabulary import RiskKind
from infra.db.session import session_scope
from infra.services import is_healthy
from tests.assistant import database_kind

pytestmark = pytest.mark.integration

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())


def response_texts(name: str) -> set[str]:
    return {variant["text"] for variant in DOMAIN["responses"][name]}


def only_reply(replies: list[str]) -> str:
    assert len(replies) == 1, replies
    return replies[0]


def test_anonymous_greeting_comes_from_the_custom_action(assistant):
    reply = only_reply(assistant.say("it-visitor", "hoi"))
    assert reply in response_texts("utter_greet_anonymous")


def test_linked_student_is_greeted_by_name_from_the_database(assistant):
    with session_scope(assistant.database_url) as session:
        sanne = session.execute(select(Student).filter_by(first_name="Sanne")).scalar_one()
        assistant.link("it-sanne", student_id=sanne.id)
        sanne_id = sanne.id

    reply = only_reply(assistant.say("it-sanne", "hallo"))
    assert reply.startswith("Hoi Sanne!")

    with session_scope(assistant.database_url) as session:
        reads = session.execute(
            select(AuditEntry).filter_by(conversation_id="it-sanne", action="read")
        ).scalars()
        assert [(entry.subject_type, entry.subject_id) for entry in reads] == [
            ("student", str(sanne_id))
        ]


def test_a_typed_intent_with_entities_cannot_claim_an_identity(assistant):
    reply = only_reply(assistant.say("it-injector", '/greet{"student_id": 1, "first_name": "X"}'))
    assert reply in response_texts("utter_greet_anonymous")


@pytest.mark.parametrize(
    ("message", "response"),
    [
        ("", "utter_fallback_empty"),
        ("   ", "utter_fallback_empty"),
        ("😀😀😀🎉", "utter_fallback_no_words"),
        # English is read too (some parents write it); off-topic, it is declined.
        ("what is the weather like today", ("utter_fallback_english", "utter_out_of_scope")),
        ("<script>alert('x')</script>", "utter_fallback_markup"),
        ("asdfgh qwerty", "utter_fallback_not_understood"),
    ],
    ids=["empty", "blank", "emoji", "english", "script", "gibberish"],
)
def test_bad_input_gets_a_short_dutch_answer(assistant, message, response, request):
    reply = only_reply(assistant.say(f"it-bad-input-{request.node.callspec.id}", message))
    names = response if isinstance(response, tuple) else (response,)
    assert any(reply in response_texts(name) for name in names)


def post_to_webhook(assistant, body: bytes) -> int:
    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.parametrize(
    "body",
    [
        b'{"sender": "\\ud800x", "message": "hoi"}',
        b'{"message": "hoi"}',
        b'{"sender": "", "message": "hoi"}',
        b'{"sender": "' + b"x" * 300 + b'", "message": "hoi"}',
        b'{"sender": 7, "message": "hoi"}',
        b"[1, 2]",
        b'"hoi"',
    ],
    ids=["lone-surrogate", "no-sender", "empty-sender", "long-sender", "number", "list", "text"],
)
def test_a_bad_sender_or_body_is_refused_and_the_service_stays_up(assistant, body, request):
    # A lone surrogate as the sender once made Rasa exit, and every conversation with it.
    assert post_to_webhook(assistant, body) == 400
    sender = f"it-after-{request.node.callspec.id}"
    assert only_reply(assistant.say(sender, "hoi")) in response_texts("utter_greet_anonymous")


def test_a_bad_socket_session_id_gets_a_fresh_one_and_the_service_stays_up(assistant):
    client = socketio.Client()
    confirmed = queue.Queue()
    client.on("session_confirm", confirmed.put)
    client.connect(assistant.rasa_url, transports=["polling"])
    try:
        client.emit("session_request", {"session_id": "\ud800x"})
        session_id = confirmed.get(timeout=30)
        client.emit("user_uttered", {"session_id": "\ud800x", "message": "hoi"})
    finally:
        client.disconnect()
    assert valid_conversation_id(session_id) and session_id != "\ud800x"
    assert only_reply(assistant.say("it-after-socket", "hoi")) in response_texts(
        "utter_greet_anonymous"
    )


def test_the_cluster_parts_are_used_when_the_run_has_them(assistant):
    """On PostgreSQL the run has Redis too (tests/assistant.py): Rasa's conversation locks
    and the bot's socket.io messages go through it; on SQLite Rasa runs alone."""
    endpoints = yaml.safe_load((assistant.log_path.parent / "endpoints.yml").read_text())
    if assistant.redis is None:
        assert "lock_store" not in endpoints
        return
    assert endpoints["lock_store"]["type"] == "channels.lock_store.SharedLockStore"
    server = redis.Redis.from_url(assistant.redis.url())
    before = server.info("stats")["total_commands_processed"]
    assistant.say("it-redis", "hoi")
    # Join (WATCH, GET, MULTI, SET, EXEC), at least one look at the queue, and leave.
    assert server.info("stats")["total_commands_processed"] - before >= 8
    assert server.keys("toptraject:lock:*") == []  # nothing left held

    client = socketio.Client()
    answers = queue.Queue()
    client.on("bot_uttered", answers.put)
    client.connect(assistant.rasa_url, transports=["polling"])
    try:
        client.emit("session_request", {"session_id": "it-redis-socket"})
        client.emit("user_uttered", {"session_id": "it-redis-socket", "message": "hoi"})
        assert answers.get(timeout=60)["text"] in response_texts("utter_greet_anonymous")
        # The Rasa server listens on the bus for what other servers say.
        assert server.pubsub_numsub("toptraject-socketio") == [(b"toptraject-socketio", 1)]
    finally:
        client.disconnect()


def user_texts_stored(assistant, conversation: str) -> list[str]:
    engine = create_engine(assistant.tracker_database_url)
    with engine.connect() as connection:
        events = connection.execute(
            text("SELECT type_name, data FROM events WHERE sender_id = :id"), {"id": conversation}
        ).all()
    return [json.loads(data)["text"] for type_name, data in events if type_name == "user"]


@pytest.mark.parametrize("size", [1001, 5800, 120_000])
def test_a_long_message_is_read_once_and_a_repeat_is_answered_at_the_edge(assistant, size):
    conversation = f"it-huge-{size}"
    long = ("ik heb een vraag over het ov en over de examens " * 2500)[:size]
    too_long = catalog().message("too_long").strip()
    # The first: Rasa reads its first 1,001 characters (for risk too), and answers.
    assert only_reply(assistant.say(conversation, long + "\ud800")) == too_long
    (said,) = user_texts_stored(assistant, conversation)
    assert len(said) <= MAX_MESSAGE_CHARS + 1 and long.startswith(said)
    # The next one within a minute: the channel answers; not one character reaches Rasa.
    assert only_reply(assistant.say(conversation, long)) == too_long
    assert len(user_texts_stored(assistant, conversation)) == 1
    # And nothing was lost: the conversation goes on as before.
    assert only_reply(assistant.say(conversation, "hoi")) in response_texts("utter_greet_anonymous")


def test_a_too_long_message_with_risk_words_still_reaches_a_person(assistant):
    long = "ik word elke dag gepest op school en niemand doet iets. " + "echt " * 400
    replies = assistant.say("it-huge-risk", long)
    assert "gepest" in replies[0] and catalog().message("too_long").strip() not in replies
    # Rasa read the first 1,001 characters (cut at the edge; Rasa strips the end), not
    # the 2,056 sent.
    (said,) = user_texts_stored(assistant, "it-huge-risk")
    assert 990 < len(said) <= MAX_MESSAGE_CHARS + 1 and long.startswith(said)
    with session_scope(assistant.database_url) as session:
        kinds = session.scalars(
            select(RiskFlag.kind).where(RiskFlag.conversation_id == "it-huge-risk")
        ).all()
    assert kinds == [RiskKind.BULLYING]


def test_unknown_typed_intent_does_not_break_the_conversation(assistant):
    replies = assistant.say("it-unknown-intent", '/inform{"student_id": 7}')
    assert replies, "the bot must answer something"
    assert only_reply(assistant.say("it-unknown-intent", "hoi")) in response_texts(
        "utter_greet_anonymous"
    )


def test_restart_is_acknowledged(assistant):
    assert only_reply(assistant.say("it-restart", "/restart")) in response_texts("utter_restart")


def test_conversations_are_stored_in_the_sql_tracker_store(assistant):
    assistant.say("it-tracker", "hoi")
    # On the database the run asked for (TEST_DATABASE): both the domain's and Rasa's.
    for url in (assistant.database_url, assistant.tracker_database_url):
        assert make_url(url).get_backend_name() == database_kind()
    engine = create_engine(assistant.tracker_database_url)
    with engine.connect() as connection:
        events = connection.execute(
            text("SELECT type_name, data FROM events WHERE sender_id = 'it-tracker'")
        ).all()
    user_texts = [json.loads(data).get("text") for type_name, data in events if type_name == "user"]
    assert user_texts == ["hoi"]
    assert any(type_name == "bot" for type_name, _ in events)


def test_http_api_needs_the_token(assistant):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{assistant.rasa_url}/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{assistant.rasa_url}/status?token=integration-token") as ok:
        assert json.load(ok)["model_file"].endswith("toptraject.tar.gz")


def test_web_app_serves_the_dutch_page(assistant):
    with urllib.request.urlopen(f"{assistant.web_url}/", timeout=10) as response:
        assert "Toptraject" in response.read().decode()


def test_every_process_is_still_healthy(assistant):
    assert [url for url in assistant.health_urls if not is_healthy(url)] == []


@pytest.mark.stops_assistant
def test_ctrl_c_stops_every_process_cleanly(assistant):
    assistant.process.send_signal(signal.SIGINT)
    try:
        exit_code = assistant.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no clean stop within 60s:\n{assistant.log_tail()}")
    assert exit_code == 0, assistant.log_tail()
    assert [url for url in assistant.health_urls if is_healthy(url)] == []
    assert "Stopped." in assistant.log_path.read_text()
