"""The custom NLU components, run on real Rasa messages."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.code_spotter import LINK_CODE_INTENT, LinkCodeSpotter
from bot.nlu.distress_spotter import DISTRESS_INTENT, DistressSpotter
from bot.nlu.input_guard import InputGuard

CLASSIFIED = {"name": "route", "confidence": 0.97}
ENTITY = {"entity": "school", "value": "roc", "start": 0, "end": 3}


def classified(text: str) -> Message:
    message = Message(data={"text": text})
    message.set("intent", dict(CLASSIFIED), add_to_output=True)
    message.set("intent_ranking", [dict(CLASSIFIED)], add_to_output=True)
    message.set("entities", [dict(ENTITY)], add_to_output=True)
    return message


@pytest.mark.parametrize("text", ["mijn code is TT-7KQ-2MV", "tt 9px 4rd"])
def test_a_typed_code_becomes_the_link_code_intent_without_entities(text):
    (message,) = LinkCodeSpotter().process([classified(text)])
    assert message.get("intent") == {"name": LINK_CODE_INTENT, "confidence": 1.0}
    assert message.get("entities") == []


def test_other_messages_keep_their_classification():
    (message,) = LinkCodeSpotter().process([classified("wat is het toptraject")])
    assert message.get("intent") == CLASSIFIED and message.get("entities") == [ENTITY]


@pytest.mark.parametrize("text", ["", "😀😀", "<b>hoi</b>", "what is the weather like today"])
def test_unusual_input_goes_to_the_fallback_without_entities(text):
    (message,) = InputGuard({"max_chars": 1000}).process([classified(text)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("entities") == []


def test_ordinary_dutch_passes_the_guard():
    (message,) = InputGuard({"max_chars": 1000}).process([classified("roc of saxion?")])
    assert message.get("intent") == CLASSIFIED


@pytest.mark.parametrize(
    "text",
    ["ik zie het niet meer zitten", "Soms wil ik dood.", "ik denk aan ZELFMOORD", "i want to die"],
)
def test_words_of_distress_always_become_the_distress_intent(text):
    (message,) = DistressSpotter().process([classified(text)])
    assert message.get("intent") == {"name": DISTRESS_INTENT, "confidence": 1.0}


@pytest.mark.parametrize("text", ["ik ben gestopt met roken", "ik wil dood graag een 10 halen?"])
def test_other_words_keep_their_classification_or_err_on_the_side_of_care(text):
    (message,) = DistressSpotter().process([classified(text)])
    expected = DISTRESS_INTENT if "dood" in text else CLASSIFIED["name"]
    assert message.get("intent")["name"] == expected


def test_a_word_or_two_in_between_still_counts_as_distress():
    (message,) = DistressSpotter().process([classified("ik zie het echt niet meer zitten")])
    assert message.get("intent")["name"] == DISTRESS_INTENT
