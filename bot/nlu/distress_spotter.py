"""A Rasa NLU component that never misses words of distress.

A message with a phrase from bot/escalation/signals.py gets the intent `distress`
for certain, whatever the classifier thought: the bot then shows the crisis lines at
once and makes an urgent handoff. A curated list errs on the side of care.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.escalation.signals import mentions_distress
from bot.nlu.spotter import CertainIntentSpotter

DISTRESS_INTENT = "distress"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DistressSpotter(CertainIntentSpotter):
    intent = DISTRESS_INTENT

    def matches(self, text: str | None) -> bool:
        return mentions_distress(text)
