"""An anonymous asker's answer finds its way back: a code for "ik kom terug", a mail
with a fresh code for those who left an address, and honest limits."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.db.models import Coordinator, Handoff, OutboxMessage
from bot.escalation import follow_up, inbox
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.follow_up import ReturnOutcome, find_email, find_return
from bot.escalation.handoffs import HandoffRequest, create_handoff
from bot.escalation.mail import MAIL_TOPIC
from bot.vocabulary import HandoffPriority
from tests.conftest import TEST_SECRET

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("sanne.devries@gmail.com", "sanne.devries@gmail.com"),
        ("mijn mail is Sanne@Hotmail.NL", "sanne@hotmail.nl"),
        ("stuur het naar a@b.nl graag", "a@b.nl"),
        ("a@b.nl of c@d.nl", None),  # which one?
        ("ik heb geen mail", None),
        ("mail me op sanne@mail.nl want ik word gepest en weet niet meer wat ik moet", None),
        ("@handle", None),
    ],
)
def test_an_e_mail_address_is_found_only_when_the_message_is_about_it(said, found):
    assert find_email(said) == found


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("H-7K4Q2M 4KQ-7ZD", ("H-7K4Q2M", "4KQ7ZD")),
        ("antwoord h-7k4q2m code 4kq7zd", ("H-7K4Q2M", "4KQ7ZD")),
        ("mijn nummer is H-7K4Q2M, code 4KQ 7ZD", ("H-7K4Q2M", "4KQ7ZD")),
        ("H-7K4Q2M", None),
        ("vraag H-7K4Q2M aan het Toptraject", None),  # words are no code
        ("TT-7KQ-2MV", None),  # a koppelcode, not an answer
    ],
)
def test_a_reference_with_its_code_is_found(said, found):
    assert find_return(said) == found


def _anonymous_handoff(db, conversation: str = "c-anon") -> str:
    return create_handoff(
        db,
        conversation,
        HandoffRequest("asked_for_person", "general", HandoffPriority.NORMAL, "vraag"),
        now=NOW,
        policy=DeadlinePolicy(),
        default_region="twente",
    ).reference


def answer(db, reference: str, code: str, conversation: str = "c"):
    return follow_up.answers_for(db, reference, code, conversation, secret_key=TEST_SECRET, now=NOW)


def _reply(db, reference: str, body: str) -> None:
    handoff = db.scalar(select(Handoff).where(Handoff.reference == reference))
    regional = db.scalar(select(Coordinator).where(Coordinator.ladder_level == 2))
    inbox.reply(db, regional, handoff, body, secret_key=TEST_SECRET, now=NOW)


def test_ik_kom_terug_shows_the_answer_in_a_later_conversation_with_the_code(db):
    reference = _anonymous_handoff(db)
    made = follow_up.come_back_code(db, "c-anon", secret_key=TEST_SECRET, now=NOW)
    assert made.reference == reference and len(made.code) == 7
    code = made.code.replace("-", "")
    later = answer(db, reference, code, "c-later")
    assert later.outcome is ReturnOutcome.NOT_YET
    _reply(db, reference, "Bel ons morgen, dan regelen we het.")
    shown = answer(db, reference, code, "c-later")
    assert shown.outcome is ReturnOutcome.SHOWN
    assert [reply.body for reply in shown.replies] == ["Bel ons morgen, dan regelen we het."]
    # The code is stored as a hash only.
    handoff = db.scalar(select(Handoff).where(Handoff.reference == reference))
    assert code not in (handoff.return_code_hash or "")


def test_five_wrong_codes_lock_the_answers(db):
    reference = _anonymous_handoff(db)
    made = follow_up.come_back_code(db, "c-anon", secret_key=TEST_SECRET, now=NOW)
    outcomes = [
        follow_up.answers_for(
            db, reference, "AAAAA2", "c-guess", secret_key=TEST_SECRET, now=NOW
        ).outcome
        for _ in range(5)
    ]
    assert outcomes == [ReturnOutcome.WRONG] * 4 + [ReturnOutcome.LOCKED]
    right = follow_up.answers_for(
        db, reference, made.code.replace("-", ""), "c", secret_key=TEST_SECRET, now=NOW
    )
    assert right.outcome is ReturnOutcome.LOCKED
    assert follow_up.answers_for(
        db, "H-ZZZZZZ", "AAAAAA", "c", secret_key=TEST_SECRET, now=NOW
    ).outcome is (ReturnOutcome.WRONG)


def test_a_logged_in_conversation_gets_no_code_and_keeps_no_address(db):
    assert follow_up.come_back_code(db, "c-nobody-asked", secret_key=TEST_SECRET, now=NOW) is None
    assert follow_up.save_contact(db, "c-nobody-asked", "a@b.nl", now=NOW) is None


def test_an_address_gets_a_mail_with_a_fresh_code_never_the_answer_and_is_erased(db):
    reference = _anonymous_handoff(db)
    assert follow_up.save_contact(db, "c-anon", "sanne@mail.nl", now=NOW) == reference
    assert follow_up.contact_of(db, "c-anon") == (reference, "sanne@mail.nl")
    _reply(db, reference, "Het geheime antwoord.")
    (mail,) = [
        json.loads(row.payload)
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.topic == MAIL_TOPIC))
        if json.loads(row.payload)["to"] == "sanne@mail.nl"
    ]
    assert "geheime" not in json.dumps(mail) and reference in mail["body"]
    code = find_return(mail["body"])[1]
    assert follow_up.answers_for(
        db, reference, code, "c2", secret_key=TEST_SECRET, now=NOW
    ).outcome is (ReturnOutcome.SHOWN)
    # Erased on request; and kept no longer than the question is open.
    assert follow_up.erase_contact(db, "c-anon", now=NOW) == 1
    assert follow_up.contact_of(db, "c-anon") is None
    follow_up.save_contact(db, "c-anon", "sanne@mail.nl", now=NOW)
    handoff = db.scalar(select(Handoff).where(Handoff.reference == reference))
    inbox.resolve(db, db.get(Coordinator, handoff.claimed_by_id), handoff, "klaar", now=NOW)
    assert follow_up.contact_of(db, "c-anon") is None
