"""Rasa NLU components that recognise, for certain, what an anonymous asker types to
get their answer back (bot/escalation/follow_up.py): an e-mail address on its own, and
a handoff reference with its code. Neither is put in an entity or a slot: the actions
read them from the message text."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.escalation.follow_up import find_email, find_return
from nlu.spotter import CertainIntentSpotter


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmailSpotter(CertainIntentSpotter):
    intent = "give_email"

    def matches(self, text: str | None) -> bool:
        return find_email(text) is not None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerCodeSpotter(CertainIntentSpotter):
    intent = "show_answer"

    def matches(self, text: str | None) -> bool:
        return find_return(text) is not None
