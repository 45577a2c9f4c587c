"""The conversation's past states, worked out once per prediction instead of four times.

Before each action it predicts, Rasa's policies each turn the whole conversation into
states (DialogueStateTracker.past_states, replaying every event): RulePolicy twice (with
and without the last message's text), MemoizationPolicy and TEDPolicy once each, and
the last two ask for exactly what the first two ask for, in other settings. At turn 150
of a conversation that was a quarter of the Rasa server's work (issue 17's profile).

Here the tracker remembers its answers for as long as its events stay the same (their
number and the last one: a tracker's events are only ever added to), per setting, and
each caller gets its own copy of the states: the featurizers delete keys from them.

Installed in the Rasa server only (channels/guarded.py), not in training, where every
training tracker would keep its states. A test compares it with Rasa's own.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

_REMEMBERED = "_toptraject_past_states"
_rasa_past_states = DialogueStateTracker.past_states


def _copy(states: list[State]) -> list[State]:
    """A state is {part: {feature: value}}; its values are strings, numbers and tuples."""
    return [{part: dict(features) for part, features in state.items()} for state in states]


def _same(one: tuple, other: tuple) -> bool:
    return one[0] is other[0] and one[1] == other[1] and one[2] is other[2]


def past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """DialogueStateTracker.past_states, remembered while the events stay the same."""
    events = tracker.events
    # The objects themselves, compared by identity: an id could be reused.
    history = (domain, len(events), events[-1] if events else None)
    setting = (omit_unset_slots, ignore_rule_only_turns, json.dumps(rule_only_data, sort_keys=True))
    remembered = getattr(tracker, _REMEMBERED, None)
    if remembered is None or not _same(remembered[0], history):
        remembered = (history, {})
        setattr(tracker, _REMEMBERED, remembered)
    states = remembered[1].get(setting)
    if states is None:
        states = _rasa_past_states(
            tracker,
            domain,
            omit_unset_slots=omit_unset_slots,
            ignore_rule_only_turns=ignore_rule_only_turns,
            rule_only_data=rule_only_data,
        )
        remembered[1][setting] = states
    return _copy(states)


def install() -> None:
    DialogueStateTracker.past_states = past_states  # type: ignore[method-assign]
