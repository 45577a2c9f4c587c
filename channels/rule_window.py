"""RulePolicy reads the conversation's states as far back as its longest rule, not to
the first.

Before each action it predicts, RulePolicy turns the whole conversation into states
(twice: with and without the last message's text), walks every state back to the
first while matching its rules (RulePolicy._get_possible_keys), and, when no rule
matches, turns every state into one JSON text (RulePolicy._create_feature_key). All of
it grows with the conversation: at turn 300 it was a fifth of a turn's work (issue
17's growth profile). Yet a rule decides nothing further back than its own length
(RulePolicy._is_rule_applicable returns True there), and the JSON text only serves to
ask whether it is one of the rules that are in no story, which states longer than
every rule never are.

So RulePolicy's featurizer gets a window: one state more than the longest rule, of
those it matches and of those in no story (channels/past_states.py hands it only
those). Every rule check that can fail sees
the same states, so the same rules match; a conversation longer than the window gives
a JSON text of more states than any rule has, as Rasa's does.

Installed in the Rasa server only (channels/guarded.py), never in training, which
builds the rules from the states. Tests compare the predictions with Rasa's own.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import (
    RULES,
    RULES_FOR_LOOP_UNHAPPY_PATH,
    RULES_NOT_IN_STORIES,
    RulePolicy,
)
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

from channels.past_states import WINDOW

_KNOWN = "_toptraject_rule_window"


def window(policy: RulePolicy) -> int:
    """One state more than the longest rule of the policy; worked out once per lookup (a
    trained policy's rules do not change)."""
    known = policy.__dict__.get(_KNOWN)
    if known is None or known[0] is not policy.lookup:
        keys = [
            *(
                key
                for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH)
                for key in policy.lookup.get(name, {})
            ),
            # Rule keys too (and names of default and loop rules, which are no JSON).
            *(key for key in policy.lookup.get(RULES_NOT_IN_STORIES, []) if key.startswith("[")),
        ]
        longest = max((len(policy._rule_key_to_state(key)) for key in keys), default=0)
        known = (policy.lookup, longest + 1)  # the lookup kept: compared by identity
        policy.__dict__[_KNOWN] = known
    return known[1]


def prediction_states(
    policy: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Policy._prediction_states, as far back as the window."""
    setattr(policy.featurizer, WINDOW, window(policy))
    return Policy._prediction_states(
        policy,
        tracker,
        domain,
        use_text_for_last_user_input=use_text_for_last_user_input,
        rule_only_data=rule_only_data,
    )


def install() -> None:
    RulePolicy._prediction_states = prediction_states  # type: ignore[method-assign]
