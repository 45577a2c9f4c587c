"""A Rasa NLU component that recognises, for certain, what someone types to be found
again: a koppelcode ("TT-7KQ-2MV"), or, after a question asked without logging in, the
reference and code of its answer ("H-7K4Q2M 4KQ-7ZD") or an e-mail address on its own
(bot/escalation/follow_up.py).

Such a message gets the intent `give_link_code` with full confidence, and no entities:
nothing is put in a slot or entity; the action reads it from the message text and
checks it against the database. Read at run time: no retraining when it changes.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.escalation.follow_up import find_email, find_return
from bot.identity.codes import find_code_in_text
from nlu.spotter import CertainIntentSpotter

LINK_CODE_INTENT = "give_link_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LinkCodeSpotter(CertainIntentSpotter):
    intent = LINK_CODE_INTENT

    def matches(self, text: str | None) -> bool:
        return (
            find_code_in_text(text) is not None
            or find_return(text) is not None
            or find_email(text) is not None
        )
