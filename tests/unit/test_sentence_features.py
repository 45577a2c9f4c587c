"""nlu/sentence_features.py: the per-token feature rows are emptied only where no model
of the pipeline reads them, and emptying them changes no prediction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.sentence_features import SentenceFeaturesOnly, empty_per_token

ROOT = Path(__file__).resolve().parents[2]
READS_TOKENS = {"DIETClassifier", "ResponseSelector"}

EXAMPLES = {
    "reizen": ["hoe kom ik met de trein naar school", "wat kost de bus", "ov kaart kwijt"],
    "examen": ["wanneer is mijn examen", "examen herkansen", "hoe gaat het centraal examen"],
    "groet": ["hoi", "goedemorgen", "hallo daar"],
}


def test_every_model_after_the_step_reads_the_sentence_position_only():
    """A transformer, entity recognition or a masked language model would read the
    per-token rows: with any of them, the step must go."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [component["name"] for component in pipeline]
    assert "nlu.sentence_features.SentenceFeaturesOnly" in names
    after = names.index("nlu.sentence_features.SentenceFeaturesOnly")
    readers = [c for c in pipeline[after:] if c["name"] in READS_TOKENS]
    assert {c["name"] for c in readers} == READS_TOKENS
    for component in readers:
        model = DIETClassifier if component["name"] == "DIETClassifier" else ResponseSelector
        config = {**model.get_default_config(), **component}
        assert config["number_of_transformer_layers"] == 0, component["name"]
        assert not config["use_masked_language_model"], component["name"]
        # Shared layers or the text as label (DIET2DIET) read the last token's row.
        assert not config["share_hidden_layers"], component["name"]
        assert not config.get("use_text_as_label", False), component["name"]
        # The ResponseSelector never recognises entities (Rasa turns it off).
        assert model is ResponseSelector or not config["entity_recognition"]
    # After every featurizer, and none of them gives dense per-token features.
    featurizers = [i for i, n in enumerate(names) if "Featurizer" in n]
    assert after > max(featurizers)
    assert {names[i] for i in featurizers} == {"CountVectorsFeaturizer"}


def test_no_story_carries_text_that_would_reach_ted_through_the_step():
    """End-to-end stories (a user's text instead of an intent) would feed TED these
    features, and TED has a transformer."""
    for path in (ROOT / "data").rglob("*.yml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in content.get("stories", []) + content.get("rules", []):
            for step in block.get("steps", []):
                assert "user" not in step, (path.name, block.get("story") or block.get("rule"))


def test_rasa_s_training_cache_sees_changes_outside_the_classes(monkeypatch, tmp_path):
    """A change to bot/language, the word lists' sources or the step's functions makes
    Rasa train again (nlu/fingerprints.py)."""
    from bot.language import word_lists
    from nlu.fingerprints import files_fingerprint
    from nlu.spelling import DutchSpelling

    first = tmp_path / "a.py"
    first.write_text("x = 1\n")
    before = files_fingerprint([first])
    first.write_text("x = 2\n")
    assert files_fingerprint([first]) != before
    assert files_fingerprint([first], extra={"v": 1}) != files_fingerprint([first])

    spelling = DutchSpelling.fingerprint_addon({})
    monkeypatch.setattr(word_lists, "sources", lambda: {"pyspellchecker": "another"})
    assert DutchSpelling.fingerprint_addon({}) != spelling
    assert SentenceFeaturesOnly.fingerprint_addon({})


def featurised(texts_by_intent: dict[str, list[str]], tmp_path) -> tuple[TrainingData, list]:
    messages = [
        Message(data={TEXT: text, "intent": intent})
        for intent, texts in texts_by_intent.items()
        for text in texts
    ]
    data = TrainingData(messages)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, node_name="test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizers = [
        CountVectorsFeaturizer.create(
            {**CountVectorsFeaturizer.get_default_config(), **extra},
            storage,
            Resource(f"cv{i}"),
            context,
        )
        for i, extra in enumerate([{}, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4}])
    ]
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        featurizer.train(data)
        featurizer.process_training_data(data)
    return data, [tokenizer, *featurizers]


def test_the_step_empties_the_per_token_rows_and_keeps_the_sentence_row(tmp_path):
    data, _ = featurised(EXAMPLES, tmp_path)
    message = data.training_examples[0]
    before_sequence, before_sentence = message.get_sparse_features(TEXT)
    empty_per_token(message)
    after_sequence, after_sentence = message.get_sparse_features(TEXT)
    assert before_sequence.features.shape[0] > 1 and before_sequence.features.nnz > 0
    # One empty row, one column per featurizer.
    assert after_sequence.features.shape == (1, 2) and after_sequence.features.nnz == 0
    assert (after_sentence.features != before_sentence.features).nnz == 0
    # Twice is the same as once.
    SentenceFeaturesOnly().process([message])
    assert message.get_sparse_features(TEXT)[0].features.shape == after_sequence.features.shape


def test_the_emptied_message_has_a_new_fingerprint_for_rasa_s_training_cache(tmp_path):
    data, _ = featurised(EXAMPLES, tmp_path)
    before = data.fingerprint()
    message_before = data.training_examples[0].fingerprint()
    SentenceFeaturesOnly().process_training_data(data)
    assert data.training_examples[0].fingerprint() != message_before
    assert data.fingerprint() != before


def test_a_model_like_ours_predicts_the_same_whatever_the_per_token_rows_hold(tmp_path):
    """DIET as configured here (no transformer, no entities) trained on full features,
    then asked with the per-token rows emptied by the step or filled with noise: the
    same ranking. So those rows never reached its answer, nor its loss in training."""
    data, steps = featurised(EXAMPLES, tmp_path)
    config = {
        **DIETClassifier.get_default_config(),
        "epochs": 3,
        "number_of_transformer_layers": 0,
        "entity_recognition": False,
        "constrain_similarities": True,
        "random_seed": 1,
    }
    diet = DIETClassifier.create(
        config,
        LocalModelStorage(tmp_path),
        Resource("diet"),
        ExecutionContext(graph_schema=None, node_name="diet"),
    )
    diet.train(data)

    def ask(text: str, change) -> list[tuple[str, float]]:
        message = Message(data={TEXT: text})
        steps[0].process([message])
        for featurizer in steps[1:]:
            featurizer.process([message])
        change(message)
        (message,) = diet.process([message])
        return [(r["name"], round(r["confidence"], 5)) for r in message.get("intent_ranking")]

    def noise(message: Message) -> None:
        rng = np.random.default_rng(7)
        for feature in message.features:
            if feature.type == FEATURE_TYPE_SEQUENCE and feature.attribute == TEXT:
                shape = feature.features.shape
                feature.features = scipy.sparse.coo_matrix(rng.random(shape) * 5)

    for text in ("hoe duur is de trein", "examen", "hallo"):
        as_trained = ask(text, lambda message: None)
        assert ask(text, noise) == as_trained
        assert ask(text, empty_per_token) == as_trained
        assert as_trained[0][1] > 0

    # The sentence row does count: changing it changes the answer.
    def other_sentence(message: Message) -> None:
        for feature in message.features:
            if feature.type == FEATURE_TYPE_SENTENCE and feature.attribute == TEXT:
                feature.features = scipy.sparse.coo_matrix(
                    np.random.default_rng(3).random(feature.features.shape) * 5
                )

    assert ask("examen", other_sentence) != ask("examen", lambda message: None)


@pytest.mark.parametrize("texts", [[""], ["🙂🙂"]])
def test_messages_without_words_pass(texts, tmp_path):
    message = Message(data={TEXT: texts[0]})
    SentenceFeaturesOnly().process([message])
    assert message.features == []
