"""Koppelcodes, chat tokens, choosing a child and logging out, on a real database."""

import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import select

from bot.db.models import (
    AuditEntry,
    ConversationLink,
    Coordinator,
    Guardian,
    LinkCode,
    OutboxMessage,
    Student,
)
from bot.identity.access import Purpose, authorise
from bot.identity.codes import find_code_in_text, hash_code
from bot.identity.linking import (
    CODE_LIFETIME,
    MAX_FAILED_TRIES,
    PER_ADDRESS,
    SPIKE,
    SPIKE_TOPIC,
    TRY_WINDOW,
    RedeemOutcome,
    choose_child,
    choose_child_named_in,
    issue_code,
    link_with_token,
    redeem_code,
    unlink,
)
from bot.identity.tokens import AUDIENCE, TOKEN_LIFETIME, ChatClaims, issue_token, verify_token
from bot.vocabulary import LinkMethod, PersonRole
from tests.conftest import TEST_SECRET, person_id

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def test_an_issued_code_is_stored_only_as_a_hash_and_expires_in_14_days(db):
    sanne = person_id(db, Student, "Sanne")
    code = issue_code(db, secret_key=TEST_SECRET, now=NOW, student_id=sanne)
    stored = db.scalar(select(LinkCode).where(LinkCode.code_hash == hash_code(code, TEST_SECRET)))
    assert stored.student_id == sanne and stored.expires_at == NOW + CODE_LIFETIME
    assert code not in {row.code_hash for row in db.scalars(select(LinkCode))}
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.action == "issue_code"))


def test_a_code_is_for_exactly_one_existing_person(db):
    with pytest.raises(ValueError):
        issue_code(db, secret_key=TEST_SECRET, now=NOW)
    with pytest.raises(LookupError):
        issue_code(db, secret_key=TEST_SECRET, now=NOW, student_id=9999)


def test_a_valid_code_links_once_and_then_counts_as_used(db):
    code = issue_code(
        db, secret_key=TEST_SECRET, now=NOW, guardian_id=person_id(db, Guardian, "Karin")
    )
    typed = code.lower().replace("-", " ")  # people type codes loosely
    result = redeem_code(db, "c1", typed, secret_key=TEST_SECRET, now=NOW)
    assert (result.outcome, result.role, result.first_name) == (
        RedeemOutcome.LINKED,
        PersonRole.GUARDIAN,
        "Karin",
    )
    link = db.get(ConversationLink, "c1")
    assert (
        link.guardian_id == person_id(db, Guardian, "Karin") and link.linked_via is LinkMethod.CODE
    )
    again = redeem_code(db, "c2", code, secret_key=TEST_SECRET, now=NOW)
    assert again.outcome is RedeemOutcome.USED and db.get(ConversationLink, "c2") is None


def test_an_expired_code_does_not_link(db):
    code = issue_code(
        db, secret_key=TEST_SECRET, now=NOW, student_id=person_id(db, Student, "Daan")
    )
    result = redeem_code(db, "c1", code, secret_key=TEST_SECRET, now=NOW + CODE_LIFETIME)
    assert result.outcome is RedeemOutcome.EXPIRED and db.get(ConversationLink, "c1") is None


def test_five_wrong_tries_lock_the_conversation_for_an_hour(db):
    good = issue_code(
        db, secret_key=TEST_SECRET, now=NOW, student_id=person_id(db, Student, "Daan")
    )
    outcomes = [
        redeem_code(
            db, "c1", f"TT-ABC-DE{n + 2}", secret_key=TEST_SECRET, now=NOW + timedelta(minutes=n)
        )
        for n in range(MAX_FAILED_TRIES)
    ]
    assert [o.tries_left for o in outcomes[:-1]] == [4, 3, 2, 1]
    assert outcomes[-1].outcome is RedeemOutcome.LOCKED
    # Even the right code is refused while locked...
    locked = redeem_code(db, "c1", good, secret_key=TEST_SECRET, now=NOW + timedelta(minutes=10))
    assert locked.outcome is RedeemOutcome.LOCKED and locked.locked_until == NOW + TRY_WINDOW
    assert db.get(ConversationLink, "c1") is None
    # ...another conversation is not affected, and the lock ends after the hour.
    later = NOW + TRY_WINDOW + timedelta(minutes=5)
    assert (
        redeem_code(db, "c1", good, secret_key=TEST_SECRET, now=later).outcome
        is RedeemOutcome.LINKED
    )


def test_a_code_tried_too_often_after_use_is_locked_for_everyone(db):
    code = issue_code(
        db, secret_key=TEST_SECRET, now=NOW, student_id=person_id(db, Student, "Daan")
    )
    redeem_code(db, "owner", code, secret_key=TEST_SECRET, now=NOW)
    for n in range(MAX_FAILED_TRIES):
        redeem_code(db, f"other-{n}", code, secret_key=TEST_SECRET, now=NOW)
    assert (
        redeem_code(db, "other-x", code, secret_key=TEST_SECRET, now=NOW).outcome
        is RedeemOutcome.LOCKED
    )


def test_new_conversations_from_one_address_get_twenty_wrong_tries_an_hour(db):
    good = issue_code(
        db, secret_key=TEST_SECRET, now=NOW, student_id=person_id(db, Student, "Daan")
    )
    outcomes = [
        redeem_code(
            db, f"fresh-{n}", "TT-ABC-DEF", secret_key=TEST_SECRET, now=NOW, client_key="school"
        ).outcome
        for n in range(PER_ADDRESS.tries)
    ]
    assert outcomes[:-1] == [RedeemOutcome.WRONG] * (PER_ADDRESS.tries - 1)
    assert outcomes[-1] is RedeemOutcome.LOCKED
    # A new conversation at the address waits too; another address does not.
    assert (
        redeem_code(db, "fresh-x", good, secret_key=TEST_SECRET, now=NOW, client_key="school")
    ).outcome is RedeemOutcome.LOCKED
    assert (
        redeem_code(db, "fresh-y", good, secret_key=TEST_SECRET, now=NOW, client_key="home")
    ).outcome is RedeemOutcome.LINKED


def test_a_spike_of_wrong_tries_is_reported_once_and_tightens_the_address_limit(db):
    for n in range(SPIKE):
        redeem_code(
            db, f"bot-{n}", "TT-ABC-DEF", secret_key=TEST_SECRET, now=NOW, client_key=f"a{n % 50}"
        )
    alerts = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == SPIKE_TOPIC)).all()
    assert len(alerts) == 1 and '"failed_last_hour": 100' in alerts[0].payload
    # Addressed to the regional coordinators, not to a school's.
    regional = db.scalars(select(Coordinator.email).where(Coordinator.ladder_level == 2)).all()
    told = [person["email"] for person in json.loads(alerts[0].payload)["coordinators"]]
    assert told and sorted(told) == sorted(regional)
    # During the spike an address that tried twice before has three tries left, not 18.
    outcomes = [
        redeem_code(
            db, f"late-{n}", "TT-ABC-DEF", secret_key=TEST_SECRET, now=NOW, client_key="a1"
        ).outcome
        for n in range(4)
    ]
    assert outcomes == [RedeemOutcome.WRONG, RedeemOutcome.WRONG] + [RedeemOutcome.LOCKED] * 2


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mijn code is TT-7KQ-2MV", "TT-7KQ-2MV"),
        ("tt 7kq 2mv", "tt 7kq 2mv"),
        ("tt7kq2mv graag", "tt7kq2mv"),
        ("ik heb een koppelcode", None),
        ("attest abcdef", None),
    ],
)
def test_code_shaped_text_is_found(text, found):
    assert find_code_in_text(text) == found


def test_a_signed_token_round_trips_and_expires():
    token = issue_token(ChatClaims(PersonRole.STUDENT, 7), secret_key=TEST_SECRET, now=NOW)
    assert verify_token(token, secret_key=TEST_SECRET, now=NOW) == ChatClaims(PersonRole.STUDENT, 7)
    assert verify_token(token, secret_key=TEST_SECRET, now=NOW + TOKEN_LIFETIME) is None


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        12345,
        "not.a.token",
        jwt.encode({"sub": "student:7", "aud": AUDIENCE, "exp": 4102444800}, "wrong-secret"),
        jwt.encode(
            {"sub": "student:7", "aud": AUDIENCE, "exp": 4102444800}, None, algorithm="none"
        ),
        jwt.encode({"sub": "student:7", "aud": "other", "exp": 4102444800}, TEST_SECRET),
        jwt.encode({"sub": "student:7", "aud": AUDIENCE}, TEST_SECRET),
        jwt.encode({"sub": "admin:1", "aud": AUDIENCE, "exp": 4102444800}, TEST_SECRET),
        jwt.encode({"sub": "student:x", "aud": AUDIENCE, "exp": 4102444800}, TEST_SECRET),
    ],
    ids=[
        "none",
        "empty",
        "number",
        "garbage",
        "forged",
        "unsigned",
        "audience",
        "no-exp",
        "role",
        "id",
    ],
)
def test_forged_unsigned_or_odd_tokens_are_refused(token):
    assert verify_token(token, secret_key=TEST_SECRET, now=NOW) is None


def test_a_token_links_the_conversation_and_a_refused_one_changes_nothing(db):
    petra = person_id(db, Guardian, "Petra")
    forged = jwt.encode({"sub": f"guardian:{petra}", "aud": AUDIENCE, "exp": 4102444800}, "x")
    assert link_with_token(db, "c1", forged, secret_key=TEST_SECRET, now=NOW) is None
    assert db.get(ConversationLink, "c1") is None
    token = issue_token(ChatClaims(PersonRole.GUARDIAN, petra), secret_key=TEST_SECRET, now=NOW)
    link = link_with_token(db, "c1", token, secret_key=TEST_SECRET, now=NOW)
    assert link.guardian_id == petra and link.linked_via is LinkMethod.TOKEN
    missing = issue_token(ChatClaims(PersonRole.STUDENT, 9999), secret_key=TEST_SECRET, now=NOW)
    assert link_with_token(db, "c2", missing, secret_key=TEST_SECRET, now=NOW) is None


def test_a_guardian_can_choose_only_their_own_child_and_the_choice_is_kept(db):
    karin = person_id(db, Guardian, "Karin")
    token = issue_token(ChatClaims(PersonRole.GUARDIAN, karin), secret_key=TEST_SECRET, now=NOW)
    link_with_token(db, "c1", token, secret_key=TEST_SECRET, now=NOW)
    names = authorise(db, "c1", Purpose.NAME, today=NOW.date())
    assert (names.viewer_first_name, names.children_names) == ("Karin", ("Lotte", "Milan"))
    assert names.choose_child  # two children, none chosen: the greeting asks
    assert choose_child(db, "c1", "Sanne", today=NOW.date()) is None
    # A short message naming one own child chooses it; a long one or a stranger does not.
    assert choose_child_named_in(db, "c1", "sanne", today=NOW.date()) is None
    assert choose_child_named_in(db, "c1", "lotte en milan", today=NOW.date()) is None
    assert (
        choose_child_named_in(db, "c1", "ik vraag me af hoe het met milan gaat", today=NOW.date())
        is None
    )
    assert choose_child_named_in(db, "c1", "over Milan", today=NOW.date()) == "Milan"
    assert not authorise(db, "c1", Purpose.NAME, today=NOW.date()).choose_child
    # A link that no longer holds chooses nothing.
    later = NOW.date() + timedelta(days=30)
    assert choose_child_named_in(db, "c1", "Lotte", today=later) is None
    assert choose_child(db, "c1", "Lotte", today=later) is None
    assert choose_child(db, "c1", " lotte ", today=NOW.date()) == "Lotte"
    # The same token again (a new session) keeps the chosen child.
    link_with_token(db, "c1", token, secret_key=TEST_SECRET, now=NOW)
    assert db.get(ConversationLink, "c1").selected_student_id == person_id(db, Student, "Lotte")


def test_logging_out_removes_the_link_and_is_audited(db):
    link_with_token(
        db,
        "c1",
        issue_token(
            ChatClaims(PersonRole.STUDENT, person_id(db, Student, "Sanne")),
            secret_key=TEST_SECRET,
            now=NOW,
        ),
        secret_key=TEST_SECRET,
        now=NOW,
    )
    assert unlink(db, "c1", now=NOW) is True
    assert db.get(ConversationLink, "c1") is None
    assert unlink(db, "c1", now=NOW) is False
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.action == "unlink")) == "unlink"
