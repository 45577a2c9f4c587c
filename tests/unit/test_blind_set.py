"""The blind set (tests/blind) stays blind: well-formed, large and varied enough, and
never trained on, not even in other words."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.content.catalog import catalog
from bot.language.words import words
from bot.vocabulary import RiskKind

ROOT = Path(__file__).resolve().parents[2]
BLIND = ROOT / "tests" / "blind"
EXPECTATIONS = {
    "risk", "answer", "unknown", "decline", "calm", "human", "complaint", "greet",
    "goodbye", "thanks", "bot_challenge", "capabilities", "login", "my_route", "progress",
    "checkin", "add_goal", "my_data", "delete_data",
}  # fmt: skip
MESSAGE_KINDS = {kind.value for kind in RiskKind} - {"low_motivation", "goal_stuck"}
# Two texts this close in words count as the same message said twice.
SAME_WORDS = 0.6
# A training example holding (nearly) all words of a blind message of 5+ words has it.
CONTAINED = 0.85
# Messages of fewer words ("hoi", "examens wnr") are what anyone writes: too short to
# tell whose hand wrote them, and a bot must know them.
MIN_WORDS = 4


def blind_messages() -> list[dict]:
    messages = []
    for path in sorted(BLIND.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            messages.append({**raw, "set": path.stem})
    return messages


def training_examples() -> list[str]:
    examples = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block.get("examples", "").splitlines():
                if line.strip().startswith("- "):
                    examples.append(line.strip()[2:])
    return examples


def too_close(blind: set[str], trained: set[str]) -> bool:
    if not blind or not trained:
        return False
    shared = len(blind & trained)
    if shared / len(blind | trained) >= SAME_WORDS:
        return True
    return len(blind) >= 5 and shared / len(blind) >= CONTAINED


def test_every_blind_message_is_labelled_with_a_behaviour_the_bench_can_check():
    known_answers = set(catalog().answers)
    for message in blind_messages():
        assert isinstance(message["text"], str) and message["text"].strip(), message
        assert message["expect"] in EXPECTATIONS, message
        if message["expect"] == "risk":
            assert message.get("category") in MESSAGE_KINDS, message
        if message["expect"] == "answer":
            assert message.get("answers") and set(message["answers"]) <= known_answers, message


def test_the_blind_set_is_large_and_covers_every_kind_of_message():
    messages = blind_messages()
    assert len(messages) >= 400
    assert {m["category"] for m in messages if m["expect"] == "risk"} == MESSAGE_KINDS
    answered = {a for m in messages if m["expect"] == "answer" for a in m["answers"]}
    assert answered == set(catalog().answers)
    for expectation in ("decline", "calm", "unknown", "human", "complaint"):
        assert sum(m["expect"] == expectation for m in messages) >= 5, expectation


@pytest.mark.parametrize(
    ("blind", "trained", "close"),
    [
        ("ik word elke dag gepest", "ik word elke dag gepest!", True),
        (
            "heb mn spullen weggegeven aan vrienden",
            "heb al mn spullen weggegeven aan mn vrienden",
            True,
        ),
        ("wanneer zijn de examens", "wanneer is de herkansing", False),
    ],
)
def test_the_closeness_check_can_fail(blind, trained, close):
    assert too_close(set(words(blind)), set(words(trained))) is close


def leaked(blind_texts: list[str], examples: list[str]) -> list[str]:
    """Blind texts of MIN_WORDS or more words that a training example is too close to."""
    trained = [set(words(example)) for example in examples]
    index: dict[str, list[int]] = {}
    for number, example in enumerate(trained):
        for word in example:
            index.setdefault(word, []).append(number)
    found = []
    for text in blind_texts:
        blind = set(words(text))
        if len(blind) < MIN_WORDS:
            continue
        shared = Counter(number for word in blind for number in index.get(word, ()))
        needed = SAME_WORDS * len(blind)
        if any(
            count >= needed and too_close(blind, trained[number])
            for number, count in shared.items()
        ):
            found.append(text)
    return found


def test_no_blind_message_is_in_the_training_data_not_even_in_other_words():
    assert leaked([m["text"] for m in blind_messages()], training_examples()) == []
    assert leaked(["ik word elke dag gepest op school"], ["ik word elke dag gepest op school!"])
