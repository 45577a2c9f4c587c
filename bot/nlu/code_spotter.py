"""A Rasa NLU component that recognises a typed koppelcode for certain.

A message with something shaped like a code ("TT-7KQ-2MV") gets the intent
`give_link_code` with full confidence, and no entities: the code is never put in a
slot or entity; the linking action reads it from the message text and checks it
against the database.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.identity.codes import find_code_in_text
from bot.nlu.input_guard import set_certain_intent

LINK_CODE_INTENT = "give_link_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LinkCodeSpotter(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinkCodeSpotter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if find_code_in_text(message.get(TEXT)) is None:
                continue
            set_certain_intent(message, LINK_CODE_INTENT)
        return messages
