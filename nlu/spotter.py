"""A base for NLU components that set one intent for certain when a rule matches.

The rule is deterministic (a code's shape, a word list), so it overrides whatever the
classifier guessed, and the message gets no entities.
"""

from __future__ import annotations

from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import set_certain_intent
from nlu.message_step import ConfiglessComponent


class CertainIntentSpotter(ConfiglessComponent, IntentClassifier):
    """Subclasses set `intent` and implement `matches`."""

    intent: str = ""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def matches(self, text: str | None) -> bool:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.matches(message.get(TEXT)):
                set_certain_intent(message, self.intent)
        return messages
