"""A Rasa NLU component that recognises a typed koppelcode for certain.

A message with something shaped like a code ("TT-7KQ-2MV") gets the intent
`give_link_code` with full confidence, and no entities: the code is never put in a
slot or entity; the linking action reads it from the message text and checks it
against the database.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.identity.codes import find_code_in_text
from nlu.spotter import CertainIntentSpotter

LINK_CODE_INTENT = "give_link_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LinkCodeSpotter(CertainIntentSpotter):
    intent = LINK_CODE_INTENT

    def matches(self, text: str | None) -> bool:
        return find_code_in_text(text) is not None
