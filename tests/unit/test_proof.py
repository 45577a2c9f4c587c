"""A conversation id alone opens nobody's link: what a message proves, and what a link
asks (bot/identity/proof.py), on a real database."""

from datetime import datetime, timedelta, timezone

import jwt

from bot.db.models import ConversationLink, Student
from bot.identity.access import LINK_VALID_DAYS, lock_of
from bot.identity.linking import issue_code, link_with_token, redeem_code
from bot.identity.links import link_conversation
from bot.identity.proof import (
    Lock,
    Offered,
    Standing,
    address_proof,
    offered,
    side_conversation_id,
    standing,
    token_proof,
    unproven_listeners,
)
from bot.identity.tokens import ALGORITHM, TOKEN_LIFETIME, ChatClaims, issue_token
from bot.vocabulary import LinkMethod, PersonRole
from tests.conftest import TEST_SECRET, person_id

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def token_for(student: int, now: datetime = NOW) -> str:
    return issue_token(ChatClaims(PersonRole.STUDENT, student), secret_key=TEST_SECRET, now=now)


def test_a_token_proves_by_its_own_id_even_after_it_expired():
    first, second = token_for(1), token_for(1)
    assert token_proof(first, secret_key=TEST_SECRET) == token_proof(first, secret_key=TEST_SECRET)
    # Two logins of the same person are two proofs: one does not open the other's chat.
    assert token_proof(first, secret_key=TEST_SECRET) != token_proof(second, secret_key=TEST_SECRET)
    expired = token_for(1, now=NOW - TOKEN_LIFETIME * 10)
    assert token_proof(expired, secret_key=TEST_SECRET) is not None


def test_a_forged_or_id_less_token_proves_nothing():
    payload = jwt.decode(token_for(1), options={"verify_signature": False})
    forged = jwt.encode(payload, "another key entirely, of enough length", algorithm=ALGORITHM)
    without_id = jwt.encode(
        {key: value for key, value in payload.items() if key != "jti"},
        TEST_SECRET,
        algorithm=ALGORITHM,
    )
    for token in (forged, without_id, "x.y.z", "", None, 42):
        assert token_proof(token, secret_key=TEST_SECRET) is None
    assert address_proof("") is None and address_proof(None) is None


def test_standing_asks_a_linked_conversation_for_its_own_proof():
    offer = Offered(token="t-proof", address="a-proof")
    assert standing(None, Offered()) is Standing.UNLINKED
    assert standing(Lock("t-proof"), offer) is Standing.PROVEN
    assert standing(Lock("a-proof"), Offered(address="a-proof")) is Standing.PROVEN
    assert standing(Lock("t-proof"), Offered(address="a-proof")) is Standing.UNPROVEN
    # A link without a proof is opened by nothing, not even by a message without one.
    assert standing(Lock(None), Offered()) is Standing.UNPROVEN
    assert standing(Lock(None), offer) is Standing.UNPROVEN


def test_a_side_conversation_is_the_same_for_one_client_and_apart_for_another():
    one = side_conversation_id("conv", "client-a", secret_key=TEST_SECRET)
    assert one == side_conversation_id("conv", "client-a", secret_key=TEST_SECRET)
    assert one != side_conversation_id("conv", "client-b", secret_key=TEST_SECRET)
    assert one != side_conversation_id("conv-2", "client-a", secret_key=TEST_SECRET)
    assert one.startswith("side-") and "conv" not in one.removeprefix("side-")


def test_a_token_link_asks_for_that_token_and_a_second_login_moves_it_on(db):
    sanne = person_id(db, Student, "Sanne")
    first = token_for(sanne)
    link_with_token(db, "c1", first, secret_key=TEST_SECRET, now=NOW)
    lock = lock_of(db, "c1", today=NOW.date())
    assert standing(lock, offered(first, "address", secret_key=TEST_SECRET)) is Standing.PROVEN
    assert standing(lock, offered(None, "address", secret_key=TEST_SECRET)) is Standing.UNPROVEN
    second = token_for(sanne)
    link_with_token(db, "c1", second, secret_key=TEST_SECRET, now=NOW)
    lock = lock_of(db, "c1", today=NOW.date())
    assert standing(lock, offered(first, None, secret_key=TEST_SECRET)) is Standing.UNPROVEN
    assert standing(lock, offered(second, None, secret_key=TEST_SECRET)) is Standing.PROVEN


def test_a_typed_code_binds_the_link_to_the_address_it_came_from(db):
    code = issue_code(
        db, secret_key=TEST_SECRET, now=NOW, student_id=person_id(db, Student, "Sanne")
    )
    redeem_code(db, "c1", code, secret_key=TEST_SECRET, now=NOW, client_key="home")
    lock = lock_of(db, "c1", today=NOW.date())
    assert standing(lock, Offered(address="home")) is Standing.PROVEN
    assert standing(lock, Offered(address="elsewhere")) is Standing.UNPROVEN


def test_a_link_asks_nothing_once_it_has_expired_or_ended(db):
    sanne = person_id(db, Student, "Sanne")
    link_conversation(db, "c1", via=LinkMethod.CODE, student_id=sanne, proof="home")
    assert lock_of(db, "c1", today=NOW.date()) == Lock("home")
    later = NOW.date() + timedelta(days=LINK_VALID_DAYS + 1)
    link = db.get(ConversationLink, "c1")
    link.linked_at = NOW
    db.flush()
    assert lock_of(db, "c1", today=later) is None
    assert lock_of(db, "never-linked", today=NOW.date()) is None


def test_only_sockets_without_the_proof_are_sent_out_of_a_linked_room():
    listeners = {
        "owner": Offered(address="home"),
        "owner-tab-2": Offered(token="t-proof"),
        "stranger": Offered(address="elsewhere"),
        "bare": Offered(),
    }
    assert unproven_listeners(None, listeners) == []  # nobody's conversation
    assert unproven_listeners(Lock("home"), listeners) == ["owner-tab-2", "stranger", "bare"]
    assert unproven_listeners(Lock("t-proof"), listeners) == ["owner", "stranger", "bare"]
