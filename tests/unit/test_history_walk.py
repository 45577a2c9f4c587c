"""A tracker copied without a replay (channels/tracker_copy.py), and the applied events
and past states carried on from a kept conversation (channels/history_walk.py), are
Rasa's own: compared over every story and rule the policies are trained on, cut into
turns the way the tracker store keeps and extends them, and over reverted turns."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

import channels.guarded  # noqa: F401 - loading the channels installs both
from channels import history_walk, tracker_copy

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    {},
    {"omit_unset_slots": True},
    {
        "ignore_rule_only_turns": True,
        "rule_only_data": {"slots": ["last_answer_inference"], "active_loops": []},
    },
]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


@pytest.fixture(scope="module")
def conversations(domain) -> list[list]:
    """The events of every training story and rule, as the policies are trained on them,
    and of every conversation test (whole conversations, with their texts)."""
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"),
        str(ROOT / "domain.yml"),
        [str(ROOT / "data"), str(ROOT / "tests" / "conversations")],
    )
    generated = TrainingDataGenerator(
        importer.get_stories(), domain, augmentation_factor=0, use_story_concatenation=False
    ).generate()
    assert len(generated) > 60
    return [list(tracker.events) for tracker in generated]


def _plain(sender: str, events: list, domain: Domain) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def _state(tracker: DialogueStateTracker) -> dict:
    state = {key: value for key, value in vars(tracker).items() if not key.startswith("_tt")}
    state.pop(tracker_copy.HISTORY, None)
    state["events"] = [id(event) for event in tracker.events]
    state["slots"] = {name: (type(s), vars(s)) for name, s in tracker.slots.items()}
    return state


def _rasa_copy(tracker: DialogueStateTracker) -> DialogueStateTracker:
    return tracker_copy._rasa_copy(tracker)


def test_installed_when_rasa_loads_the_channels():
    assert DialogueStateTracker.copy is tracker_copy.copy_tracker
    assert DialogueStateTracker.applied_events is history_walk.applied_events
    assert Domain.states_for_tracker_history is history_walk.states_for_tracker_history


def test_rasa_still_walks_as_the_walks_here_do():
    # The loops here are Rasa's loop bodies; if an upgrade changes them, look again.
    applied = inspect.getsource(history_walk._rasa_applied_events)
    states = inspect.getsource(history_walk._rasa_states)
    for line in (
        "isinstance(event, (Restarted, SessionStarted))",
        "self._undo_till_previous(UserUttered, applied_events)",
        "self._undo_till_previous_loop_execution(",
    ):
        assert line in applied
    for line in (
        "for tr, hide_rule_turn in tracker.generate_all_prior_trackers():",
        "self._substitute_rule_only_user_input(state, states[-1])",
        "states.append(self._clean_state(state))",
    ):
        assert line in states
    assert "yield tracker, False" in inspect.getsource(
        DialogueStateTracker.generate_all_prior_trackers
    )


def test_a_copy_is_rasas_copy_and_its_own(domain, conversations):
    for n, events in enumerate(conversations):
        tracker = _plain(f"c{n}", events, domain)
        tracker.model_id = "m"  # left out of a copy, as by Rasa's
        ours, rasas = tracker.copy(), _rasa_copy(tracker)
        assert _state(ours) == _state(rasas), n
    tracker = _plain("own", conversations[0], domain)
    copied = tracker.copy()
    copied.update(SlotSet("last_answer_inference", True))
    copied.update(ActiveLoop("some_form"))
    assert len(tracker.events) == len(conversations[0])
    assert tracker.get_slot("last_answer_inference") != True  # noqa: E712
    assert tracker.active_loop is None


CARRIED: list[bool] = []


def _check(tracker: DialogueStateTracker, domain: Domain) -> None:
    ours = tracker.applied_events()
    assert [id(e) for e in ours] == [id(e) for e in history_walk._rasa_applied_events(tracker)]
    history = getattr(tracker, tracker_copy.HISTORY)
    for setting in SETTINGS:
        ours = history_walk.states_for_tracker_history(domain, tracker, **setting)
        rasas = history_walk._rasa_states(domain, tracker, **setting)
        assert ours == rasas
        carried = history.past_states(tracker, domain, (*setting_key(setting),))
        CARRIED.append(carried is not None)


def setting_key(setting: dict) -> tuple:
    rule_only_data = setting.get("rule_only_data")
    return (
        setting.get("omit_unset_slots", False),
        setting.get("ignore_rule_only_turns", False),
        history_walk._frozen(rule_only_data),
    )


def _as_stored(event):
    """The event as the tracker store adds it to a kept tracker: read back from JSON."""
    return deserialise_events([json.loads(json.dumps(event.as_dict()))])[0]


def _kept_then_turns(sender: str, events: list, domain: Domain, cut: int) -> None:
    """Keeps the first `cut` events, then grows the kept tracker turn by turn as the
    tracker store does (with the events read back from their JSON), checking a copy
    with the turn's events at every step, and the last turn's copy once more after the
    kept tracker grew."""
    kept = _plain(sender, [_as_stored(event) for event in events[:cut]], domain)
    history_walk.attach(kept)
    rest = events[cut:]
    earlier = None
    while rest:
        turn, rest = rest[:4], rest[4:]
        asked = kept.copy()
        for event in turn:
            asked.update(event)
            _check(asked, domain)
        for event in turn:
            kept.update(_as_stored(event))
        if earlier is not None:
            _check(earlier, domain)
        earlier = asked
    _check(kept.copy(), domain)


def test_carried_on_walks_are_rasas_over_the_training_data(domain, conversations):
    CARRIED.clear()
    for n, events in enumerate(conversations):
        for cut in (len(events) // 3, 2 * len(events) // 3):
            _kept_then_turns(f"c{n}", events, domain, cut=cut)
    # Nearly all carried on, not answered by Rasa's own (a copy from before the kept tracker
    # grew is not, nor a form's turn that takes out walked events).
    assert len(CARRIED) > 1000 and sum(CARRIED) / len(CARRIED) > 0.85


def _turn(text: str, intent: str, action: str) -> list:
    return [
        UserUttered(text, {"name": intent, "confidence": 1.0}),
        ActionExecuted(action),
        BotUttered("Oké."),
        ActionExecuted("action_listen"),
    ]


@pytest.mark.parametrize(
    "later",
    [
        # A fallback takes the last message back (action_default_fallback).
        [UserUttered("xx", {"name": "nlu_fallback"}), UserUtteranceReverted()],
        [ActionExecuted("utter_goodbye"), ActionReverted()],
        [UserUtteranceReverted(), UserUtteranceReverted(), UserUtteranceReverted()],
        [Restarted(), ActionExecuted("action_session_start"), SessionStarted()],
        [ActiveLoop("a_new_form"), ActionExecuted("a_new_form"), ActiveLoop(None)],
    ],
)
def test_reverted_turns_new_sessions_and_new_forms_give_rasas_answer(domain, later):
    events = [ActionExecuted("action_session_start"), SessionStarted()]
    events += [ActionExecuted("action_listen")]
    for n in range(6):
        events += _turn(f"vraag {n}", "greet", "utter_greet")
    for cut in (3, len(events)):
        then = [*events, *later, *_turn("nog", "greet", "utter_greet")]
        _kept_then_turns("reverted", then, domain, cut)
        kept = _plain("reverted", events[:cut], domain)
        history_walk.attach(kept)
        asked = kept.copy()
        for event in events[cut:] + later:
            asked.update(event)
        _check(asked, domain)


def test_a_form_taking_out_its_earlier_turns_gives_rasas_answer_wherever_kept(domain):
    # A check-in as an integration test had it (texts and metadata left out). A form's
    # next turn takes its earlier turns out of the applied events but keeps the slots
    # they set after them: not only at the end of the list.
    recorded = json.loads((Path(__file__).parent / "checkin_form_conversation.json").read_text())
    events = deserialise_events(recorded)
    assert len(events) == len(recorded) > 100
    for cut in range(1, len(events), 2):
        _kept_then_turns("form", events, domain, cut)


def test_a_tracker_changing_a_kept_message_gets_rasas_answer_and_spoils_the_kept(domain):
    from rasa.shared.core.events import DefinePrevUserUtteredFeaturization

    events = [ActionExecuted("action_listen"), *_turn("hoi", "greet", "utter_greet")]
    kept = _plain("kept", [_as_stored(event) for event in events], domain)
    history_walk.attach(kept)
    _check(kept.copy(), domain)  # the walks are kept now
    asked = kept.copy()
    asked.update(DefinePrevUserUtteredFeaturization(True))  # changes the kept message
    _check(asked, domain)
    assert getattr(kept, tracker_copy.HISTORY).spoiled


def test_a_tracker_not_starting_with_the_kept_events_gets_rasas_own(domain):
    events = [ActionExecuted("action_listen"), *_turn("hoi", "greet", "utter_greet")]
    kept = _plain("kept", events, domain)
    history_walk.attach(kept)
    other = _plain("other", [ActionExecuted("action_listen")], domain)
    setattr(other, tracker_copy.HISTORY, getattr(kept, tracker_copy.HISTORY))
    assert other.applied_events() == history_walk._rasa_applied_events(other)
    assert history_walk.states_for_tracker_history(domain, other) == history_walk._rasa_states(
        domain, other
    )
