"""Bases for our NLU steps that have no trained state and no configuration."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class ConfiglessComponent(GraphComponent):
    """A component made the same way whatever the configuration."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConfiglessComponent:
        return cls()


class MessageStep(ConfiglessComponent):
    """Changes each message the same way in training and when a message comes in:
    subclasses implement `change`."""

    def change(self, message: Message) -> None:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.change(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.change(message)
        return training_data
