"""TEDPolicy is not run when a rule already decided the next action
(channels/rule_first.py): the ensemble chooses the same prediction as when it runs."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT

import channels.guarded  # noqa: F401 - loading the channels installs it
from channels import rule_first

ROOT = Path(__file__).resolve().parents[2]
RULE, MEMO, TED = 6, 3, 1  # the priorities of Rasa's policies


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(ROOT / "domain.yml")


def _tracker(domain: Domain, *, rejected: bool = False) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_session_start"),
        ActionExecuted("action_listen"),
        UserUttered("wanneer zijn de examens", intent={"name": "exam", "confidence": 1.0}),
    ]
    if rejected:
        events.append(ActionExecutionRejected("action_answer_question"))
    return DialogueStateTracker.from_events("c-rule-first", events, domain.slots)


def _confidences(domain: Domain, best: int | None, score: float, rng: random.Random) -> list:
    confidences = [rng.random() * 0.2 for _ in domain.action_names_or_texts]
    if best is not None:
        confidences[best] = score
    return confidences


def _prediction(name: str, priority: int, confidences: list, **flags) -> PolicyPrediction:
    return PolicyPrediction(list(confidences), name, priority, **flags)


def _chosen(predictions: list, tracker: DialogueStateTracker, domain: Domain) -> tuple:
    best = DefaultPolicyPredictionEnsemble._best_policy_prediction(
        [_prediction(p.policy_name, p.policy_priority, p.probabilities) for p in predictions],
        tracker,
        domain,
    )
    return best.policy_name, best.probabilities, best.events, best.is_end_to_end_prediction


def test_installed_when_rasa_loads_the_channels():
    assert RulePolicy.predict_action_probabilities is rule_first.rule_predict
    assert TEDPolicy.predict_action_probabilities is rule_first.ted_predict


def test_when_a_rule_decides_ted_cannot_be_chosen_whatever_it_predicts(domain):
    # TED's own prediction, or its empty one: the ensemble chooses the same.
    rng = random.Random(7)
    tracker = _tracker(domain)
    actions = len(domain.action_names_or_texts)
    for _ in range(200):
        rule = _prediction(
            "RulePolicy", RULE, _confidences(domain, rng.randrange(actions), 1.0, rng)
        )
        assert rule_first.rule_decides(rule, tracker)
        memo_best = rng.choice([None, rng.randrange(actions)])
        memo = _prediction("MemoizationPolicy", MEMO, _confidences(domain, memo_best, 1.0, rng))
        ted_score = rng.choice([1.0, 0.99, rng.random()])
        ted = _prediction(
            "TEDPolicy", TED, _confidences(domain, rng.randrange(actions), ted_score, rng)
        )
        empty = _prediction("TEDPolicy", TED, [0.0] * actions)
        assert _chosen([memo, rule, ted], tracker, domain) == _chosen(
            [memo, rule, empty], tracker, domain
        )


@pytest.mark.parametrize(
    ("score", "flags", "rejected"),
    [
        (0.3, {}, False),  # no rule: the fallback's threshold only
        (1.0, {"is_end_to_end_prediction": True}, False),
        (1.0, {"is_no_user_prediction": True}, False),
        (1.0, {}, True),  # the last action was rejected: its confidence becomes 0
    ],
)
def test_no_decision_where_another_policy_could_still_be_chosen(domain, score, flags, rejected):
    rng = random.Random(1)
    rule = _prediction("RulePolicy", RULE, _confidences(domain, 3, score, rng), **flags)
    assert not rule_first.rule_decides(rule, _tracker(domain, rejected=rejected))


def _ran(*_args, **_kwargs):
    raise AssertionError("TED's model ran")


@pytest.fixture(autouse=True)
def _teds_own_prediction_raises(monkeypatch):
    monkeypatch.setattr(rule_first, "_rasa_ted_predict", _ran)


def _ted(fake_features: dict) -> TEDPolicy:
    """A TEDPolicy with only what predicting reads (Rasa's own prediction raises)."""
    ted = TEDPolicy.__new__(TEDPolicy)
    ted.priority = TED
    ted.config = {}
    ted.fake_features = fake_features
    ted.only_e2e = TEXT in fake_features and INTENT not in fake_features
    return ted


def _rule_marks(monkeypatch, tracker: DialogueStateTracker, domain: Domain, score: float) -> None:
    rule = RulePolicy.__new__(RulePolicy)
    prediction = _prediction("RulePolicy", RULE, _confidences(domain, 2, score, random.Random(3)))
    monkeypatch.setattr(rule_first, "_rasa_rule_predict", lambda *_args, **_kw: prediction)
    assert RulePolicy.predict_action_probabilities(rule, tracker, domain) is prediction


def test_ted_returns_its_empty_prediction_only_for_the_tracker_a_rule_decided(domain, monkeypatch):
    tracker = _tracker(domain)
    ted = _ted({INTENT: []})
    with pytest.raises(AssertionError, match="TED's model ran"):
        ted.predict_action_probabilities(tracker, domain)  # nothing decided yet
    _rule_marks(monkeypatch, tracker, domain, 1.0)
    skipped = ted.predict_action_probabilities(tracker, domain)
    assert max(skipped.probabilities) == 0.0 and skipped.policy_name == "TEDPolicy"
    tracker.update(BotUttered("Het centraal examen begint in mei."))  # the tracker moved on
    with pytest.raises(AssertionError, match="TED's model ran"):
        ted.predict_action_probabilities(tracker, domain)
    _rule_marks(monkeypatch, tracker, domain, 0.3)  # no rule matched
    with pytest.raises(AssertionError, match="TED's model ran"):
        ted.predict_action_probabilities(tracker, domain)


def test_a_ted_that_reads_the_text_always_runs(domain, monkeypatch):
    tracker = _tracker(domain)
    _rule_marks(monkeypatch, tracker, domain, 1.0)
    for features in ({TEXT: [], INTENT: []}, {TEXT: []}):
        with pytest.raises(AssertionError, match="TED's model ran"):
            _ted(features).predict_action_probabilities(tracker, domain)


def test_every_flag_combination_of_the_rule_is_judged(domain):
    # rule_decides reads the three flags the ensemble reads: none left out.
    tracker = _tracker(domain)
    for e2e, no_user in itertools.product([False, True], repeat=2):
        rule = PolicyPrediction(
            [1.0], "RulePolicy", RULE, is_end_to_end_prediction=e2e, is_no_user_prediction=no_user
        )
        assert rule_first.rule_decides(rule, tracker) is not (e2e or no_user)


class _Recorder:
    """Stands in for a graph node: notes that it ran."""

    def __init__(self, name: str, ran: list) -> None:
        self.name, self.ran = name, ran

    def __call__(self, *_inputs):
        self.ran.append(self.name)
        return self.name, None


def test_the_prediction_graph_runs_the_rule_policy_before_ted():
    # Rasa declares no order between the policies: dask's own ordering decides. If an
    # upgrade or a new policy puts TED first, TED just runs again (nothing is marked):
    # this test says so.
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.recipes.recipe import Recipe
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.data import TrainingType
    from rasa.shared.utils.io import read_model_configuration

    config = read_model_configuration(ROOT / "config.yml")
    recipe = Recipe.recipe_for_name(config.get("recipe"))
    schema = recipe.graph_config_for_recipe(config, {}, TrainingType.BOTH).predict_schema
    ran: list[str] = []
    runner = DaskGraphRunner.__new__(DaskGraphRunner)
    runner._graph_schema = schema
    runner._execution_context = ExecutionContext(GraphSchema({}), "test")
    runner._instantiated_nodes = {name: _Recorder(name, ran) for name in schema.nodes}
    runner.run(inputs={"__tracker__": "tracker"}, targets=["select_prediction"])
    policies = [name for name in ran if "Policy" in name]
    rule = next(i for i, name in enumerate(policies) if "RulePolicy" in name)
    ted = next(i for i, name in enumerate(policies) if "TEDPolicy" in name)
    assert rule < ted, policies
