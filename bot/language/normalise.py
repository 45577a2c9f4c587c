"""A message read as Dutch words: chat words spelled out, typos corrected, lemmas.

    read("kheb ff een vraag over de herkanssing")
    -> ik heb even een vraag over de herkansing  (each word with its lemma)

Pure; the NLU (nlu/spelling.py) and the risk signals (bot/risk) both use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.language.entities import PATTERNS_FILE
from bot.language.lemmas import lemma
from bot.language.spelling import MIN_CORRECTION_FREQUENCY, Speller
from bot.language.words import placed_words, plain, words

CHAT_WORDS_FILE = Path(__file__).resolve().parent / "chat_words.yml"
# Names of schools, places and route words: never changed by the spelling checker.
# (Not the answer texts: editing an answer must not change what the model was trained on.)
_OWN_WORD_FILES = (PATTERNS_FILE,)


@dataclass(frozen=True)
class ReadWord:
    written: str  # the plain word as typed
    norm: str  # spelled out and corrected: one plain word
    lemma: str
    sentence: int
    clause: int


@cache
def _chat_words() -> tuple[dict[str, str], frozenset[str]]:
    raw = yaml.safe_load(CHAT_WORDS_FILE.read_text(encoding="utf-8"))
    expand = {plain(str(key)): plain(str(value)) for key, value in raw["expand"].items()}
    keep = {plain(str(word)) for word in raw["keep"]}
    return expand, frozenset(keep)


@cache
def speller() -> Speller:
    expand, keep = _chat_words()
    own = set(keep) | set(expand) | {w for value in expand.values() for w in value.split()}
    for path in _OWN_WORD_FILES:
        own.update(words(path.read_text(encoding="utf-8")))
    return Speller(own)


def normal_form(word: str) -> str:
    """One plain word as it was meant: "wnr" -> "wanneer", "kheb" -> "ik heb",
    "kwacht" -> "ik wacht"."""
    expand, _ = _chat_words()
    if word in expand:
        return expand[word]
    spell = speller()
    if (
        word.startswith("k")
        and len(word) >= 4
        and not spell.knows(word)
        and spell.frequency(word[1:]) >= MIN_CORRECTION_FREQUENCY
    ):
        return f"ik {word[1:]}"
    return spell.correct(word)


def read(text: str) -> list[ReadWord]:
    """The words of a message as they were meant, in order, each with its lemma."""
    return list(_read(text))


def _read(text: str) -> Iterator[ReadWord]:
    for placed in placed_words(text):
        for norm in normal_form(placed.text).split():
            yield ReadWord(placed.text, norm, lemma(norm), placed.sentence, placed.clause)
