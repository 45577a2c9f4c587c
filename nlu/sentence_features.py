"""A Rasa NLU component that keeps each message's word features whole, not per word.

The count-vector featurizers give every message two sparse matrices: one row per token
("sequence" features) and one row for the whole message ("sentence" features). DIET and
the ResponseSelector here have no transformer layer, no entity recognition and no masked
language model: they read the sentence row alone, and the per-token rows reach no loss
and no prediction. They still cost an input layer of 24,000 x 128 weights in each model,
trained on every batch, and every batch was padded to its longest message: about half
of the training time. Placed after the featurizers, this step makes the per-token
features one empty row and column (the models need the sequence to exist).

Only right for such models: tests/unit/test_sentence_features.py checks the pipeline,
and that a model configured like ours answers the same with or without the rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from nlu.fingerprints import files_fingerprint
from nlu.message_step import MessageStep


def empty_per_token(message: Message) -> None:
    """Every sparse per-token feature matrix of the message's text becomes 1 x 1, empty.

    New Features objects, added through the message: Rasa's training cache knows each
    step's output by fingerprints that both remember, and a changed matrix inside an
    old object would keep the old fingerprint (and bring back a model trained on it)."""
    per_token = [
        feature
        for feature in message.features
        if feature.attribute == TEXT
        and feature.type == FEATURE_TYPE_SEQUENCE
        and feature.is_sparse()
        and feature.features.shape != (1, 1)
    ]
    for feature in per_token:
        message.features.remove(feature)
        message.add_features(
            Features(
                scipy.sparse.coo_matrix((1, 1), dtype=feature.features.dtype),
                feature.type,
                feature.attribute,
                feature.origin,
            )
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturesOnly(MessageStep):
    @classmethod
    def required_components(cls) -> list[type]:
        return [SparseFeaturizer]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """This file: empty_per_token is outside the class (nlu/fingerprints.py)."""
        return files_fingerprint([Path(__file__)])

    def change(self, message: Message) -> None:
        empty_per_token(message)
