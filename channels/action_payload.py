"""A custom action call carries the conversation's recent events, not all of them.

Rasa sends the whole tracker with every custom action call: every event of the
session, each turned into a dict and the lot into JSON. By turn 300 of a conversation
that was a fifth of the Rasa server's work (issue 17's profile), and it grew with
every turn. The actions here read only the latest turns (actions/tracker_reading.py:
the last twelve lines for a handoff's summary, the bot's latest actions for fallbacks
in a row, the buttons just offered, the latest message's client key; rasa_sdk's form
validation reads the slots set since the last action). Everything else comes with the
call as state: the slots, the latest message, the active form.

So a call carries the events of the RECENT_MESSAGES latest user messages and after
them (every event, when there were no more messages), and otherwise exactly what Rasa
sends. A test
checks the actions' needs against RECENT_MESSAGES, and that Rasa's method still reads
no more of the tracker than the sender and its state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

RECENT_MESSAGES = 20

_rasa_action_call_format = RemoteAction._action_call_format


def recent_events(events: Iterable[Event]) -> list[Event]:
    """The events after the user message before the RECENT_MESSAGES latest ones (all of
    them when there were no more), read from the end."""
    recent: list[Event] = []
    messages = 0
    for event in reversed(events):  # type: ignore[call-overload]
        if isinstance(event, UserUttered):
            messages += 1
            if messages > RECENT_MESSAGES:
                break
        recent.append(event)
    recent.reverse()
    return recent


class _Recent:
    """What Rasa's _action_call_format reads of a tracker, with only the recent events."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self.sender_id = tracker.sender_id
        self._tracker = tracker

    def current_state(self, verbosity: EventVerbosity) -> dict[str, Any]:
        if verbosity is not EventVerbosity.ALL:
            return self._tracker.current_state(verbosity)
        state = self._tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in recent_events(self._tracker.events)]
        return state


def action_call_format(
    action: RemoteAction, tracker: DialogueStateTracker, domain: Any
) -> dict[str, Any]:
    """RemoteAction._action_call_format with the recent events only."""
    return _rasa_action_call_format(action, _Recent(tracker), domain)  # type: ignore[arg-type]


def install() -> None:
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
