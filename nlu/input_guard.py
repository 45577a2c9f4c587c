"""A Rasa NLU component that sends unusual messages to the fallback.

Empty, very long, emoji-only and markup messages get `nlu_fallback` with full
confidence, so no intent is guessed for them (a long one keeps the classifier's ranking
behind it, which the risk spotter reads); the fallback action then explains in
Dutch. English is classified like Dutch (the training data has English examples, as
some parents write it); only when the classifier is unsure (below ENGLISH_CONFIDENCE:
the English examples are few, so a guess like "greet" for a whole question is no
answer) does the fallback say that the bot speaks Dutch. The decision itself is
bot.input_check.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.input_check import MAX_MESSAGE_CHARS, InputKind, classify_input


def set_certain_intent(message: Message, intent_name: str) -> None:
    """Overrides the classifiers: this intent, fully sure, and no entities at all."""
    intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
    message.set(ENTITIES, [], add_to_output=True)


# Kinds of input the classifier may still read.
CLASSIFIED_KINDS = frozenset({InputKind.OK, InputKind.ENGLISH})
# How sure the classifier must be of an English message.
ENGLISH_CONFIDENCE = 0.8


def _unsure(message: Message) -> bool:
    intent = message.get(INTENT) or {}
    return float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < ENGLISH_CONFIDENCE


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputGuard(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": MAX_MESSAGE_CHARS}

    def __init__(self, config: dict[str, Any]) -> None:
        self.max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            kind = classify_input(message.get(TEXT), self.max_chars)
            if kind is InputKind.ENGLISH and _unsure(message):
                ranking = message.get(INTENT_RANKING_KEY) or []
                fallback = {
                    INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                    PREDICTED_CONFIDENCE_KEY: 1.0,
                }
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
                continue
            if kind in CLASSIFIED_KINDS:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            # Entities found in markup or a wall of text are not trusted either.
            set_certain_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
            if kind is InputKind.TOO_LONG:
                # The classifier's ranking stays behind the fallback: the risk spotter
                # reads a long message for risk with the model too, not only the words.
                fallback = message.get(INTENT)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
