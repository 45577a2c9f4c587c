import pytest

from bot.input_check import MAX_MESSAGE_CHARS, InputKind, classify_input, looks_english


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
