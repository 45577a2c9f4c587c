"""A base for NLU components that set one intent for certain when a rule matches.

The rule is deterministic (a code's shape, a word list), so it overrides whatever the
classifier guessed, and the message gets no entities.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import set_certain_intent


class CertainIntentSpotter(GraphComponent, IntentClassifier):
    """Subclasses set `intent` and implement `matches`."""

    intent: str = ""

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
    ) -> CertainIntentSpotter:
        return cls()

    def matches(self, text: str | None) -> bool:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.matches(message.get(TEXT)):
                set_certain_intent(message, self.intent)
        return messages
