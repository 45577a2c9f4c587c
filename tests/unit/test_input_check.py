import re
from pathlib import Path

import pytest
import yaml

from bot.input_check import (
    MAX_MESSAGE_CHARS,
    InputKind,
    at_the_edge,
    classify_input,
    looks_english,
    only_button_commands,
    valid_conversation_id,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hoi", InputKind.OK),
        ("wat is het toptraject?", InputKind.OK),
        ("4", InputKind.OK),
        ("ik ❤️ school", InputKind.OK),
        ("<3 dankje", InputKind.OK),
        ("TT-7KQ-2MV", InputKind.OK),
        ("help", InputKind.OK),
        ("thanks", InputKind.OK),
        (None, InputKind.EMPTY),
        ("", InputKind.EMPTY),
        ("   \n\t ", InputKind.EMPTY),
        ("a" * (MAX_MESSAGE_CHARS + 1), InputKind.TOO_LONG),
        ("😀😀😀", InputKind.NO_WORDS),
        ("👍", InputKind.NO_WORDS),
        ("?!...", InputKind.NO_WORDS),
        ("<script>alert(1)</script>", InputKind.MARKUP),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", InputKind.MARKUP),
        ("hoi <b>daar</b>", InputKind.MARKUP),
        ("what is the weather like today", InputKind.ENGLISH),
        ("How do I get a travel card for my son?", InputKind.ENGLISH),
    ],
)
def test_classify_input(text, kind):
    assert classify_input(text) is kind


def test_exactly_the_limit_is_still_ok():
    assert classify_input("a" * MAX_MESSAGE_CHARS) is InputKind.OK


def test_dutch_with_english_loanwords_is_not_english():
    assert not looks_english(["ik", "wil", "een", "student", "card"])
    assert not looks_english(["what", "the"])  # too short to judge


def test_at_the_edge_a_message_is_cut_one_past_the_limit_and_made_encodable():
    cut = at_the_edge("a" * 100_000)
    assert len(cut) == MAX_MESSAGE_CHARS + 1
    assert classify_input(cut) is InputKind.TOO_LONG
    assert at_the_edge("hoi \ud800daar") == "hoi daar"
    assert at_the_edge(None) == "" and at_the_edge(["hoi"]) == ""
    assert at_the_edge("wanneer zijn de examens?") == "wanneer zijn de examens?"


@pytest.mark.parametrize(
    "value",
    ["\ud800x", "", None, 7, "x" * 129, "a\nb", "a\u200bb", ["id"]],
)
def test_a_conversation_id_that_cannot_be_stored_is_refused(value):
    assert not valid_conversation_id(value)


def test_ordinary_conversation_ids_are_fine():
    assert valid_conversation_id("3f2a9c0e5b7d4e1f8a6b2c9d0e1f2a3b")
    assert valid_conversation_id("it-bad-input-emoji")
    assert valid_conversation_id("léa's telefoon")


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("/distress", "distress"),
        ("/risk", "risk"),
        ('/request_human{"priority": "urgent"}', "/request_human"),
        ('/inform{"student_id": 7}', "inform"),
        (
            '/choose_answer{"answer_id": "exam/when", "x": 1}',
            '/choose_answer{"answer_id": "exam/when"}',
        ),
        ('/choose_child{"child_name": 5}', "/choose_child"),
        ("/session_start", "session start"),
        ("/logout", "logout"),  # no button sends it: read as the word, like "uitloggen"
        ("/", ""),
        ("hoi /distress", "hoi /distress"),
    ],
)
def test_a_typed_command_passes_only_as_a_button_could_send_it(typed, read_as):
    assert only_button_commands(typed) == read_as


def button_payloads() -> set[str]:
    """Every "/..." payload of a button: in domain.yml, and in the code that makes buttons."""
    root = Path(__file__).resolve().parents[2]
    payloads = set()
    for response in yaml.safe_load((root / "domain.yml").read_text())["responses"].values():
        for variant in response:
            payloads |= {b["payload"] for b in variant.get("buttons", [])}
    for path in [*root.joinpath("actions").glob("*.py"), root / "bot" / "welcome.py"]:
        source = path.read_text()
        payloads |= set(re.findall(r'"payload": f?[\'"](/[a-z_]+)', source))
        payloads |= set(re.findall(r'button\("[a-z_]+", f?[\'"](/[a-z_]+)', source))
    payloads |= set(
        re.findall(r'sendMessage\("(/[a-z_]+)"', (root / "web/static/chat.js").read_text())
    )
    payloads |= set(
        re.findall(r'initPayload: "(/[a-z_]+)"', (root / "web/static/chat.js").read_text())
    )
    return {p for p in payloads if p.startswith("/")}


def test_every_button_of_ours_still_gets_through_unchanged():
    payloads = button_payloads()
    assert {"/request_human", "/greet", "/checkin"} <= payloads
    for payload in payloads:
        assert only_button_commands(payload) == payload
    assert only_button_commands('/choose_child{"child_name": "Lotte"}') == (
        '/choose_child{"child_name": "Lotte"}'
    )
