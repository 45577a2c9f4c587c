"""domain.yml's responses checked against the catalogue (bot/content/messages.yml):
what both say is said in the same words, not in two versions that drift apart ("Die
koppelcode kennen we niet" in one, "ken ik niet" in the other). Within one file, the
variants of a sentence (for a student and a parent, for each risk) are alike on purpose."""

from difflib import SequenceMatcher
from itertools import product
from pathlib import Path

import yaml

from bot.content.catalog import catalog, flow
from bot.readability import sentences_of

ROOT = Path(__file__).resolve().parents[2]
# Sentences this alike say one thing; one that differs by a word or two has drifted.
DRIFT = 0.85
# Alike across the files on purpose: (domain.yml sentence, messages.yml sentence).
ALIKE_ON_PURPOSE = {
    # The chat knows until when a code is locked; the page's login form does not.
    (
        "Probeer het na {locked_until} opnieuw, of vraag op school om hulp.",
        "Probeer het later opnieuw, of vraag op school om hulp.",
    ),
    # After logging out, and before logging in.
    ("Ik weet nu niet meer wie je bent.", "Ik weet nog niet wie je bent."),
    # Erasing needs a login first; a worry told anonymously may log in after.
    ("Log eerst in met je koppelcode.", "Log dan in met je koppelcode."),
    # A wrong code in the chat, a wrong password in the inbox.
    (
        "Er is te vaak een verkeerde code geprobeerd.",
        "Er is te vaak een verkeerd wachtwoord geprobeerd.",
    ),
}


def _sentences(entry, where: str):
    if isinstance(entry, dict):
        for key, value in entry.items():
            yield from _sentences(value, f"{where} {key}")
    elif isinstance(entry, list):
        for index, value in enumerate(entry):
            yield from _sentences(value, f"{where}[{index}]")
    elif isinstance(entry, str):
        for sentence in sentences_of(flow(entry)):
            if len(sentence.split()) >= 4:
                yield where, sentence


def all_sentences() -> list[tuple[str, str]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    found = [
        (f"domain {name}", sentence)
        for name, variants in domain["responses"].items()
        for variant in variants
        for _, sentence in _sentences(variant.get("text", ""), name)
    ]
    return found + list(_sentences(catalog().messages, "messages"))


def drifted(sentences: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """Pairs of a domain.yml and a messages.yml sentence that are alike, not the same."""
    domain = {sentence: where for where, sentence in sentences if where.startswith("domain")}
    messages = {sentence: where for where, sentence in sentences if where.startswith("messages")}
    pairs = []
    for one, other in product(domain, messages):
        matcher = SequenceMatcher(None, one.lower(), other.lower())
        if matcher.real_quick_ratio() < DRIFT or matcher.quick_ratio() < DRIFT:
            continue
        if one != other and matcher.ratio() >= DRIFT and (one, other) not in ALIKE_ON_PURPOSE:
            pairs.append((domain[one], one, messages[other], other))
    return pairs


def test_no_sentence_is_written_twice_in_drifting_versions():
    assert drifted(all_sentences()) == []


def test_the_check_finds_drift():
    sentences = [
        ("domain utter_x", "Die koppelcode kennen we niet, kijk hem nog eens na."),
        ("messages y", "Die koppelcode ken ik niet, kijk hem nog eens na."),
        ("messages z", "Je krijgt uiterlijk morgen antwoord van school."),
    ]
    assert [(one, other) for one, _, other, _ in drifted(sentences)] == [
        ("domain utter_x", "messages y")
    ]
