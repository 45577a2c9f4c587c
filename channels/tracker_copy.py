"""A copy of a conversation's tracker without replaying its events.

Rasa copies a tracker by building an empty one and replaying every event into it
(DialogueStateTracker.copy, travel_back_in_time): once for every action it runs
(MessageProcessor._run_action), so a conversation's hundredth turn replays its whole
history several times. A tracker's state can only come from its events (Rasa's own
rule, in DialogueStateTracker.__init__), so the copy here takes that state over
instead: the same events (shared, as in Rasa's copy), its own slots, its own latest
action and active loop. What Rasa's copy leaves out (the model and assistant ids, the
sender's source file) stays out. A test compares it with Rasa's copy, attribute by
attribute, over every story and rule of the training data.

Trackers of another class (training's), or without the domain's slots, are copied by
Rasa's own method.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from rasa.shared.core.trackers import DialogueStateTracker

_rasa_copy = DialogueStateTracker.copy

# What a tracker's events decide; the rest is set by DialogueStateTracker.__init__
# from what init_copy passes on, as in Rasa's copy.
STATE = ("_paused", "followup_action", "latest_message", "latest_bot_utterance")
# The walks over a kept conversation (channels/history_walk.py): a copy carries them on.
HISTORY = "_toptraject_history"


def copy_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The same as tracker.copy() (Rasa's), in time that grows with the number of
    slots rather than of events."""
    if type(tracker) is not DialogueStateTracker or type(tracker.slots) is not dict:
        return _rasa_copy(tracker)
    duplicate = tracker.init_copy()
    duplicate.events.extend(tracker.events)
    duplicate.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    for name in STATE:
        setattr(duplicate, name, getattr(tracker, name))
    duplicate.latest_action = _copied_dict(tracker.latest_action)
    loop = tracker.active_loop
    duplicate.active_loop = dataclasses.replace(loop) if loop is not None else None
    history = getattr(tracker, HISTORY, None)
    if history is not None:
        setattr(duplicate, HISTORY, history)
    return duplicate


def _copied_dict(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def install() -> None:
    DialogueStateTracker.copy = copy_tracker  # type: ignore[method-assign]
