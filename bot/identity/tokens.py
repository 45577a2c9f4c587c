"""Short-lived signed chat tokens: the web app vouches for a person to the chat.

The chat page gets a token after a login on the web app and passes it in the widget's
customData; Rasa delivers that as message metadata. Only a token signed with the
server secret, for this audience and not expired, links a conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from bot.db.models import PersonRole

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
    }
    return jwt.encode(payload, secret_key, algorithm=ALGORITHM)


def verify_token(token: object, *, secret_key: str, now: datetime) -> ChatClaims | None:
    """The claims of a valid token, or None for anything forged, expired or malformed."""
    if not isinstance(token, str) or not token:
        return None
    try:
        payload = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],  # never "none", never an algorithm the token picks
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"], "verify_exp": False},
        )
    except jwt.InvalidTokenError:
        return None
    # Expiry is checked against the given clock so tests can move time.
    if int(payload["exp"]) <= int(now.timestamp()):
        return None
    role_text, _, person_text = str(payload["sub"]).partition(":")
    try:
        return ChatClaims(role=PersonRole(role_text), person_id=int(person_text))
    except ValueError:
        return None
