"""The policies share the conversation's past states (channels/past_states.py): the same
states as Rasa's own, each caller its own copy, worked out again when an event comes."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import channels.guarded  # noqa: F401 - loading the channels installs it
from channels import past_states as shared

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    {},
    {"ignore_rule_only_turns": True, "rule_only_data": {"slots": [], "active_loops": []}},
    {"omit_unset_slots": True},
]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def _turn(intent: str, text: str, action: str) -> list:
    return [
        UserUttered(text, intent={"name": intent, "confidence": 1.0}),
        ActionExecuted(action),
        BotUttered("Oké."),
        ActionExecuted("action_listen"),
    ]


def _tracker(domain: Domain, turns: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for n in range(turns):
        events += _turn("route", f"vraag {n}", "action_answer_question")
        if n % 3 == 0:
            events.insert(-1, SlotSet("last_answer_inference", n % 2 == 0))
    events += _turn("thanks", "dankje", "utter_you_are_welcome")
    return DialogueStateTracker.from_events("c-states", events, domain.slots)


def test_rasa_still_asks_the_tracker_for_its_past_states():
    # If an upgrade changes where the policies get their states, look at this again.
    assert "tracker.past_states(" in inspect.getsource(TrackerFeaturizer._create_states)
    assert "self._prediction_states(" in inspect.getsource(RulePolicy._find_action_from_rules)


def test_installed_when_rasa_loads_the_channels():
    assert DialogueStateTracker.past_states is shared.past_states


def test_the_same_states_as_rasas_own_once_per_setting(domain, monkeypatch):
    tracker = _tracker(domain, 12)
    expected = [shared._rasa_past_states(tracker, domain, **setting) for setting in SETTINGS]
    worked_out = []
    rasa_states = Domain.states_for_tracker_history

    def counted(self, *args, **kwargs):
        worked_out.append(1)
        return rasa_states(self, *args, **kwargs)

    monkeypatch.setattr(Domain, "states_for_tracker_history", counted)
    for _ in range(3):
        for setting, states in zip(SETTINGS, expected, strict=True):
            got = tracker.past_states(domain, **setting)
            assert got == states
            # The featurizers delete from the states they get: never from another's.
            for state in got:
                state.get("user", {}).pop("intent", None)
                state.clear()
    assert len(worked_out) == len(SETTINGS)
    assert all(len(states) > 12 for states in expected)


def test_a_new_event_makes_new_states(domain):
    tracker = _tracker(domain, 3)
    before = tracker.past_states(domain)
    tracker.update(UserUttered("en nog iets", intent={"name": "exam", "confidence": 1.0}))
    after = tracker.past_states(domain)
    assert after == shared._rasa_past_states(tracker, domain)
    assert after != before
    assert after[-1]["user"]["intent"] == "exam"


def test_a_tracker_that_keeps_only_its_last_events_gets_new_states_too(domain):
    """With max_event_history the number of events stays the same as events come."""
    events = list(_tracker(domain, 4).events)
    tracker = DialogueStateTracker.from_events(
        "c-window", events, domain.slots, max_event_history=len(events)
    )
    before = tracker.past_states(domain)
    tracker.update(UserUttered("examens?", intent={"name": "exam", "confidence": 1.0}))
    assert len(tracker.events) == len(events)
    after = tracker.past_states(domain)
    assert after == shared._rasa_past_states(tracker, domain) != before
