"""A coordinator's login to the inbox: limited per account and per address, and as
slow for an unknown e-mail address as for a known one.

Ten failed tries per account in fifteen minutes, thirty per address; a limit cools
down by itself (bot/identity/throttle.py). Every answer costs one scrypt check, also
for an address that has no account or a blocked one, so the time taken does not tell
which addresses exist. Tries are kept under keyed hashes, never the typed address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, LoginAttempt
from bot.identity.passwords import hash_password, verify_password
from bot.identity.throttle import Limit, blocked_until, private_key

PER_ACCOUNT = Limit(10, timedelta(minutes=15))
PER_ADDRESS = Limit(30, timedelta(minutes=15))
# Checked when there is no real hash to check, so that path takes as long.
_STAND_IN_HASH = hash_password("no account has this password")


@dataclass(frozen=True)
class LoginResult:
    coordinator_id: int | None = None  # set when the login succeeded
    session_epoch: int = 0
    blocked_until: datetime | None = None  # set when too many tries were made


def _failures(session: Session, column, key: str, limit: Limit, now: datetime) -> list[datetime]:  # noqa: ANN001
    return list(
        session.scalars(
            select(LoginAttempt.attempted_at).where(
                column == key,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > now - limit.window,
            )
        )
    )


def check_login(
    session: Session,
    email: str,
    password: str,
    *,
    client_address: str,
    secret_key: str,
    now: datetime,
) -> LoginResult:
    """Checks a login and records the try."""
    account_key = private_key("account", email, secret_key)
    client_key = private_key("address", client_address, secret_key)
    waits = [
        until
        for until in (
            blocked_until(
                _failures(session, LoginAttempt.account_key, account_key, PER_ACCOUNT, now),
                PER_ACCOUNT,
                now=now,
            ),
            blocked_until(
                _failures(session, LoginAttempt.client_key, client_key, PER_ADDRESS, now),
                PER_ADDRESS,
                now=now,
            ),
        )
        if until is not None
    ]
    coordinator = session.scalar(
        select(Coordinator).where(Coordinator.email == email.strip().lower())
    )
    stored = coordinator.password_hash if coordinator and coordinator.password_hash else None
    matches = verify_password(password, stored or _STAND_IN_HASH) and stored is not None
    if waits:
        return LoginResult(blocked_until=max(waits))
    succeeded = matches and coordinator.active
    session.add(
        LoginAttempt(
            account_key=account_key, client_key=client_key, succeeded=succeeded, attempted_at=now
        )
    )
    if not succeeded:
        return LoginResult()
    return LoginResult(coordinator_id=coordinator.id, session_epoch=coordinator.session_epoch)


def end_sessions(session: Session, coordinator_id: int) -> None:
    """Logout: every inbox cookie this coordinator holds stops working."""
    coordinator = session.get(Coordinator, coordinator_id)
    if coordinator is not None:
        coordinator.session_epoch += 1
