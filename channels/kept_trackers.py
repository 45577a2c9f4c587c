"""Conversations kept in memory as the tracker store last read or wrote them.

Rasa's SQL tracker store reads a conversation's whole session back from the database
for every message, and replays each event into a new tracker: at turn 100 that was a
sixth of the Rasa server's work (issue 17's profile), and the main reason a turn took
longer the longer the conversation was. Here the store keeps the tracker as the
database holds it, adds the events it saves (each read back from the JSON it stored,
so exactly what a read from the database would give), and hands out a copy.

The database stays the truth. A kept conversation is only used when the database
still holds the same events for it: the same number in the latest session and the
same newest timestamp (one small query). Another process that erases a conversation
(infra/transcripts.py), or another Rasa instance that answered in between, changes
that, and the conversation is read from the database again. A save that starts a new
session, that does not follow on from what is kept, or that changes a kept message
(Rasa's `user_featurization` event, when it comes before any new message) lets the
kept one go.

Nothing is kept longer than IDLE_SECONDS after the conversation's last turn: an erased
conversation must not linger in the Rasa server's memory, where nothing tells it of the
erasure. At most MAX_EVENTS events are kept in all, the conversations used longest ago
let go first. The caller passes the time (a monotonic clock) in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from channels.history_walk import attach, changes_a_kept_message
from channels.tracker_copy import HISTORY

MAX_EVENTS = 20_000
IDLE_SECONDS = 120.0


@dataclass(frozen=True)
class Mark:
    """What the database holds of a conversation's latest session: how many events,
    and the newest one's timestamp (None when it holds none)."""

    events: int
    newest: float | None


def mark_of(events: Iterable[Event]) -> Mark:
    timestamps = [event.timestamp for event in events]
    return Mark(len(timestamps), max(timestamps) if timestamps else None)


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    mark: Mark
    used: float  # when its conversation last had a turn (monotonic seconds)


class KeptTrackers:
    def __init__(self, max_events: int = MAX_EVENTS, idle_seconds: float = IDLE_SECONDS) -> None:
        self.max_events = max_events
        self.idle_seconds = idle_seconds
        self._kept: OrderedDict[str, _Kept] = OrderedDict()  # the longest unused first
        self._events = 0

    def __len__(self) -> int:
        return len(self._kept)

    def mark(self, sender_id: str) -> Mark | None:
        kept = self._kept.get(sender_id)
        return kept.mark if kept else None

    def get(self, sender_id: str, stored: Mark, *, now: float) -> DialogueStateTracker | None:
        """The kept tracker if the database holds what it holds (`stored`), else None
        (and it is let go)."""
        self.let_go_of_idle(now)
        kept = self._kept.get(sender_id)
        if kept is None:
            return None
        if kept.mark != stored or getattr(kept.tracker, HISTORY).spoiled:
            self.forget(sender_id)
            return None
        kept.used = now
        self._kept.move_to_end(sender_id)
        return kept.tracker

    def keep(self, sender_id: str, tracker: DialogueStateTracker, *, now: float) -> None:
        """Keeps a tracker just read from the database."""
        self.forget(sender_id)
        attach(tracker)
        self._kept[sender_id] = _Kept(tracker, mark_of(tracker.events), now)
        self._events += len(tracker.events)
        self._let_go_of_the_oldest()

    def saved(self, sender_id: str, before: Mark, added: list[Event], *, now: float) -> None:
        """Follows a save that stored `added` after what the database held (`before`)."""
        kept = self._kept.get(sender_id)
        if kept is None:
            return
        if (
            kept.mark != before
            or any(isinstance(event, SessionStarted) for event in added)
            or changes_a_kept_message(added)
        ):
            # Not what is kept, or the database's latest session now starts there, or
            # a kept message changes: read it back next time.
            self.forget(sender_id)
            return
        for event in added:
            kept.tracker.update(event)
        self._events += len(added)
        newest = [t for t in (before.newest, *(e.timestamp for e in added)) if t is not None]
        kept.mark = Mark(before.events + len(added), max(newest) if newest else None)
        kept.used = now
        self._kept.move_to_end(sender_id)
        self._let_go_of_the_oldest()

    def forget(self, sender_id: str) -> None:
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            self._events -= len(kept.tracker.events)

    def clear(self) -> None:
        self._kept.clear()
        self._events = 0

    def let_go_of_idle(self, now: float) -> None:
        """Lets go of every conversation without a turn for IDLE_SECONDS."""
        while self._kept:
            sender_id, oldest = next(iter(self._kept.items()))
            if now - oldest.used < self.idle_seconds:
                return
            self.forget(sender_id)

    def _let_go_of_the_oldest(self) -> None:
        while self._events > self.max_events and self._kept:
            self.forget(next(iter(self._kept)))
