"""TEDPolicy is not run when a rule has already decided the next action.

Before each action, every policy predicts and the ensemble picks one
(DefaultPolicyPredictionEnsemble._pick_best_policy): the highest confidence, and at
equal confidence the highest priority. A rule that matches predicts its action with
confidence 1.0, the most there is, and RulePolicy has the highest priority, so
TEDPolicy's prediction then cannot win, and its events (it has none, only optional
ones, added only when it wins) change nothing. Yet TEDPolicy featurized the
conversation and ran its model each time: its 3 ms were the largest part of a
prediction, twice per message (the answer, then listening), and most of this
assistant's turns are decided by rules.

So RulePolicy marks the tracker when a rule decided, and TEDPolicy, which the graph
runs after it, returns its empty prediction for a tracker so marked. Not when:
- the last action was rejected (the ensemble then sets that action's confidence to 0
  in every prediction, the rule's too);
- TEDPolicy could predict from the message's text (end-to-end training), since such a
  prediction overrules those from the intent;
- RulePolicy's prediction is itself from the text or a form's happy path (those
  overrule the others anyway, but are left to Rasa);
- the graph ran TEDPolicy first (then nothing is marked yet), or the tracker changed
  since the mark.

Installed in the Rasa server only (channels/guarded.py). Tests compare the chosen
prediction with and without it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

from channels.past_states import moment, same_moment

_DECIDED = "_toptraject_rule_decided"
_rasa_rule_predict = RulePolicy.predict_action_probabilities
_rasa_ted_predict = TEDPolicy.predict_action_probabilities


def last_action_rejected(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecutionRejected):
            return True
        if isinstance(event, ActionExecuted):
            return False
    return False


def rule_decides(prediction: PolicyPrediction, tracker: DialogueStateTracker) -> bool:
    """Whether no policy of lower priority can be chosen over this prediction."""
    return (
        prediction.max_confidence >= 1.0
        and not prediction.is_end_to_end_prediction
        and not prediction.is_no_user_prediction
        and not last_action_rejected(tracker)
    )


def rule_predict(
    policy: RulePolicy, tracker: DialogueStateTracker, domain: Domain, *args: Any, **kwargs: Any
) -> PolicyPrediction:
    """RulePolicy.predict_action_probabilities; marks the tracker when a rule decided."""
    prediction = _rasa_rule_predict(policy, tracker, domain, *args, **kwargs)
    if rule_decides(prediction, tracker):
        tracker.__dict__[_DECIDED] = (moment(tracker), prediction.policy_priority)
    else:
        tracker.__dict__.pop(_DECIDED, None)
    return prediction


def _decided_for(policy: TEDPolicy, tracker: DialogueStateTracker) -> bool:
    mark = tracker.__dict__.get(_DECIDED)
    if mark is None:
        return False
    decided_at, priority = mark
    return (
        priority > policy.priority
        and same_moment(decided_at, moment(tracker))
        and not policy.only_e2e
        and TEXT not in policy.fake_features
    )


def ted_predict(
    policy: TEDPolicy, tracker: DialogueStateTracker, domain: Domain, *args: Any, **kwargs: Any
) -> PolicyPrediction:
    """TEDPolicy.predict_action_probabilities, or its empty prediction when a rule
    decided."""
    if _decided_for(policy, tracker):
        return policy._prediction(policy._default_predictions(domain))
    return _rasa_ted_predict(policy, tracker, domain, *args, **kwargs)


def install() -> None:
    RulePolicy.predict_action_probabilities = rule_predict  # type: ignore[method-assign]
    TEDPolicy.predict_action_probabilities = ted_predict  # type: ignore[method-assign]
