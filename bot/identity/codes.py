"""One-time link codes (koppelcodes): readable to type, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "TT"
GROUP_LENGTH = 3
GROUPS = 2

_CODE_SHAPE = re.compile(
    rf"^{PREFIX}-[{ALPHABET}]{{{GROUP_LENGTH}}}-[{ALPHABET}]{{{GROUP_LENGTH}}}$"
)


def generate_code() -> str:
    groups = ["".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)]
    return "-".join([PREFIX, *groups])


def normalise_code(typed: str) -> str | None:
    """The canonical form of a typed code ('tt 4k9 7qx' -> 'TT-4K9-7QX'), or None."""
    compact = re.sub(r"[\s\-_.]", "", typed.upper())
    if not compact.startswith(PREFIX):
        compact = PREFIX + compact
    body = compact[len(PREFIX) :]
    if len(body) != GROUP_LENGTH * GROUPS:
        return None
    code = f"{PREFIX}-{body[:GROUP_LENGTH]}-{body[GROUP_LENGTH:]}"
    return code if _CODE_SHAPE.match(code) else None


def hash_code(code: str, secret_key: str) -> str:
    """A keyed hash: without the server secret, a leaked table gives no codes back."""
    return hmac.new(secret_key.encode(), code.encode(), hashlib.sha256).hexdigest()


# Anything that looks like someone typed a code: "TT-7KQ-2MV", "tt 7kq 2mv", "tt7kq2mv".
_CODE_IN_TEXT = re.compile(
    r"(?<![a-z0-9])tt[\s\-_.]?[a-z0-9]{3}[\s\-_.]?[a-z0-9]{3}(?![a-z0-9])", re.I
)


def find_code_in_text(text: str | None) -> str | None:
    """The code-shaped part of a message, as typed, or None when there is none."""
    match = _CODE_IN_TEXT.search(text or "")
    return match.group(0) if match else None
