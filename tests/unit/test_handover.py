"""Live handover: a claimed conversation's messages go to the coordinator's thread, the
bot answers only risk, and the bot takes over again when it is handed back or quiet."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sqlalchemy import select

from bot.db.models import (
    ConversationLink,
    Coordinator,
    Handoff,
    HandoffMessage,
    OutboxMessage,
    Student,
)
from bot.escalation import handover, inbox
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.handoffs import HandoffRequest, create_handoff
from bot.escalation.replies import add_reply, take_replies
from bot.identity.access import current_link
from bot.identity.devices import end_link
from bot.identity.links import link_conversation
from bot.risk.decide import RISK_PROPERTY, verdict_for_text
from bot.vocabulary import HandoffPriority, HandoffStatus, LinkMethod, ThreadAuthor
from channels.conversation_state import read_state, take_state
from channels.guarded import never_silent
from channels.handover import relayed
from infra.db.session import reset_engines, session_scope
from tests.conftest import person_id

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
QUIET = timedelta(minutes=20)
CONVERSATION = "c-sanne-live"


def test_the_bot_takes_over_after_the_quiet_time_unless_paused():
    assert handover.gone_quiet(NOW - QUIET, NOW, QUIET, paused=False)
    assert not handover.gone_quiet(NOW - QUIET + timedelta(seconds=1), NOW, QUIET, paused=False)
    assert not handover.gone_quiet(NOW - 10 * QUIET, NOW, QUIET, paused=True)
    assert not handover.gone_quiet(None, NOW, QUIET, paused=False)


def _handoff(url: str) -> tuple[int, int]:
    """Sanne's handoff, claimed by her school's coordinator: (handoff id, coordinator id)."""
    with session_scope(url) as session:
        student = person_id(session, Student, "Sanne")
        link_conversation(session, CONVERSATION, via=LinkMethod.TOKEN, student_id=student)
        view = create_handoff(
            session,
            CONVERSATION,
            HandoffRequest("asked_for_person", "general", HandoffPriority.NORMAL, "hulp"),
            now=NOW,
            policy=DeadlinePolicy(),
            default_region="twente",
        )
        handoff = session.scalar(select(Handoff).where(Handoff.reference == view.reference))
        return handoff.id, handoff.assigned_coordinator_id


def _thread(url: str, handoff_id: int) -> list[tuple[ThreadAuthor, str, bool]]:
    with session_scope(url) as session:
        lines = handover.thread_after(session, handoff_id, 0)
        return [(m.author, m.body, m.flagged) for m in lines]


@pytest.fixture
def live(seeded_database_url, monkeypatch) -> Iterator[tuple[str, int]]:
    """A live handover: the coordinator claimed Sanne's handoff. The chat channel's
    database (the default one) is this test's."""
    monkeypatch.setenv("DATABASE_URL", seeded_database_url)
    reset_engines()
    handoff_id, coordinator_id = _handoff(seeded_database_url)
    with session_scope(seeded_database_url) as session:
        coordinator = session.get(Coordinator, coordinator_id)
        assert inbox.claim(session, coordinator, session.get(Handoff, handoff_id), now=NOW)
        assert handover.live_for(session, CONVERSATION).handoff_id == handoff_id
    yield seeded_database_url, handoff_id
    reset_engines()


async def model(text: str) -> dict:
    """Stands in for the trained model's parse: the risk spotter's verdict on the words."""
    verdict = verdict_for_text(text)
    intent = "logout" if text == "uitloggen" else "chitchat"
    return {
        "text": text,
        "intent": {"name": intent},
        RISK_PROPERTY: verdict.as_dict() if verdict else None,
    }


def test_a_message_during_a_live_handover_goes_to_the_thread_and_the_bot_stays_quiet(live):
    url, handoff_id = live
    reached_the_bot = []

    async def bot(message: UserMessage) -> None:
        reached_the_bot.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": "Oké."})

    async def relay(message: UserMessage) -> bool:
        return await relayed(message.sender_id, message.text, model)

    handle = never_silent(bot, relay)

    def say(text: str, conversation: str = CONVERSATION) -> list[str]:
        output = CollectingOutputChannel()
        asyncio.run(handle(UserMessage(text, output, conversation)))
        return [message.get("text") for message in output.messages]

    assert say("ja is goed, dankje marieke") == []
    assert say("tot morgen") == []
    # A button the bot offered is for the bot; another conversation is not live.
    assert say("/greet") == ["Oké."]
    assert say("hoi", "c-someone-else") == ["Oké."]
    # What only the bot can do goes to the bot: logging out on a shared computer.
    assert say("uitloggen") == ["Oké."]
    # Risk is still caught: the bot answers as always, and the thread marks it.
    assert say("ik wil niet meer leven") == ["Oké."]
    assert reached_the_bot == ["/greet", "hoi", "uitloggen", "ik wil niet meer leven"]
    assert _thread(url, handoff_id) == [
        (ThreadAuthor.NOTICE, handover.STARTED, False),
        (ThreadAuthor.PERSON, "ja is goed, dankje marieke", False),
        (ThreadAuthor.PERSON, "tot morgen", False),
        (ThreadAuthor.PERSON, "ik wil niet meer leven", True),
    ]
    with session_scope(url) as session:
        # The person's own words are never delivered back to them; the notice is.
        replies = take_replies(session, CONVERSATION, now=NOW)
        assert [(r.notice, r.body) for r in replies] == [(True, handover.STARTED)]
        # The coordinator hears of the answers once per quarter hour, without the text.
        answered = [
            json.loads(row.payload)
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == "handoff")
            )
            if json.loads(row.payload)["event"] == "handoff.answered"
        ]
        assert len(answered) == 1 and "marieke" not in json.dumps(answered)


def test_the_model_failing_still_catches_risk_by_its_words(live):
    url, handoff_id = live

    async def broken(text: str) -> dict:
        raise ConnectionError("the model is not loaded yet")

    assert not asyncio.run(relayed(CONVERSATION, "ik wil dood", broken))
    assert asyncio.run(relayed(CONVERSATION, "prima", broken))
    assert _thread(url, handoff_id)[1:] == [
        (ThreadAuthor.PERSON, "ik wil dood", True),
        (ThreadAuthor.PERSON, "prima", False),
    ]


def test_quiet_handovers_go_back_to_the_bot_but_paused_ones_stay(live):
    url, handoff_id = live
    with session_scope(url) as session:
        assert handover.hand_back_quiet(session, now=NOW + QUIET / 2, quiet=QUIET) == []
        handoff = session.get(Handoff, handoff_id)
        coordinator = session.get(Coordinator, handoff.claimed_by_id)
        inbox.pause_bot(session, coordinator, handoff, True, now=NOW)
        assert handover.hand_back_quiet(session, now=NOW + 3 * QUIET, quiet=QUIET) == []
        inbox.pause_bot(session, coordinator, handoff, False, now=NOW)
        # The person writing does not keep a coordinator who left; the coordinator does.
        live_now = handover.live_for(session, CONVERSATION)
        handover.relay(session, live_now, "ben je er nog?", flagged=False, now=NOW + QUIET)
        add_reply(session, handoff, coordinator.id, "Ja, ik ben er.", now=NOW + QUIET)
        assert handover.hand_back_quiet(session, now=NOW + QUIET * 3 / 2, quiet=QUIET) == []
        ended = handover.hand_back_quiet(session, now=NOW + 2 * QUIET, quiet=QUIET)
        assert ended == [CONVERSATION]
        assert handover.live_for(session, CONVERSATION) is None
        # Still claimed: the question stays with the coordinator.
        assert handoff.status is HandoffStatus.CLAIMED
        last = session.scalars(
            select(HandoffMessage).order_by(HandoffMessage.id.desc()).limit(1)
        ).one()
        assert (last.author, last.body) == (ThreadAuthor.NOTICE, handover.ENDED_QUIET)


def test_after_the_person_logs_out_nothing_reaches_their_former_chat(live):
    # On a school computer the next student may sit at that page: the coordinator's
    # messages are not delivered there, and its messages go to the bot, not to the
    # coordinator; the job hands the conversation back and the thread says why.
    url, handoff_id = live
    with session_scope(url) as session:
        handoff = session.get(Handoff, handoff_id)
        coordinator = session.get(Coordinator, handoff.claimed_by_id)
        assert [r.body for r in take_replies(session, CONVERSATION, now=NOW)] == [handover.STARTED]
        end_link(session, session.get(ConversationLink, CONVERSATION), actor="conversation")
        add_reply(session, handoff, coordinator.id, "Hoi Sanne, hoe gaat het?", now=NOW)
    assert not asyncio.run(relayed(CONVERSATION, "wie ben jij?", model))
    with session_scope(url) as session:
        assert handover.live_for(session, CONVERSATION) is None
        assert take_replies(session, CONVERSATION, now=NOW) == []
        reply = session.scalars(
            select(HandoffMessage).where(HandoffMessage.author == ThreadAuthor.COORDINATOR)
        ).one()
        assert reply.delivered_at is None  # kept, undelivered
        assert handover.hand_back_quiet(session, now=NOW, quiet=QUIET) == []
        last = session.scalars(
            select(HandoffMessage).order_by(HandoffMessage.id.desc()).limit(1)
        ).one()
        assert (last.author, last.body) == (ThreadAuthor.NOTICE, handover.ENDED_LEFT)
        assert session.get(Handoff, handoff_id).status is HandoffStatus.CLAIMED
    assert [line[1] for line in _thread(url, handoff_id)][-1] == handover.ENDED_LEFT


def test_an_answer_days_later_still_reaches_a_person_who_did_not_log_out(live):
    # The link stops opening her data the day after; she did not leave, and a
    # coordinator answering after the weekend must still reach her.
    url, handoff_id = live
    monday = NOW + timedelta(days=3)
    with session_scope(url) as session:
        session.get(ConversationLink, CONVERSATION).linked_at = NOW  # Friday
        assert current_link(session, CONVERSATION, today=monday.date()) is None  # lapsed
        handoff = session.get(Handoff, handoff_id)
        take_replies(session, CONVERSATION, now=NOW)
        add_reply(session, handoff, handoff.claimed_by_id, "Hoi Sanne, ik bel je.", now=monday)
        assert handover.live_for(session, CONVERSATION) is not None
        assert [r.body for r in take_replies(session, CONVERSATION, now=monday)] == [
            "Hoi Sanne, ik bel je."
        ]
        later = monday + 2 * QUIET
        assert handover.hand_back_quiet(session, now=later, quiet=QUIET) == [CONVERSATION]
        last = session.scalars(
            select(HandoffMessage).order_by(HandoffMessage.id.desc()).limit(1)
        ).one()
        assert last.body == handover.ENDED_QUIET  # quiet, not "logged out"


def test_a_handoff_nobody_was_logged_in_for_belongs_to_its_conversation(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        view = create_handoff(
            session,
            "c-anonymous-live",
            HandoffRequest("asked_for_person", "general", HandoffPriority.NORMAL, "hulp"),
            now=NOW,
            policy=DeadlinePolicy(),
            default_region="twente",
        )
        handoff = session.scalar(select(Handoff).where(Handoff.reference == view.reference))
        coordinator = session.get(Coordinator, handoff.assigned_coordinator_id)
        inbox.reply(session, coordinator, handoff, "Hoi, ik help je.", secret_key="k", now=NOW)
        assert handover.live_for(session, "c-anonymous-live") is not None
        replies = take_replies(session, "c-anonymous-live", now=NOW)
        assert [r.body for r in replies][-1] == "Hoi, ik help je."


def test_the_links_read_for_a_message_answers_the_handover_check_once(live):
    """The channel reads the link and the live handover in one go for a message
    (channels/conversation_state.py); the handover check uses that read, once, and only
    for the conversation it was read for."""
    url, handoff_id = live

    def set_live(since: datetime | None) -> None:
        with session_scope(url) as session:
            session.get(Handoff, handoff_id).live_since = since

    async def message_turn(read_for: str) -> tuple[bool, bool]:
        await asyncio.to_thread(set_live, None)
        state = await read_state(read_for, for_message=True)
        assert state.read
        # The coordinator takes the chat between the read and the check: a check that
        # uses the read that came with this message still lets the bot answer it...
        await asyncio.to_thread(set_live, NOW)
        first = await relayed(CONVERSATION, "dat is goed", model)
        # ...and the next check in the same request reads the database afresh.
        second = await relayed(CONVERSATION, "nog iets", model)
        return first, second

    assert asyncio.run(message_turn(CONVERSATION)) == (False, True)
    # A read for another conversation (a side conversation's message) is not used.
    assert asyncio.run(message_turn("c-someone-else")) == (True, True)
    assert take_state(CONVERSATION) is None


def test_a_read_that_failed_is_not_kept_for_the_message(live, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/folder/db.sqlite")
    reset_engines()

    async def turn() -> tuple[bool, object]:
        state = await read_state(CONVERSATION, for_message=True)
        return state.read, take_state(CONVERSATION)

    assert asyncio.run(turn()) == (False, None)


def test_when_only_the_handover_cannot_be_read_the_link_still_decides(live, monkeypatch):
    """A failing handover query must not make a linked conversation look unread: a
    message without the link's proof still goes to a side conversation."""
    from sqlalchemy.exc import OperationalError

    from channels import conversation_state
    from channels.proof import conversation_for

    def broken(session, conversation_id):
        raise OperationalError("SELECT ... FROM handoffs", {}, Exception("no such column"))

    monkeypatch.setattr(conversation_state, "live_for", broken)

    async def turn() -> tuple[object, str, object]:
        state = await read_state(CONVERSATION, for_message=True)
        sent_to = await conversation_for(CONVERSATION, {}, "client-key", "secret-key")
        return state, sent_to, take_state(CONVERSATION)

    state, sent_to, kept = asyncio.run(turn())
    assert state.read and state.lock is not None and not state.live_read
    assert sent_to != CONVERSATION  # a side conversation, as without the failure
    assert kept is None  # the handover check reads again (and lets the bot answer)
