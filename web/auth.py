"""The inbox session: a signed cookie that carries the coordinator id, an expiry, the
CSRF token every form must echo back, and the coordinator's session epoch (raised at
logout, which ends every session made before)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

SESSION_LIFETIME = timedelta(hours=8)
COOKIE_NAME = "toptraject_inbox"
ANONYMOUS = 0  # a visitor of the login page: has a CSRF token, no coordinator


@dataclass(frozen=True)
class InboxSession:
    coordinator_id: int  # ANONYMOUS before login
    csrf_token: str
    expires_at: datetime
    epoch: int = 0  # the coordinator's session_epoch when this session was made


def _signature(secret_key: str, payload: bytes) -> str:
    key = hashlib.sha256(("inbox-session:" + secret_key).encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def new_session(coordinator_id: int, *, now: datetime, epoch: int = 0) -> InboxSession:
    return InboxSession(coordinator_id, secrets.token_urlsafe(24), now + SESSION_LIFETIME, epoch)


def encode_session(session: InboxSession, secret_key: str) -> str:
    payload = json.dumps(
        {
            "c": session.coordinator_id,
            "x": session.csrf_token,
            "e": session.expires_at.timestamp(),
            "v": session.epoch,
        }
    ).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{token}.{_signature(secret_key, payload)}"


def decode_session(value: str | None, secret_key: str, *, now: datetime) -> InboxSession | None:
    """The session in a cookie, or None when it is missing, forged or expired."""
    if not value or "." not in value:
        return None
    token, signature = value.rsplit(".", 1)
    try:
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(payload)
        expires = datetime.fromtimestamp(float(data["e"]), tz=now.tzinfo)
        session = InboxSession(int(data["c"]), str(data["x"]), expires, int(data.get("v", 0)))
    except (ValueError, KeyError, TypeError):
        return None
    if not hmac.compare_digest(signature, _signature(secret_key, payload)):
        return None
    return session if now < session.expires_at else None


def csrf_ok(session: InboxSession | None, submitted: str | None) -> bool:
    return bool(session and submitted) and hmac.compare_digest(session.csrf_token, submitted)
