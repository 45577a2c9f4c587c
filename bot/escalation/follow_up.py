"""How the answer reaches someone who asked without logging in.

An anonymous handoff has no person to go back to: once the tab closes, "je krijgt
antwoord, hier in de chat" cannot be kept. So the bot asks how the answer can reach
them: "ik kom terug" gives a short code beside the reference, which shows the
coordinator's answers in any later conversation; an e-mail address gets a mail when
there is an answer, with a fresh code and a link to the chat (never the answer
itself); or they stay in this chat, and are told honestly that the answer shows only
while it is open.

The code is stored as a hash; five wrong codes lock a handoff's answers. The e-mail
address is shown in the data summary and erased on request (bot/identity/privacy.py
rules: only what is needed, as long as it is needed).
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.audit import record_change, record_read
from bot.content.catalog import text
from bot.db.models import Coordinator, Handoff, HandoffMessage, OutboxMessage
from bot.escalation.handoffs import REFERENCE_ALPHABET
from bot.escalation.mail import MAIL_TOPIC
from bot.escalation.replies import Reply
from bot.identity.codes import hash_code
from bot.outbox import enqueue_once
from bot.vocabulary import HandoffStatus, OutboxStatus, ThreadAuthor

_ALPHABET = REFERENCE_ALPHABET  # no 0/O or 1/I
CODE_LENGTH = 6
MAX_WRONG_CODES = 5
# A message that is (about) one e-mail address.
EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,}"
)
MAX_WORDS_WITH_EMAIL = 6
# "H-7K4Q2M 4KQ-7ZD", "antwoord h-7k4q2m code 4kq7zd"
RETURN = re.compile(
    rf"\b(H-[{_ALPHABET}]{{6}})\b\W+(?:code\W+)?([{_ALPHABET}]{{3}})[-\s]?([{_ALPHABET}]{{3}})\b",
    re.IGNORECASE,
)


def find_email(said: str | None) -> str | None:
    """The e-mail address a short message gives ("sanne@mail.nl", "mijn mail is ...")."""
    if not said or len(said.split()) > MAX_WORDS_WITH_EMAIL:
        return None
    found = EMAIL.findall(said)
    return found[0].lower() if len(found) == 1 and len(found[0]) <= 200 else None


def find_return(said: str | None) -> tuple[str, str] | None:
    """The reference and code someone typed to read their answer, normalised."""
    for found in RETURN.finditer(said or ""):
        code = (found.group(2) + found.group(3)).upper()
        if any(character.isdigit() for character in code):  # words have no digits
            return found.group(1).upper(), code
    return None


def _hash(reference: str, code: str, secret_key: str) -> str:
    """Keyed: without the server secret, a leaked table gives no code back."""
    return hash_code(f"answer:{reference}:{code}", secret_key)


def _new_code(handoff: Handoff, secret_key: str) -> str:
    """A fresh code with at least one digit (so no Dutch word looks like one)."""
    code = ""
    while not any(character.isdigit() for character in code):
        code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    handoff.return_code_hash = _hash(handoff.reference, code, secret_key)
    handoff.return_tries = 0
    return f"{code[:3]}-{code[3:]}"


def _audit(session: Session, conversation_id: str, handoff: Handoff, action: str) -> None:
    record_change(
        session,
        actor_type="conversation",
        actor_id=conversation_id,
        action=action,
        subject_type="handoff",
        subject_id=handoff.reference,
        conversation_id=conversation_id,
    )


def _anonymous_handoff(session: Session, conversation_id: str) -> Handoff | None:
    """This conversation's newest handoff that is about nobody known, still open."""
    return session.scalar(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.student_id.is_(None),
            Handoff.guardian_id.is_(None),
            Handoff.status.in_((HandoffStatus.OPEN, HandoffStatus.CLAIMED)),
        )
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
    )


@dataclass(frozen=True)
class ReturnCode:
    reference: str
    code: str  # shown once, "4KQ-7ZD"


def come_back_code(
    session: Session, conversation_id: str, *, secret_key: str, now: datetime
) -> ReturnCode | None:
    """'Ik kom terug': a code for this conversation's anonymous handoff (a new one each
    time: only the newest works); None when there is no such handoff."""
    handoff = _anonymous_handoff(session, conversation_id)
    if handoff is None:
        return None
    code = _new_code(handoff, secret_key)
    _audit(session, conversation_id, handoff, "return_code_made")
    return ReturnCode(handoff.reference, code)


def save_contact(
    session: Session, conversation_id: str, email: str, *, now: datetime
) -> str | None:
    """Keeps the e-mail address for this conversation's anonymous handoff; returns its
    reference, or None when there is no such handoff."""
    handoff = _anonymous_handoff(session, conversation_id)
    if handoff is None:
        return None
    handoff.contact_email = email
    _audit(session, conversation_id, handoff, "contact_email_saved")
    return handoff.reference


def forget_asker_mails(session: Session, reference: str) -> None:
    """Mails to the asker that were not sent yet go with their address."""
    session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key.startswith(asker_mail_key(reference)),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .execution_options(synchronize_session=False)
    )


def forget_contact(session: Session, handoff: Handoff) -> None:
    """The question is done: its asker's address and unsent mails go."""
    handoff.contact_email = None
    forget_asker_mails(session, handoff.reference)


def contact_of(session: Session, conversation_id: str) -> tuple[str, str] | None:
    """The e-mail address kept for this conversation's handoffs (reference, address)."""
    handoff = session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.contact_email.is_not(None))
        .order_by(Handoff.id.desc())
    )
    return (handoff.reference, handoff.contact_email) if handoff else None


def erase_contact(session: Session, conversation_id: str, *, now: datetime) -> int:
    """Removes the e-mail addresses and codes kept for this conversation's handoffs."""
    handoffs = session.scalars(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.contact_email.is_not(None)
        )
    ).all()
    for handoff in handoffs:
        forget_contact(session, handoff)
        _audit(session, conversation_id, handoff, "contact_email_erased")
    return len(handoffs)


class ReturnOutcome(str, enum.Enum):
    SHOWN = "shown"
    NOT_YET = "not_yet"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class Returned:
    outcome: ReturnOutcome
    replies: tuple[Reply, ...] = ()


def answers_for(
    session: Session,
    reference: str,
    code: str,
    conversation_id: str,
    *,
    secret_key: str,
    now: datetime,
) -> Returned:
    """The coordinator's answers to a handoff, for someone who shows its code."""
    handoff = session.scalar(select(Handoff).where(Handoff.reference == reference))
    if handoff is None or handoff.return_code_hash is None:
        return Returned(ReturnOutcome.WRONG)
    if handoff.return_tries >= MAX_WRONG_CODES:
        return Returned(ReturnOutcome.LOCKED)
    if not hmac.compare_digest(_hash(reference, code, secret_key), handoff.return_code_hash):
        # Counted in the database itself: guesses at the same moment all count.
        session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id)
            .values(return_tries=Handoff.return_tries + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(handoff, ["return_tries"])
        locked = handoff.return_tries >= MAX_WRONG_CODES
        return Returned(ReturnOutcome.LOCKED if locked else ReturnOutcome.WRONG)
    handoff.return_tries = 0
    rows = session.execute(
        select(HandoffMessage, Coordinator)
        .join(Coordinator, HandoffMessage.coordinator_id == Coordinator.id)
        .where(
            HandoffMessage.handoff_id == handoff.id,
            HandoffMessage.author == ThreadAuthor.COORDINATOR,
        )
        .order_by(HandoffMessage.id)
    ).all()
    record_read(
        session,
        conversation_id=conversation_id,
        subject_type="handoff",
        subject_id=handoff.reference,
        what="answers_with_code",
    )
    replies = tuple(
        Reply(reference=reference, coordinator_name=coordinator.name, body=message.body)
        for message, coordinator in rows
    )
    return Returned(ReturnOutcome.SHOWN if replies else ReturnOutcome.NOT_YET, replies)


# At most one mail to an asker per handoff in this span, however many replies come.
ASKER_MAIL_SPAN = timedelta(hours=1)


def asker_mail_key(reference: str) -> str:
    return f"mail:asker:{reference}:"


def mail_the_asker(session: Session, handoff: Handoff, *, secret_key: str, now: datetime) -> bool:
    """A coordinator answered an anonymous handoff whose asker left an e-mail address:
    a mail says so, with a fresh code and a link to the chat, never the answer. At most
    one an hour (each has a new code: the newest mail's code works)."""
    if not handoff.contact_email:
        return False
    span = int(now.timestamp() // ASKER_MAIL_SPAN.total_seconds())
    key = f"{asker_mail_key(handoff.reference)}{span}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return False
    code = _new_code(handoff, secret_key)
    values = {"reference": handoff.reference, "code": code}
    enqueue_once(
        session,
        MAIL_TOPIC,
        {
            "to": handoff.contact_email,
            "subject": text("mail", "asker", "subject", **values),
            "body": text("mail", "asker", "body", **values),
            "path": "/",
            "audience": "asker",
        },
        key=key,
        now=now,
    )
    return True
