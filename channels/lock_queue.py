"""The queue of one conversation's lock, as the shared lock store keeps it in Redis
(channels/lock_store.py): who holds the conversation and who waits, in order.

Pure functions of the queue and the time passed in. Each holder or waiter has a lease
that it renews while it lives: the ticket of a Rasa server that was killed expires
within one lease, and the next in line goes on. Rasa's ticket numbers are replaced by
random holder ids, so a holder whose lease ran out while it was stalled can never
remove a newer ticket that happens to get the same number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

Queue = tuple["Ticket", ...]


@dataclass(frozen=True)
class Ticket:
    holder: str
    expires: float  # seconds since the epoch


def live(queue: Queue, now: float) -> Queue:
    return tuple(ticket for ticket in queue if ticket.expires > now)


def join(queue: Queue, holder: str, now: float, lease: float) -> Queue:
    """The queue with the holder at its end (expired tickets dropped)."""
    return (*live(queue, now), Ticket(holder, now + lease))


def serving(queue: Queue, now: float) -> str | None:
    """Who holds the conversation: the first live ticket's holder."""
    current = live(queue, now)
    return current[0].holder if current else None


def renew(queue: Queue, holder: str, now: float, lease: float) -> Queue | None:
    """The queue with the holder's lease renewed; None when its ticket has expired or
    is gone (it lost its place)."""
    current = live(queue, now)
    if not any(ticket.holder == holder for ticket in current):
        return None
    return tuple(
        Ticket(holder, now + lease) if ticket.holder == holder else ticket for ticket in current
    )


def leave(queue: Queue, holder: str, now: float) -> Queue:
    return tuple(ticket for ticket in live(queue, now) if ticket.holder != holder)


def encode(queue: Queue) -> str:
    return json.dumps([[ticket.holder, ticket.expires] for ticket in queue])


def decode(raw: bytes | str | None) -> Queue:
    """The stored queue; an empty one for nothing or for what is not a queue."""
    if not raw:
        return ()
    try:
        return tuple(Ticket(str(holder), float(expires)) for holder, expires in json.loads(raw))
    except (ValueError, TypeError):
        return ()
