"""A Rasa NLU component that lets a risk signal win over every other intent.

Last in the pipeline: it reads the classifier's rankings and the word patterns
(bot.risk.decide) and, when the message signals risk, sets the intent `risk` for certain
and adds the verdict (kind, how it was found) to the parse data as `risk`, where the
actions and the form validation read it. Identity never comes from here: a typed
`/risk` has no verdict, and the action then reads the words itself.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.clarify import Ranked, ranking_instead
from bot.risk.decide import FALLBACK_INTENT, RISK_INTENT, RISK_PROPERTY, verdict_for_text
from nlu.input_guard import set_certain_intent
from nlu.spotter import CertainIntentSpotter

SELECTOR_KEY = "default"


def _intent_ranking(message: Message) -> list[Ranked]:
    return [
        Ranked(item.get("name") or "", float(item.get("confidence") or 0.0))
        for item in message.get(INTENT_RANKING_KEY) or []
    ]


def _answer_ranking(message: Message) -> list[Ranked]:
    selector = (message.get("response_selector") or {}).get(SELECTOR_KEY) or {}
    return [
        Ranked(item.get("intent_response_key") or "", float(item.get("confidence") or 0.0))
        for item in selector.get("ranking") or []
    ]


def _no_risk_after_all(message: Message) -> None:
    """The classifier said risk where the verdict says no ("ik word niet gepest"): its
    next intent stands when it is sure of it among the rest ("mijn doel is mislukt deze
    keer, balen" is a check-in); otherwise the message goes to the fallback, which
    answers or asks back from what else was ranked."""
    intent = message.get(INTENT) or {}
    if intent.get(INTENT_NAME_KEY) != RISK_INTENT:
        return
    instead = ranking_instead(_intent_ranking(message), (RISK_INTENT, FALLBACK_INTENT))
    if instead is not None:
        ranking = [
            {INTENT_NAME_KEY: ranked.name, PREDICTED_CONFIDENCE_KEY: ranked.confidence}
            for ranked in instead
        ]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return
    ranking = [
        item
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) not in (RISK_INTENT, FALLBACK_INTENT)
    ]
    fallback = {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RiskSpotter(CertainIntentSpotter):
    intent = RISK_INTENT

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            verdict = verdict_for_text(
                message.get(TEXT), _intent_ranking(message), _answer_ranking(message)
            )
            if verdict is None:
                _no_risk_after_all(message)
                continue
            set_certain_intent(message, RISK_INTENT)
            message.set(RISK_PROPERTY, verdict.as_dict(), add_to_output=True)
        return messages
