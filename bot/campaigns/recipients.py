"""Who a message goes to, as one key: "student:7" or "guardian:3"."""

from __future__ import annotations

from bot.vocabulary import PersonRole


def recipient_key(role: PersonRole, person_id: int) -> str:
    return f"{role.value}:{person_id}"


def parse_recipient_key(key: str) -> tuple[PersonRole, int]:
    role, _, person_id = key.partition(":")
    return PersonRole(role), int(person_id)
