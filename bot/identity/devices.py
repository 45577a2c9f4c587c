"""'Onthoud mij op dit apparaat': a login that lasts on a person's own device.

After a koppelcode, a student or parent may ask to be remembered. The device gets a
random secret (in an HttpOnly cookie); the database keeps only its hash. Each use gives
the device a new secret and a fresh short-lived chat token: a copied cookie works once
at most, and a cookie used after it was replaced ends the device's login (someone else
has it). The previous secret still works for a minute, so two tabs opened at once do
not log each other out. A device login ends at the end of the school year, at
"uitloggen" on that device (typed or the button), when the person or a coordinator ends
all of them, or with `python -m bot revoke-devices`; its end ends the chat tokens it
gave every tab, and the conversations they opened.

Every change is audited; the secret itself is never logged or stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.checkins.goals import school_year_start
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import (
    ConversationLink,
    DeviceLogin,
    DeviceToken,
    EndedChatToken,
    Guardian,
    Student,
)
from bot.identity.tokens import ChatClaims
from bot.vocabulary import PersonRole

# How long the secret before a rotation still counts (tabs opened at the same time).
ROTATION_GRACE = timedelta(minutes=1)
SECRET_BYTES = 32


def school_year_end(now: datetime) -> datetime:
    """1 August, 00:00 Dutch time, after the school year `now` falls in."""
    start = school_year_start(now.astimezone(SCHOOL_TIMEZONE).date())
    return datetime.combine(start.replace(year=start.year + 1, month=8, day=1), time()).replace(
        tzinfo=SCHOOL_TIMEZONE
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _cookie(device_id: int, secret: str) -> str:
    return f"{device_id}.{secret}"


def _parse(cookie: object) -> tuple[int, str] | None:
    if not isinstance(cookie, str) or len(cookie) > 200:
        return None
    number, _, secret = cookie.partition(".")
    if not (number.isascii() and number.isdecimal()) or len(number) > 12 or not secret:
        return None
    return int(number), secret


def _audit(session: Session, device: DeviceLogin, action: str, actor: str) -> None:
    record_change(
        session,
        actor_type=actor,
        action=action,
        subject_type=device.role.value,
        subject_id=device.student_id or device.guardian_id,
        detail=f"device {device.id}",
    )


def _claims(device: DeviceLogin) -> ChatClaims:
    person = device.student_id if device.role is PersonRole.STUDENT else device.guardian_id
    return ChatClaims(role=device.role, person_id=person)


def remember(
    session: Session, claims: ChatClaims, *, token_proof: str | None, now: datetime
) -> str:
    """A new device login for the person a koppelcode just named; returns the cookie."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    student = claims.person_id if claims.role is PersonRole.STUDENT else None
    device = DeviceLogin(
        role=claims.role,
        student_id=student,
        guardian_id=None if student is not None else claims.person_id,
        secret_hash=_hash(secret),
        rotated_at=now,
        token_proof=token_proof,
        created_at=now,
        expires_at=school_year_end(now),
    )
    session.add(device)
    session.flush()
    _audit(session, device, "device_remembered", "web")
    if token_proof:
        session.add(DeviceToken(token_proof=token_proof, device_id=device.id, issued_at=now))
    return _cookie(device.id, secret)


@dataclass(frozen=True)
class Resumed:
    claims: ChatClaims
    first_name: str
    device_id: int
    cookie: str | None  # the device's new cookie; None: keep the one it has (grace)


def _person_exists(session: Session, claims: ChatClaims) -> str | None:
    model = Student if claims.role is PersonRole.STUDENT else Guardian
    person = session.get(model, claims.person_id)
    return person.first_name if person is not None else None


def _live_device(
    session: Session, cookie: object, *, now: datetime
) -> tuple[DeviceLogin, str] | None:
    """The unrevoked, unexpired device login a cookie names, with the hash of the
    secret it presents (not yet compared)."""
    parsed = _parse(cookie)
    device = session.get(DeviceLogin, parsed[0]) if parsed else None
    if device is None or device.revoked_at is not None or device.expires_at <= now:
        return None
    return device, _hash(parsed[1])


def resume(session: Session, cookie: object, *, now: datetime) -> Resumed | None:
    """The person a device's cookie remembers, with the device's next secret; None when
    the cookie is unknown, expired, revoked or already replaced (then the device login
    ends: a copy of the cookie was used)."""
    found = _live_device(session, cookie, now=now)
    if found is None:
        return None
    device, presented = found
    first_name = _person_exists(session, _claims(device))
    if first_name is None:
        return None
    if hmac.compare_digest(presented, device.secret_hash):
        secret = secrets.token_urlsafe(SECRET_BYTES)
        # Only if nobody rotated it meanwhile (two tabs at once): else the grace below.
        # Not if the login ended since it was read (a logout in another tab).
        rotated = session.execute(
            update(DeviceLogin)
            .where(
                DeviceLogin.id == device.id,
                DeviceLogin.secret_hash == presented,
                DeviceLogin.revoked_at.is_(None),
            )
            .values(previous_hash=presented, secret_hash=_hash(secret), rotated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.expire(device)
        if device.revoked_at is not None:
            return None
        _audit(session, device, "device_login", "web")
        if rotated.rowcount == 1:
            return Resumed(_claims(device), first_name, device.id, _cookie(device.id, secret))
        return Resumed(_claims(device), first_name, device.id, None)
    if device.previous_hash is None or not hmac.compare_digest(presented, device.previous_hash):
        return None  # a wrong secret: refused, and it ends nobody's login
    if now - device.rotated_at <= ROTATION_GRACE:
        _audit(session, device, "device_login", "web")
        return Resumed(_claims(device), first_name, device.id, None)
    # A secret that was replaced is used again: a copy exists. The login ends.
    _revoke(session, device, now=now, action="device_revoked_replayed", actor="web")
    return None


def bind_token(session: Session, device_id: int, token_proof: str | None, *, now: datetime) -> bool:
    """The chat token the device was just given (one more tab or visit): its "uitloggen"
    ends the device too, and the end of the device ends it. False when the device's
    login ended meanwhile (a logout in another tab): the token is ended at once.

    A logout ends the tokens it finds stored; a token stored just after that would stay
    behind. So the token is stored first, and the device read after it, its row locked
    (PostgreSQL; SQLite has one writer at a time): either the logout finds the token or
    this finds the logout."""
    device = session.get(DeviceLogin, device_id)
    if device is None or not token_proof:
        return False
    device.token_proof = token_proof
    if session.get(DeviceToken, token_proof) is None:
        session.add(DeviceToken(token_proof=token_proof, device_id=device_id, issued_at=now))
    session.flush()
    revoked_at = session.execute(
        select(DeviceLogin.revoked_at)
        .where(DeviceLogin.id == device_id)
        # FOR NO KEY UPDATE: the device_tokens foreign key's KEY SHARE lock does not wait on it.
        .with_for_update(key_share=True)
    ).scalar_one()
    if revoked_at is not None:
        _record_end(session, token_proof, now=now)
        return False
    return True


def _revoke(
    session: Session, device: DeviceLogin, *, now: datetime, action: str, actor: str
) -> None:
    """The device's login ends, and with it every chat token it gave and every
    conversation those opened: another tab of the device stays logged in no longer."""
    device.revoked_at = now
    _audit(session, device, action, actor)
    proofs = session.scalars(
        select(DeviceToken.token_proof).where(DeviceToken.device_id == device.id)
    ).all()
    for proof in proofs:
        _record_end(session, proof, now=now)
        end_links_of_token(session, proof, actor=actor)


def _held(session: Session, cookie: object, *, now: datetime) -> DeviceLogin | None:
    """The live device login this cookie holds (its current or previous secret)."""
    found = _live_device(session, cookie, now=now)
    if found is None:
        return None
    device, presented = found
    known = (device.secret_hash, device.previous_hash or "")
    return device if any(hmac.compare_digest(presented, h) for h in known) else None


def forget(session: Session, cookie: object, *, now: datetime) -> bool:
    """'Uitloggen' on this device: its login ends. True when there was one."""
    device = _held(session, cookie, now=now)
    if device is None:
        return False
    _revoke(session, device, now=now, action="device_revoked", actor="web")
    return True


def person_of(session: Session, cookie: object, *, now: datetime) -> ChatClaims | None:
    """Whose login this device's cookie holds (without using it up)."""
    device = _held(session, cookie, now=now)
    return _claims(device) if device is not None else None


def person_of_token(session: Session, token_proof: str | None) -> ChatClaims | None:
    """Whose conversation a chat token proves (however old the token: the link holds)."""
    if not token_proof or token_ended(session, token_proof):
        return None
    link = session.scalar(select(ConversationLink).where(ConversationLink.proof == token_proof))
    if link is None:
        return None
    person = link.student_id if link.role is PersonRole.STUDENT else link.guardian_id
    return ChatClaims(role=link.role, person_id=person)


def forget_all(session: Session, claims: ChatClaims, *, now: datetime, actor: str) -> int:
    """Ends every device login of this person, and the chat logins those devices (or
    any chat token) opened; returns how many devices."""
    student = claims.role is PersonRole.STUDENT
    column = DeviceLogin.student_id if student else DeviceLogin.guardian_id
    column_of_link = ConversationLink.student_id if student else ConversationLink.guardian_id
    devices = session.scalars(
        select(DeviceLogin).where(column == claims.person_id, DeviceLogin.revoked_at.is_(None))
    ).all()
    for device in devices:
        _revoke(session, device, now=now, action="device_revoked", actor=actor)
    # Every conversation the person is logged in to ends now too, on any device.
    links = session.scalars(select(ConversationLink).where(column_of_link == claims.person_id))
    for link in links.all():
        # A koppelcode's link holds its address: ending that ends nothing.
        end_token(session, link.proof, now=now, actor=actor)
        end_link(session, link, actor=actor)
    session.flush()
    return len(devices)


def end_links_of_token(session: Session, token_proof: str | None, *, actor: str) -> int:
    """Ends every conversation the chat token opened (the page's "Uitloggen" button):
    the new, anonymous conversation the page starts next never meets the old one still
    linked. Matched on the proof alone: a link made with a koppelcode and later proven
    with the token holds the token's proof too. Returns how many ended."""
    if not token_proof:
        return 0
    links = session.scalars(
        select(ConversationLink).where(ConversationLink.proof == token_proof)
    ).all()
    for link in links:
        end_link(session, link, actor=actor)
    session.flush()
    return len(links)


def end_conversation_link(
    session: Session, conversation_id: object, proof: str | None, *, actor: str
) -> bool:
    """Ends the link of the page's own conversation when the request proves it: a
    koppelcode typed in the chat links with the address it came from, not the token."""
    if not proof or not isinstance(conversation_id, str):
        return False
    if not 0 < len(conversation_id) <= 255:
        return False
    link = session.get(ConversationLink, conversation_id)
    if link is None or link.proof != proof:
        return False
    end_link(session, link, actor=actor)
    session.flush()
    return True


def end_link(
    session: Session, link: ConversationLink, *, actor: str, actor_id: str | None = None
) -> None:
    """Deletes the conversation's link to a person, audited as `actor` ended it."""
    record_change(
        session,
        actor_type=actor,
        actor_id=actor_id,
        action="unlink",
        subject_type=link.role.value,
        subject_id=link.student_id or link.guardian_id,
        conversation_id=link.conversation_id,
    )
    session.delete(link)


def remembered_devices(session: Session, role: PersonRole, person_id: int) -> int:
    """How many devices remember this person now (for the data summary)."""
    column = DeviceLogin.student_id if role is PersonRole.STUDENT else DeviceLogin.guardian_id
    return len(
        session.scalars(
            select(DeviceLogin.id).where(column == person_id, DeviceLogin.revoked_at.is_(None))
        ).all()
    )


def end_token(
    session: Session, token_proof: str | None, *, now: datetime, actor: str = "conversation"
) -> None:
    """The chat token's login ended ("uitloggen" in the chat or on the page, or every
    login of the person): it links nothing again, and the device it came from forgets
    the person, with the device's other tokens. `actor` is who ended it, for the audit."""
    if not token_proof:
        return
    _record_end(session, token_proof, now=now)
    for device in session.scalars(
        select(DeviceLogin)
        .join(DeviceToken, DeviceToken.device_id == DeviceLogin.id)
        .where(DeviceToken.token_proof == token_proof, DeviceLogin.revoked_at.is_(None))
    ):
        _revoke(session, device, now=now, action="device_revoked", actor=actor)
    session.flush()


def _record_end(session: Session, token_proof: str, *, now: datetime) -> None:
    """The chat token opens nothing again (recorded once)."""
    if session.get(EndedChatToken, token_proof) is None:
        session.add(EndedChatToken(token_proof=token_proof, ended_at=now))


def token_ended(session: Session, token_proof: str | None) -> bool:
    return bool(token_proof) and session.get(EndedChatToken, token_proof) is not None
