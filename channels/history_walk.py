"""A conversation's applied events and past states, worked out once and then only for
what is new.

Before each action it predicts, Rasa walks the whole conversation: which events still
count (DialogueStateTracker.applied_events, without reverted turns) and the state
before every action (Domain.states_for_tracker_history, which replays those events
into a new tracker). Both only ever read forward, so the walk over the events the
database already holds can be kept and carried on: a turn then walks only its own new
events, and turn 100 costs about what turn 1 does (issue 17). Without this, those two
walks were more than a third of the Rasa server's work by turn 150.

A kept conversation (channels/kept_trackers.py) carries a History; copies of it carry
the same History (channels/tracker_copy.py). The History holds the walk over the kept
tracker's events and catches up when events are added to it. A tracker it is asked
about must start with exactly those events (the same objects: checked on the last
one; a tracker's events are only added to); from there the walk is carried on over the
tracker's own newer events. Where carrying on could give another answer than Rasa's
own (a new form name, a reverted turn reaching back into the kept part), or for any
other tracker, Rasa's own method answers. Tests compare both with Rasa's own over the
training data's stories and rules and over conversations with reverted turns.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from channels.tracker_copy import HISTORY, copy_tracker

_rasa_applied_events = DialogueStateTracker.applied_events
_rasa_states = Domain.states_for_tracker_history


class _Applied:
    """DialogueStateTracker.applied_events as a walk that can be carried on."""

    def __init__(self, loop_names: frozenset[str]) -> None:
        self.loop_names = loop_names
        self.events: list[Event] = []
        self.lowest = 0  # how many at the start stayed the same since this was forked

    def fork(self) -> _Applied:
        fork = _Applied(self.loop_names)
        fork.events = list(self.events)
        fork.lowest = len(fork.events)
        return fork

    def step(self, tracker: DialogueStateTracker, event: Event) -> None:
        """The body of Rasa's loop over the events (`tracker` lends its helpers)."""
        applied = self.events
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
            self.lowest = 0
            return
        before = list(applied)
        if isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in self.loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            # Takes out the form's earlier turns, not only at the end: the slots it set
            # stay (Rasa's _undo_till_previous_loop_execution).
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
            return
        self.lowest = min(self.lowest, _unchanged(before, applied))


class _States:
    """Domain.states_for_tracker_history as a walk that can be carried on: the states
    before every action so far, the tracker replayed up to here, and the loop's two
    variables."""

    def __init__(self, domain: Domain, template: DialogueStateTracker, setting: tuple) -> None:
        self.domain = domain
        self.setting = setting
        self.replay = template.init_copy()
        self.states: list[State] = []
        self.last_ml_action_sub_state: Any = None
        self.turn_was_hidden = False
        self.walked = 0  # applied events replayed

    def fork(self) -> _States:
        fork = _States.__new__(_States)
        fork.__dict__.update(self.__dict__)
        fork.replay = copy_tracker(self.replay)
        fork.states = list(self.states)
        return fork

    def step(self, event: Event) -> None:
        if isinstance(event, ActionExecuted):
            self._visit(event.hide_rule_turn)
        self.replay.update(event)
        self.walked += 1

    def finish(self) -> list[State]:
        """The states so far and the one after the last event (the walk's last yield)."""
        fork = self.fork()
        fork._visit(False)
        return fork.states

    def _visit(self, hide_rule_turn: bool) -> None:
        """The body of Rasa's loop over the prior trackers."""
        omit_unset_slots, ignore_rule_only_turns, keyed = self.setting
        rule_only_data = keyed.data if keyed is not None else None
        domain, tracker = self.domain, self.replay
        if ignore_rule_only_turns:
            if not self.turn_was_hidden:
                self.last_ml_action_sub_state = domain._get_prev_action_sub_state(tracker)
            if (
                not tracker.followup_action
                and tracker.latest_action_name != tracker.active_loop_name
            ):
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return
        state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
        if ignore_rule_only_turns:
            domain._remove_rule_only_features(state, rule_only_data)
            if self.states:
                domain._substitute_rule_only_user_input(state, self.states[-1])
            if self.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = self.last_ml_action_sub_state
        self.states.append(domain._clean_state(state))


class History:
    """The walks over a kept tracker's events, caught up as events are added to it."""

    def __init__(self, kept: DialogueStateTracker) -> None:
        self.kept = kept
        self.seen = 0  # the kept tracker's events walked
        self.last: Event | None = None  # the last of them
        self.applied: _Applied | None = None
        self.walks: dict[tuple, _States] = {}
        # Set when a tracker changed a kept message (see changes_a_kept_message): the
        # kept conversation is let go and read back from the database.
        self.spoiled = False

    def _catch_up(self) -> None:
        """Walks the kept tracker's events added since."""
        events = self.kept.events
        if self.applied is not None and (
            len(events) < self.seen or (self.seen and events[self.seen - 1] is not self.last)
        ):
            self.applied = None  # not what was walked: start again
        if self.applied is None:
            self.applied = _Applied(_loop_names(events))
            self.seen, self.last, self.walks = 0, None, {}
        new = list(itertools.islice(events, self.seen, None))
        if not new:
            return
        if not _loop_names(new) <= self.applied.loop_names:
            self.applied = None
            self._catch_up()
            return
        before = len(self.applied.events)
        self.applied.lowest = before
        for event in new:
            self.applied.step(self.kept, event)
        self.seen, self.last = len(events), events[-1]
        if self.applied.lowest < before:
            self.walks = {}  # a reverted turn reached back into what the walks replayed
        for walk in self.walks.values():
            for event in self.applied.events[walk.walked :]:
                walk.step(event)

    def _tail(self, tracker: DialogueStateTracker) -> list[Event] | None:
        """The tracker's events after the kept ones, or None if it does not start with
        exactly the kept ones."""
        self._catch_up()
        events = tracker.events
        if len(events) < self.seen or (self.seen and events[self.seen - 1] is not self.last):
            return None
        tail = list(itertools.islice(events, self.seen, None))
        if changes_a_kept_message(tail):
            self.spoiled = True
            return None
        if not _loop_names(tail) <= self.applied.loop_names:
            return None
        return tail

    def applied_events(self, tracker: DialogueStateTracker) -> tuple[_Applied, int] | None:
        """The tracker's applied events, and how many of them the walks have replayed
        already; None where Rasa's own method must answer."""
        tail = self._tail(tracker)
        if tail is None:
            return None
        applied = self.applied.fork()
        for event in tail:
            applied.step(tracker, event)
        return applied, applied.lowest

    def past_states(
        self, tracker: DialogueStateTracker, domain: Domain, setting: tuple
    ) -> list[State] | None:
        carried = self.applied_events(tracker)
        if carried is None:
            return None
        applied, unchanged = carried
        walk = self.walks.get(setting)
        if walk is None or walk.domain is not domain:
            walk = _States(domain, self.kept, setting)
            for event in self.applied.events:
                walk.step(event)
            self.walks[setting] = walk
        if unchanged < walk.walked:
            return None  # this turn reverted a turn the walk has replayed
        fork = walk.fork()
        for event in applied.events[walk.walked :]:
            fork.step(event)
        return fork.finish()


def changes_a_kept_message(added: list[Event]) -> bool:
    """Whether `added` marks an earlier user message for featurization by its text: Rasa
    changes that message object itself (DefinePrevUserUtteredFeaturization.apply_to).
    Rasa adds one right after each new message; before any, it would change a kept one."""
    for event in added:
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, DefinePrevUserUtteredFeaturization):
            return True
    return False


def _unchanged(before: list[Event], after: list[Event]) -> int:
    """How many events at the start of `after` are those of `before`: an undo deletes
    from some place on, and every event after that place then moves (each is a
    different object), so this counts back from the end."""
    same = min(len(before), len(after))
    while same and before[same - 1] is not after[same - 1]:
        same -= 1
    return same


def _loop_names(events: Any) -> frozenset[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


def applied_events(tracker: DialogueStateTracker) -> list[Event]:
    """DialogueStateTracker.applied_events, carried on from the kept walk."""
    history = getattr(tracker, HISTORY, None)
    carried = history.applied_events(tracker) if history is not None else None
    if carried is None:
        return _rasa_applied_events(tracker)
    return carried[0].events


def states_for_tracker_history(
    domain: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Domain.states_for_tracker_history, carried on from the kept walk."""
    history = getattr(tracker, HISTORY, None)
    if history is not None:
        setting = (omit_unset_slots, ignore_rule_only_turns, _frozen(rule_only_data))
        states = history.past_states(tracker, domain, setting)
        if states is not None:
            return states
    return _rasa_states(
        domain,
        tracker,
        omit_unset_slots=omit_unset_slots,
        ignore_rule_only_turns=ignore_rule_only_turns,
        rule_only_data=rule_only_data,
    )


def _frozen(rule_only_data: dict[str, Any] | None) -> Any:
    return rule_only_data if rule_only_data is None else _Keyed(rule_only_data)


class _Keyed:
    """rule_only_data as part of a key, kept with its value for the walk to use."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.key = json.dumps(data, sort_keys=True)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


def attach(tracker: DialogueStateTracker) -> None:
    """Gives a kept tracker its History."""
    setattr(tracker, HISTORY, History(tracker))


def install() -> None:
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
