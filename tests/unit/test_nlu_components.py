"""The custom NLU components, run on real Rasa messages."""

import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language.normalise import normal_form
from nlu.code_spotter import LINK_CODE_INTENT, LinkCodeSpotter
from nlu.input_guard import InputGuard
from nlu.risk_spotter import RISK_INTENT, RiskSpotter
from nlu.spelling import DutchSpelling, meant_lemma

CLASSIFIED = {"name": "route", "confidence": 0.97}
ENTITY = {"entity": "school", "value": "roc", "start": 0, "end": 3}


def classified(text: str) -> Message:
    message = Message(data={"text": text})
    message.set("intent", dict(CLASSIFIED), add_to_output=True)
    message.set("intent_ranking", [dict(CLASSIFIED)], add_to_output=True)
    message.set("entities", [dict(ENTITY)], add_to_output=True)
    return message


@pytest.mark.parametrize(
    "text",
    [
        "mijn code is TT-7KQ-2MV",
        "tt 9px 4rd",
        # What an anonymous asker types to get the answer (bot/escalation/follow_up.py).
        "H-7K4Q2M 4KQ-7ZD",
        "mijn mail is sanne@mail.nl",
    ],
)
def test_a_typed_code_becomes_the_link_code_intent_without_entities(text):
    (message,) = LinkCodeSpotter().process([classified(text)])
    assert message.get("intent") == {"name": LINK_CODE_INTENT, "confidence": 1.0}
    assert message.get("entities") == []


def test_other_messages_keep_their_classification():
    (message,) = LinkCodeSpotter().process([classified("wat is het toptraject")])
    assert message.get("intent") == CLASSIFIED and message.get("entities") == [ENTITY]


@pytest.mark.parametrize("text", ["", "😀😀", "<b>hoi</b>", "x" * 1001])
def test_unusual_input_goes_to_the_fallback_without_entities(text):
    (message,) = InputGuard({"max_chars": 1000}).process([classified(text)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("entities") == []


@pytest.mark.parametrize("text", ["roc of saxion?", "my son needs a bus to the mbo, who pays"])
def test_ordinary_dutch_and_english_pass_the_guard(text):
    (message,) = InputGuard({"max_chars": 1000}).process([classified(text)])
    assert message.get("intent") == CLASSIFIED


def test_english_the_classifier_is_unsure_of_goes_to_the_fallback_with_its_ranking():
    message = classified("hello can you help me with my school please")
    message.set("intent", {"name": "greet", "confidence": 0.58}, add_to_output=True)
    (message,) = InputGuard({"max_chars": 1000}).process([message])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert len(message.get("intent_ranking")) == 2


def test_a_long_message_keeps_the_classifier_s_ranking_for_the_risk_spotter():
    message = classified("ik weet het allemaal niet meer " * 40)
    message.set(
        "intent_ranking",
        [{"name": "risk", "confidence": 0.9}, dict(CLASSIFIED)],
        add_to_output=True,
    )
    (message,) = InputGuard({"max_chars": 1000}).process([message])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [item["name"] for item in message.get("intent_ranking")] == [
        "nlu_fallback",
        "risk",
        "route",
    ]
    assert message.get("entities") == []


@pytest.mark.parametrize(
    "text",
    ["ik zie het niet meer zitten", "Soms wil ik dood.", "ik denk aan ZELFMOORD", "i want to die"],
)
def test_acute_words_always_become_the_risk_intent_with_a_verdict(text):
    (message,) = RiskSpotter().process([classified(text)])
    assert message.get("intent") == {"name": RISK_INTENT, "confidence": 1.0}
    assert message.get("risk")["kind"] == "acute"
    assert message.as_dict(only_output_properties=True)["risk"]["kind"] == "acute"


def test_the_model_alone_can_raise_a_risk_signal():
    message = classified("het gaat gewoon niet meer zo")
    message.set("intent_ranking", [{"name": "risk", "confidence": 0.8}])
    message.set(
        "response_selector",
        {"default": {"ranking": [{"intent_response_key": "risk/distress", "confidence": 0.7}]}},
    )
    (message,) = RiskSpotter().process([message])
    assert message.get("intent")["name"] == RISK_INTENT
    assert message.get("risk") == {
        "kind": "distress",
        "kinds": ["distress"],
        "source": "model",
        "evidence": "model 0.80",
        "model_confidence": 0.8,
    }


@pytest.mark.parametrize("text", ["ik ben gestopt met roken", "ik word niet gepest hoor"])
def test_other_words_keep_their_classification(text):
    (message,) = RiskSpotter().process([classified(text)])
    assert message.get("intent") == CLASSIFIED and message.get("risk") is None


def overruled(ranking: list[dict]):
    message = classified("ik word niet gepest hoor")
    message.set("intent", dict(ranking[0]))
    message.set("intent_ranking", ranking)
    (message,) = RiskSpotter().process([message])
    assert message.get("risk") is None
    return message


def test_a_classifier_that_says_risk_against_a_negation_goes_to_the_fallback():
    message = overruled(
        [
            {"name": "risk", "confidence": 0.7},
            {"name": "route", "confidence": 0.15},
            {"name": "greet", "confidence": 0.15},
        ]
    )
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [item["name"] for item in message.get("intent_ranking")] == [
        "nlu_fallback",
        "route",
        "greet",
    ]


def test_an_overruled_risk_leaves_the_next_intent_when_the_classifier_is_sure_of_it():
    message = overruled(
        [
            {"name": "risk", "confidence": 0.7},
            {"name": "route", "confidence": 0.27},
            {"name": "greet", "confidence": 0.03},
        ]
    )
    assert message.get("intent") == {"name": "route", "confidence": pytest.approx(0.9)}
    assert [item["name"] for item in message.get("intent_ranking")] == ["route", "greet"]


def test_risk_wins_over_the_input_guard_and_a_code():
    guarded = InputGuard({"max_chars": 1000}).process([classified("i want to kill myself")])
    coded = LinkCodeSpotter().process([classified("TT-7KQ-2MV ik word gepest")])
    for message in RiskSpotter().process([*guarded, *coded]):
        assert message.get("intent")["name"] == RISK_INTENT


@pytest.mark.parametrize(
    ("token", "lemma"),
    [("wnr", "wanneer"), ("examnes", "examen"), ("kheb", "ik hebben"), ("gepest", "pesten")],
)
def test_the_spelling_step_gives_the_featurizers_the_word_that_was_meant(token, lemma):
    assert meant_lemma(token) == lemma


@pytest.mark.parametrize(
    "word", ["uitloggen", "afhaken", "krast", "mesje", "doeg", "appen", "this", "dont", "kill"]
)
def test_a_rare_word_or_an_english_one_is_no_typo(word):
    assert normal_form(word) == word


@pytest.mark.parametrize(("word", "meant"), [("kwacht", "ik wacht"), ("kzie", "ik zie")])
def test_a_k_before_a_verb_is_ik(word, meant):
    assert normal_form(word) == meant


def test_the_spelling_step_changes_the_message_s_fingerprint_with_its_lemmas():
    """Rasa's training cache knows each step's output by its fingerprint: a message that
    kept the tokenizer's fingerprint would bring back featurizers trained on old lemmas."""
    message = Message(data={"text": "wnr zijn de examnes"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    before = message.fingerprint()
    DutchSpelling().process([message])
    assert message.get("text_tokens")[0].lemma == "wanneer"
    assert message.fingerprint() != before
