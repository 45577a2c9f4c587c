"""Limits on guessing: how many failed tries a key may make in a window. Pure.

Used for koppelcodes (per conversation, per client address, per code) and for the
inbox login (per account, per address). A key that reaches its limit waits until its
oldest counted failure leaves the window (a cool-down, not a lock that someone must
lift), so a school behind one address is never shut out for long by a typo streak.
Keys for people and addresses are keyed hashes: what an attacker types is not kept.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Where the chat channel puts the client key in a message's metadata.
CLIENT_METADATA_KEY = "client_key"


@dataclass(frozen=True)
class Limit:
    tries: int
    window: timedelta


def blocked_until(failures: Iterable[datetime], limit: Limit, *, now: datetime) -> datetime | None:
    """When this key may try again, or None if it may try now."""
    recent = sorted(moment for moment in failures if moment > now - limit.window)
    if len(recent) < limit.tries:
        return None
    return recent[-limit.tries] + limit.window


def tries_left(failures: Iterable[datetime], limit: Limit, *, now: datetime) -> int:
    recent = [moment for moment in failures if moment > now - limit.window]
    return max(limit.tries - len(recent), 0)


def private_key(kind: str, value: str, secret_key: str) -> str:
    """A stable key for an address or account that does not reveal it (64 hex chars)."""
    key = hashlib.sha256(f"throttle:{kind}:{secret_key}".encode()).digest()
    return hmac.new(
        key, value.strip().lower().encode("utf-8", "replace"), hashlib.sha256
    ).hexdigest()


def client_address(remote: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """Who is trying codes. Behind a trusted reverse proxy the connection comes from the
    proxy, so the client is the last address the proxy added; a header sent by anyone
    else is ignored (it could name any address and dodge the limit)."""
    if remote in trusted and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        untrusted = [hop for hop in hops if hop not in trusted]
        if untrusted:
            return untrusted[-1]
    return remote or "unknown"


def client_key(
    remote: str | None, forwarded_for: str | None, *, trusted: tuple[str, ...], secret_key: str
) -> str:
    """The keyed hash of the client's address: what the code-guessing limits count by,
    and the proof of a link made by a koppelcode typed in the chat. The chat channel
    stamps it on each message; the web app computes the same for its requests."""
    return private_key("address", client_address(remote, forwarded_for, trusted), secret_key)
