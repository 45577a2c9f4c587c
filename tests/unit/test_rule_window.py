"""RulePolicy reads the states as far back as its longest rule (channels/rule_window.py)
and the policies with a max_history only their last states (channels/past_states.py):
the same predictions as Rasa's walk over the whole conversation, for every length of
conversation."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import (
    RULES,
    RULES_FOR_LOOP_UNHAPPY_PATH,
    RULES_NOT_IN_STORIES,
    RulePolicy,
)
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_UNLIKELY_INTENT_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import channels.guarded  # noqa: F401 - loading the channels installs it
from channels import past_states, rule_window

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = ("action_answer_question", "utter_you_are_welcome")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


@pytest.fixture(scope="module")
def events() -> list:
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for n in range(24):
        intent = ("route", "travel", "greet", "thanks")[n % 4]
        events += [
            UserUttered(f"vraag {n}", intent={"name": intent, "confidence": 1.0}),
            ActionExecuted(ANSWERS[n % 2]),
            BotUttered("Oké."),
        ]
        if n % 5 == 0:
            events.append(SlotSet("last_answer_inference", n % 10 == 0))
        if n % 7 == 3:
            events.append(ActionExecuted(ACTION_UNLIKELY_INTENT_NAME))
        events.append(ActionExecuted("action_listen"))
    return events


def _tracker(domain: Domain, events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c-rules", events, domain.slots)


@pytest.fixture()
def rasas_own(monkeypatch):
    """Switches to Rasa's own methods for the block it guards."""

    def switch() -> None:
        monkeypatch.setattr(RulePolicy, "_prediction_states", Policy._prediction_states)
        monkeypatch.setattr(
            MaxHistoryTrackerFeaturizer, "prediction_states", past_states._rasa_prediction_states
        )
        monkeypatch.setattr(DialogueStateTracker, "past_states", past_states._rasa_past_states)

    return switch


def _key(states: list) -> str:
    return json.dumps(states, sort_keys=True)


def _policy(tmp_path: Path, domain: Domain, events: list) -> RulePolicy:
    """A RulePolicy with rules of up to seven states: some the conversation's states
    match at its end, at other places, or only at its start, and some that differ in
    one state; some of them in no story."""
    policy = RulePolicy(
        RulePolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    states = Policy._prediction_states(policy, _tracker(domain, events), domain)
    rules = {}
    for length in range(1, 8):
        for end in (len(states), len(states) - 4, 12, 9):
            window = states[max(0, end - length) : end]
            rules[_key(window)] = ANSWERS[length % 2]
            changed = json.loads(_key(window))
            changed[0].setdefault("user", {})["intent"] = "deny"
            rules[_key(changed)] = ANSWERS[(length + 1) % 2]
        rules[_key(states[:length])] = "action_listen"
    policy.lookup = {
        RULES: rules,
        RULES_FOR_LOOP_UNHAPPY_PATH: {},
        RULES_NOT_IN_STORIES: list(rules)[::3],
    }
    return policy


def _figures(prediction) -> tuple:
    return (
        prediction.probabilities,
        prediction.events,
        prediction.hide_rule_turn,
        prediction.is_no_user_prediction,
    )


def test_installed_when_rasa_loads_the_channels():
    assert RulePolicy._prediction_states is rule_window.prediction_states
    assert MaxHistoryTrackerFeaturizer.prediction_states is past_states.prediction_states


def test_rasa_still_builds_prediction_states_as_the_window_does():
    # If an upgrade changes these, look at the window again.
    source = inspect.getsource(past_states._rasa_prediction_states)
    for step in (
        "self._create_states(",
        "self._remove_action_unlikely_intent_from_states(states)",
        "self.slice_state_history(states, self.max_history)",
        "self._choose_last_user_input(trackers_as_states, use_text_for_last_user_input)",
    ):
        assert step in source
    assert "if turn_index >= len(reversed_rule_states):" in inspect.getsource(
        RulePolicy._is_rule_applicable
    )


def test_the_rules_predict_as_with_the_whole_conversation(
    tmp_path, domain, events, rasas_own, monkeypatch
):
    policy = _policy(tmp_path, domain, events)
    assert rule_window.window(policy) == 8
    ours = [
        _figures(policy.predict_action_probabilities(_tracker(domain, events[:n]), domain))
        for n in range(1, len(events) + 1)
    ]
    assert getattr(policy.featurizer, past_states.WINDOW) == 8
    rasas_own()
    expected = [
        _figures(policy.predict_action_probabilities(_tracker(domain, events[:n]), domain))
        for n in range(1, len(events) + 1)
    ]
    assert ours == expected
    assert sum(any(p > 0.5 for p in figures[0]) for figures in expected) > 10  # rules matched
    assert any(figures[2] for figures in expected)  # and some were in no story


@pytest.mark.parametrize("max_history", [1, 4, 5])
@pytest.mark.parametrize("unlikely", [True, False])
@pytest.mark.parametrize("text", [True, False])
def test_the_last_states_featurize_as_the_whole_conversation(
    domain, events, rasas_own, max_history, unlikely, text
):
    featurizer = MaxHistoryTrackerFeaturizer(max_history=max_history)
    setting = {
        "use_text_for_last_user_input": text,
        "ignore_rule_only_turns": unlikely,
        "rule_only_data": {"slots": [], "active_loops": []} if unlikely else None,
        "ignore_action_unlikely_intent": unlikely,
    }
    trackers = [_tracker(domain, events[:n]) for n in range(1, len(events) + 1)]
    ours = [featurizer.prediction_states([tracker], domain, **setting) for tracker in trackers]
    rasas_own()
    fresh = [_tracker(domain, events[:n]) for n in range(1, len(events) + 1)]
    assert ours == [featurizer.prediction_states([t], domain, **setting) for t in fresh]


def test_only_the_last_states_are_copied(domain, events):
    tracker = _tracker(domain, events)
    everything = past_states._rasa_past_states(tracker, domain)
    last = past_states.last_states(tracker, domain, 3)
    assert 3 <= len(last) <= 4 and last == everything[-len(last) :]
    assert len(past_states.last_states(tracker, domain, 10_000)) == len(everything)
