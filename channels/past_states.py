"""The conversation's past states, worked out once per prediction instead of four times.

Before each action it predicts, Rasa's policies each turn the whole conversation into
states (DialogueStateTracker.past_states, replaying every event): RulePolicy twice (with
and without the last message's text), MemoizationPolicy and TEDPolicy once each, and
the last two ask for exactly what the first two ask for, in other settings. At turn 150
of a conversation that was a quarter of the Rasa server's work (issue 17's profile).

Here the tracker remembers its answers for as long as its events stay the same (their
number and the last one: a tracker's events are only ever added to), per setting, and
each caller gets its own copy of the states: the featurizers delete keys from them.

The policies that read only the last few states (TEDPolicy and MemoizationPolicy
through their max_history, RulePolicy as far back as its longest rule: channels/
rule_window.py) get copies of only those (last_states, through MaxHistoryTracker-
Featurizer.prediction_states): copying every state for every caller grew with the
conversation, a fifth of a turn's work by turn 300.

Installed in the Rasa server only (channels/guarded.py), not in training, where every
training tracker would keep its states. Tests compare both with Rasa's own.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.featurizers.tracker_featurizers import (
    MaxHistoryTrackerFeaturizer,
    _is_prev_action_unlikely_intent_in_state,
)
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

_REMEMBERED = "_toptraject_past_states"
_rasa_past_states = DialogueStateTracker.past_states
_rasa_prediction_states = MaxHistoryTrackerFeaturizer.prediction_states
# How many states a featurizer without a max_history reads (set by channels/rule_window.py).
WINDOW = "_toptraject_window"


def _copy(states: list[State]) -> list[State]:
    """A state is {part: {feature: value}}; its values are strings, numbers and tuples."""
    return [{part: dict(features) for part, features in state.items()} for state in states]


def moment(tracker: DialogueStateTracker) -> tuple[int, Any]:
    """The tracker as it is now: its number of events and the last one (the object
    itself, compared by identity: an id could be reused; a tracker's events are only
    added to)."""
    events = tracker.events
    return len(events), events[-1] if events else None


def same_moment(one: tuple[int, Any], other: tuple[int, Any]) -> bool:
    return one[0] == other[0] and one[1] is other[1]


def _remembered(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> list[State]:
    """Rasa's past states for this setting, worked out once while the events stay the
    same. Never handed out: callers get copies."""
    history = (domain, moment(tracker))
    setting = (omit_unset_slots, ignore_rule_only_turns, json.dumps(rule_only_data, sort_keys=True))
    remembered = getattr(tracker, _REMEMBERED, None)
    if (
        remembered is None
        or remembered[0][0] is not domain
        or not same_moment(remembered[0][1], history[1])
    ):
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
    return states


def past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """DialogueStateTracker.past_states, remembered while the events stay the same."""
    return _copy(
        _remembered(tracker, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    )


def last_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    count: int,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """The end of past_states (omit_unset_slots False): the last `count` states that are
    not an `action_unlikely_intent` turn, and those turns among them."""
    states = _remembered(tracker, domain, False, ignore_rule_only_turns, rule_only_data)
    start, counted = len(states), 0
    while start > 0 and counted < count:
        start -= 1
        counted += not _is_prev_action_unlikely_intent_in_state(states[start])
    return _copy(states[start:])


def prediction_states(
    featurizer: MaxHistoryTrackerFeaturizer,
    trackers: list[DialogueStateTracker],
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
    ignore_action_unlikely_intent: bool = False,
) -> list[list[State]]:
    """MaxHistoryTrackerFeaturizer.prediction_states from the last states only: it
    drops `action_unlikely_intent` turns, keeps the last `max_history` states and
    changes the last one; the states before those can change nothing. A featurizer
    without a max_history (RulePolicy's) reads as far back as its WINDOW, when set."""
    count = featurizer.max_history or getattr(featurizer, WINDOW, None)
    if type(featurizer) is not MaxHistoryTrackerFeaturizer or not count:
        return _rasa_prediction_states(
            featurizer,
            trackers,
            domain,
            use_text_for_last_user_input=use_text_for_last_user_input,
            ignore_rule_only_turns=ignore_rule_only_turns,
            rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ignore_action_unlikely_intent,
        )
    trackers_as_states = [
        last_states(tracker, domain, count, ignore_rule_only_turns, rule_only_data)
        for tracker in trackers
    ]
    if ignore_action_unlikely_intent:
        trackers_as_states = [
            featurizer._remove_action_unlikely_intent_from_states(states)
            for states in trackers_as_states
        ]
    trackers_as_states = [
        featurizer.slice_state_history(states, featurizer.max_history)
        for states in trackers_as_states
    ]
    featurizer._choose_last_user_input(trackers_as_states, use_text_for_last_user_input)
    return trackers_as_states


def install() -> None:
    DialogueStateTracker.past_states = past_states  # type: ignore[method-assign]
    MaxHistoryTrackerFeaturizer.prediction_states = prediction_states  # type: ignore[method-assign]
