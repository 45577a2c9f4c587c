"""Linking a conversation to a person with a one-time koppelcode, and unlinking it.

Codes are stored only as a keyed hash and expire. Wrong tries are limited per
conversation or browser (five an hour), per client address (twenty an hour, five
while the whole service sees a spike of wrong tries) and per code (five, then the
code is locked), so codes cannot be guessed from a chat window, nor from many new
conversations. A limit cools down by itself (bot/identity/throttle.py): a school
behind one address is not shut out for long by typos. A spike is reported to the
coordinators through the outbox, once an hour.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.db.models import (
    ConversationLink,
    Coordinator,
    Guardian,
    LinkAttempt,
    LinkCode,
    OutboxMessage,
    Student,
)
from bot.escalation.routing import REGION_LEVEL
from bot.identity.access import Purpose, authorise, current_link, named_children
from bot.identity.codes import generate_code, hash_code, normalise_code
from bot.identity.devices import end_link, end_token, token_ended
from bot.identity.links import link_conversation
from bot.identity.proof import address_proof, token_proof
from bot.identity.throttle import Limit, blocked_until, tries_left
from bot.identity.tokens import ChatClaims, verify_token
from bot.outbox import enqueue
from bot.vocabulary import LinkMethod, PersonRole

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(days=14)
MAX_FAILED_TRIES = 5  # per code, then it is locked for good (the school gives a new one)
TRY_WINDOW = timedelta(hours=1)
PER_CONVERSATION = Limit(MAX_FAILED_TRIES, TRY_WINDOW)
PER_ADDRESS = Limit(20, TRY_WINDOW)
PER_ADDRESS_IN_SPIKE = Limit(5, TRY_WINDOW)
# Wrong tries in an hour, over everyone, that count as a guessing attack.
SPIKE = 100
SPIKE_TOPIC = "security.code_guessing"


@dataclass(frozen=True)
class Trier:
    """Who tries a code: a conversation (or one browser on the login page), and the
    keyed hash of the client's address, when the channel could tell it."""

    key: str
    client_key: str | None = None
    # Wrong tries an hour allowed from the client's address (settings).
    per_address: int = PER_ADDRESS.tries


class RedeemOutcome(str, enum.Enum):
    LINKED = "linked"
    MALFORMED = "malformed"  # not shaped like a code at all
    WRONG = "wrong"  # no such code
    USED = "used"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong tries in this conversation, or on this code


@dataclass(frozen=True)
class RedeemResult:
    outcome: RedeemOutcome
    role: PersonRole | None = None
    first_name: str | None = None
    tries_left: int | None = None
    locked_until: datetime | None = None

    @property
    def is_guardian(self) -> bool:
        return self.role is PersonRole.GUARDIAN


def issue_code(
    session: Session,
    *,
    secret_key: str,
    now: datetime,
    student_id: int | None = None,
    guardian_id: int | None = None,
) -> str:
    """Creates a one-time code for one student or guardian; the plain code is returned once."""
    if (student_id is None) == (guardian_id is None):
        raise ValueError("a code is for exactly one student or one guardian")
    person = session.get(Student, student_id) if student_id else session.get(Guardian, guardian_id)
    if person is None:
        raise LookupError("no such student or guardian")
    while True:
        code = generate_code()
        code_hash = hash_code(code, secret_key)
        if session.scalar(select(LinkCode.id).where(LinkCode.code_hash == code_hash)) is None:
            break
    session.add(
        LinkCode(
            code_hash=code_hash,
            student_id=student_id,
            guardian_id=guardian_id,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    record_change(
        session,
        actor_type="cli",
        action="issue_code",
        subject_type="student" if student_id else "guardian",
        subject_id=student_id or guardian_id,
    )
    session.flush()
    return code


def _failures(session: Session, column, value: str, now: datetime) -> list[datetime]:  # noqa: ANN001
    return list(
        session.scalars(
            select(LinkAttempt.attempted_at).where(
                column == value,
                LinkAttempt.succeeded.is_(False),
                LinkAttempt.attempted_at > now - TRY_WINDOW,
            )
        )
    )


def _failures_everywhere(session: Session, now: datetime) -> int:
    return session.scalar(
        select(func.count()).where(
            LinkAttempt.succeeded.is_(False), LinkAttempt.attempted_at > now - TRY_WINDOW
        )
    )


def _report_spike(session: Session, failures: int, now: datetime) -> None:
    """Tells the coordinators (through the outbox) once an hour that codes are guessed."""
    key = f"{SPIKE_TOPIC}:{now:%Y-%m-%dT%H}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return
    logger.warning("Code guessing: %d wrong tries in the last hour.", failures)
    # Guessing is not tied to one school: the regional coordinators are told.
    regional = session.scalars(
        select(Coordinator)
        .where(Coordinator.ladder_level == REGION_LEVEL, Coordinator.active.is_(True))
        .order_by(Coordinator.id)
    )
    payload = {
        "failed_last_hour": failures,
        "coordinators": [{"name": c.name, "email": c.email} for c in regional],
    }
    enqueue(session, SPIKE_TOPIC, payload, key=key, now=now)


def _check_code(
    session: Session, trier: Trier, typed: str, *, secret_key: str, now: datetime
) -> tuple[RedeemResult, LinkCode | None]:
    """Checks a typed code and marks it used; wrong tries count against the trier (its
    conversation and its address) and against the code itself."""
    mine = _failures(session, LinkAttempt.conversation_id, trier.key, now)
    address = (
        _failures(session, LinkAttempt.client_key, trier.client_key, now)
        if trier.client_key
        else []
    )
    everywhere = _failures_everywhere(session, now)
    address_limit = (
        PER_ADDRESS_IN_SPIKE if everywhere >= SPIKE else Limit(trier.per_address, TRY_WINDOW)
    )
    waits = [
        until
        for until in (
            blocked_until(mine, PER_CONVERSATION, now=now),
            blocked_until(address, address_limit, now=now),
        )
        if until is not None
    ]
    if waits:
        return RedeemResult(RedeemOutcome.LOCKED, locked_until=max(waits)), None

    def fail(outcome: RedeemOutcome, code: LinkCode | None = None) -> RedeemResult:
        session.add(
            LinkAttempt(
                conversation_id=trier.key,
                client_key=trier.client_key,
                link_code_id=code.id if code else None,
                succeeded=False,
                attempted_at=now,
            )
        )
        if code is not None:
            code.failed_attempts += 1
        if everywhere + 1 >= SPIKE:
            _report_spike(session, everywhere + 1, now)
        left = (
            min(
                tries_left(mine, PER_CONVERSATION, now=now),
                tries_left(address, address_limit, now=now),
            )
            - 1
        )
        if left <= 0:
            return RedeemResult(RedeemOutcome.LOCKED, locked_until=now + TRY_WINDOW)
        return RedeemResult(outcome, tries_left=left)

    code_text = normalise_code(typed)
    if code_text is None:
        return fail(RedeemOutcome.MALFORMED), None
    code = session.scalar(
        select(LinkCode).where(LinkCode.code_hash == hash_code(code_text, secret_key))
    )
    if code is None:
        return fail(RedeemOutcome.WRONG), None
    if code.failed_attempts >= MAX_FAILED_TRIES:
        return RedeemResult(RedeemOutcome.LOCKED), None
    if code.used_at is not None:
        return fail(RedeemOutcome.USED, code), None
    if code.expires_at <= now:
        return fail(RedeemOutcome.EXPIRED, code), None

    code.used_at = now
    session.add(
        LinkAttempt(
            conversation_id=trier.key,
            client_key=trier.client_key,
            link_code_id=code.id,
            succeeded=True,
            attempted_at=now,
        )
    )
    role = PersonRole.STUDENT if code.student_id is not None else PersonRole.GUARDIAN
    person = (
        session.get(Student, code.student_id)
        if role is PersonRole.STUDENT
        else session.get(Guardian, code.guardian_id)
    )
    return RedeemResult(RedeemOutcome.LINKED, role=role, first_name=person.first_name), code


def redeem_code(
    session: Session,
    conversation_id: str,
    typed: str,
    *,
    secret_key: str,
    now: datetime,
    client_key: str | None = None,
    per_address: int = PER_ADDRESS.tries,
) -> RedeemResult:
    """Checks a code typed in the chat and, when it is valid, links the conversation."""
    trier = Trier(conversation_id, client_key, per_address)
    result, code = _check_code(session, trier, typed, secret_key=secret_key, now=now)
    if code is not None:
        link_conversation(
            session,
            conversation_id,
            via=LinkMethod.CODE,
            student_id=code.student_id,
            guardian_id=code.guardian_id,
            proof=address_proof(client_key),
        )
    return result


def redeem_code_for_login(
    session: Session, trier: Trier, typed: str, *, secret_key: str, now: datetime
) -> tuple[RedeemResult, ChatClaims | None]:
    """Checks a code entered on the chat page; a valid one yields the claims for a chat
    token. Wrong tries are limited per browser and per address, as in the chat."""
    result, code = _check_code(session, trier, typed, secret_key=secret_key, now=now)
    if code is None:
        return result, None
    person_id = code.student_id if code.student_id is not None else code.guardian_id
    record_change(
        session,
        actor_type="web",
        actor_id=trier.key[:64],
        action="login_with_code",
        subject_type=result.role.value,
        subject_id=person_id,
    )
    return result, ChatClaims(role=result.role, person_id=person_id)


def unlink(session: Session, conversation_id: str, *, now: datetime) -> bool:
    """Ends the link between this conversation and a person ("uitloggen"): the chat
    token it was proven with opens nothing again, and the device that token came from
    forgets the person (bot/identity/devices.py)."""
    link = session.get(ConversationLink, conversation_id)
    if link is None:
        return False
    proof = link.proof
    end_link(session, link, actor="conversation", actor_id=conversation_id)
    session.flush()
    # After the link: the device's end ends the links of its tokens, this one included.
    # A koppelcode's link holds its address, which then ends nothing (ended tokens make
    # only token-held links inert, bot/identity/access.py); an older code link that a
    # token proved holds that token.
    end_token(session, proof, now=now)
    return True


def link_with_token(
    session: Session, conversation_id: str, token: object, *, secret_key: str, now: datetime
) -> ConversationLink | None:
    """Links the conversation to the person a valid chat token names; None when refused."""
    claims = verify_token(token, secret_key=secret_key, now=now)
    if claims is None:
        logger.warning("Refused a chat token that is forged, expired or malformed.")
        return None
    model = Student if claims.role is PersonRole.STUDENT else Guardian
    if claims.role not in (PersonRole.STUDENT, PersonRole.GUARDIAN) or not session.get(
        model, claims.person_id
    ):
        logger.warning("Refused a chat token for a person that does not exist.")
        return None
    is_student = claims.role is PersonRole.STUDENT
    person_id = claims.person_id
    proof = token_proof(token, secret_key=secret_key)
    if token_ended(session, proof):
        logger.warning("Refused a chat token whose login ended.")
        return None
    existing = session.get(ConversationLink, conversation_id)
    if existing is not None and existing.role is claims.role:
        linked_id = existing.student_id if is_student else existing.guardian_id
        if linked_id == person_id:
            # The same person: keep the chosen child. The token holds the link now, so
            # its logout ends it (a koppelcode's link held only an address).
            existing.proof = proof
            existing.linked_via = LinkMethod.TOKEN
            session.flush()
            return existing
    return link_conversation(
        session,
        conversation_id,
        via=LinkMethod.TOKEN,
        student_id=person_id if is_student else None,
        guardian_id=None if is_student else person_id,
        proof=proof,
    )


# A message this short that names one of a guardian's children chooses that child.
MAX_WORDS_TO_CHOOSE_A_CHILD = 4


def choose_child_named_in(
    session: Session, conversation_id: str, said: str, *, today: date
) -> str | None:
    """ "Lotte", "over lotte": a short message naming exactly one of a guardian's own
    children chooses that child. Returns the name, or None."""
    if len(said.split()) > MAX_WORDS_TO_CHOOSE_A_CHILD:
        return None
    access = authorise(session, conversation_id, Purpose.NAME, today=today)
    if access.role is not PersonRole.GUARDIAN:
        return None
    named = named_children(list(access.children_names), said)
    if len(named) != 1:
        return None
    return choose_child(session, conversation_id, named[0], today=today)


def choose_child(
    session: Session, conversation_id: str, first_name: str, *, today: date
) -> str | None:
    """Remembers which of a guardian's own children the conversation is about.

    Returns the child's first name, or None when the name is not one of their children
    (or the conversation is no longer linked: see access.current_link).
    """
    link = current_link(session, conversation_id, today=today)
    if link is None or link.role is not PersonRole.GUARDIAN:
        return None
    for relation in link.guardian.student_links:
        if relation.student.first_name.lower() == first_name.strip().lower():
            link.selected_student_id = relation.student_id
            session.flush()
            return relation.student.first_name
    return None
