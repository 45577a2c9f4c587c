"""Short-lived signed chat tokens: the web app vouches for a person to the chat.

The chat page gets a token after a login on the web app and passes it in the widget's
customData; Rasa delivers that as message metadata. Only a token signed with the
server secret, for this audience and not expired, links a conversation.

Each token carries a random id (jti). The link remembers it (bot/identity/proof.py),
and the widget sends the token with every message: that, not the conversation id,
is what later messages prove the conversation is theirs with.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from bot.vocabulary import PersonRole

ALGORITHM = "HS256"
AUDIENCE = "toptraject-chat"
TOKEN_LIFETIME = timedelta(minutes=30)
# Where the chat page puts the token in the widget's customData (message metadata).
TOKEN_METADATA_KEY = "chat_token"


@dataclass(frozen=True)
class ChatClaims:
    role: PersonRole
    person_id: int


def issue_token(claims: ChatClaims, *, secret_key: str, now: datetime) -> str:
    payload = {
        "sub": f"{claims.role.value}:{claims.person_id}",
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
        "jti": secrets.token_hex(16),
    }
    return jwt.encode(payload, secret_key, algorithm=ALGORITHM)


def _signed_payload(token: object, secret_key: str) -> dict | None:
    """The payload of a token signed with our key for the chat, expired or not."""
    if not isinstance(token, str) or not token:
        return None
    try:
        return jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],  # never "none", never an algorithm the token picks
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"], "verify_exp": False},
        )
    except jwt.InvalidTokenError:
        return None


def token_id(token: object, *, secret_key: str) -> str | None:
    """The random id of a token we signed, even after it expired (a link outlives its
    token by design: the token only opens it); None when forged or without an id."""
    payload = _signed_payload(token, secret_key)
    jti = payload.get("jti") if payload else None
    return jti if isinstance(jti, str) and jti else None


def verify_token(token: object, *, secret_key: str, now: datetime) -> ChatClaims | None:
    """The claims of a valid token, or None for anything forged, expired or malformed."""
    payload = _signed_payload(token, secret_key)
    if payload is None:
        return None
    # Expiry is checked against the given clock so tests can move time.
    if int(payload["exp"]) <= int(now.timestamp()):
        return None
    role_text, _, person_text = str(payload["sub"]).partition(":")
    try:
        return ChatClaims(role=PersonRole(role_text), person_id=int(person_text))
    except ValueError:
        return None
