"""What a message proves about the conversation it is sent in. Pure.

A conversation id is not a secret that lasts: it sits in the browser's storage and in
every socket message, and can be copied. So a link to a person also holds a proof:

- a link made with a chat token (the chat page login) holds a keyed hash of the
  token's random id; the widget sends the token with every message;
- a link made with a koppelcode typed in the chat holds the client key of the address
  it was typed from (the channel stamps it, a browser cannot choose it). That is the
  weaker proof: someone behind the same address with the conversation id passes it,
  so the chat page login is the way the widget offers first.

A message on a linked conversation that proves neither is not handled there: the
channel moves it to a side conversation of its own (channels/proof.py), where it gets
every answer, the risk check and the crisis lines, but nobody's data. A socket that
asks for a linked conversation joins it (and receives what is sent there) only once
it has proved it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.identity.throttle import private_key
from bot.identity.tokens import token_id


@dataclass(frozen=True)
class Lock:
    """What a linked conversation asks of a message. A link without a proof (made
    before proofs existed, or by a caller that had none) is opened by no message."""

    proof: str | None


@dataclass(frozen=True)
class Offered:
    """What a message offers: the proof of its token and of its address, if any."""

    token: str | None = None
    address: str | None = None


class Standing(str, enum.Enum):
    UNLINKED = "unlinked"  # nobody's conversation: anyone may talk in it
    PROVEN = "proven"
    UNPROVEN = "unproven"


def token_proof(token: object, *, secret_key: str) -> str | None:
    """The proof a chat token gives: a keyed hash of its id (signature checked, expiry
    not: the link decides how long it holds)."""
    jti = token_id(token, secret_key=secret_key)
    return private_key("token", jti, secret_key) if jti else None


def address_proof(client_key: str | None) -> str | None:
    """The proof an address gives: its client key, already a keyed hash."""
    return client_key or None


def offered(token: object, client_key: str | None, *, secret_key: str) -> Offered:
    return Offered(token_proof(token, secret_key=secret_key), address_proof(client_key))


def standing(lock: Lock | None, offer: Offered) -> Standing:
    if lock is None:
        return Standing.UNLINKED
    if lock.proof is not None and lock.proof in (offer.token, offer.address):
        return Standing.PROVEN
    return Standing.UNPROVEN


def side_conversation_id(conversation_id: str, client_key: str, *, secret_key: str) -> str:
    """Where an unproven message on a linked conversation is handled: the same side
    conversation for the same client, so it can hold a conversation of its own."""
    return "side-" + private_key("side", f"{conversation_id}|{client_key}", secret_key)[:32]


def unproven_listeners(lock: Lock | None, listeners: dict[str, Offered]) -> list[str]:
    """The sockets in a conversation's room that may not hear it: on a linked
    conversation, every one that has not shown the link's proof (it may have joined
    while the conversation was still nobody's)."""
    if lock is None:
        return []
    return [sid for sid, offer in listeners.items() if standing(lock, offer) is not Standing.PROVEN]
