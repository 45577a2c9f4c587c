import pytest

from bot.edge_answer import REPEAT_WINDOW_SECONDS, TOO_LONG_KEY, edge_reply_key
from bot.input_check import MAX_MESSAGE_CHARS, at_the_edge

NOW = 1000.0
JUST_BEFORE = NOW - 5


@pytest.mark.parametrize(
    "text",
    [
        "a" * (MAX_MESSAGE_CHARS + 1),
        at_the_edge("wanneer zijn de examens en hoeveel kost de bus? " * 3000),
        at_the_edge("😀" * 5000),
    ],
    ids=["one-too-many", "100-kb", "emoji"],
)
def test_a_repeated_long_message_is_answered_at_the_edge(text):
    assert edge_reply_key(text, JUST_BEFORE, NOW) == TOO_LONG_KEY


def test_the_first_long_message_goes_to_the_assistant_to_be_read_for_risk():
    long = "a" * (MAX_MESSAGE_CHARS + 1)
    assert edge_reply_key(long, None, NOW) is None
    assert edge_reply_key(long, NOW - REPEAT_WINDOW_SECONDS - 1, NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hoi",
        "a" * MAX_MESSAGE_CHARS,
        "/greet",
        at_the_edge("ik wil niet meer leven, echt niet. " * 200),
        at_the_edge("blabla " * 120 + " ik word elke dag gepest " + "blabla " * 200),
        at_the_edge("mijn vader slaat me als hij dronken is. " * 100),
    ],
    ids=["empty", "short", "at-the-limit", "button", "acute", "bullying-inside", "unsafe-home"],
)
def test_everything_else_and_every_risk_goes_to_the_assistant(text):
    assert edge_reply_key(text, JUST_BEFORE, NOW) is None
