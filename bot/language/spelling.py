"""Corrects plain words that are not Dutch, with the Dutch word list of pyspellchecker.

Only a word that neither the Dutch nor the English list knows is changed, and only into a
much more frequent word one edit away ("examnes" -> "examens", "moeilik" -> "moeilijk").
A rare word is still a word: "uitloggen", "afhaken", "krast" and "doeg" are in the list
and stay as written, and so does English ("this", "kill"), which the model reads as it is.
Short words, numbers and the route's own words (chat_words.yml `keep`, school and place
names) are never changed. Pure; the word lists load once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from spellchecker import SpellChecker

from bot.language.words import plain

MIN_LENGTH = 4
# A word in the Dutch list at all is a real word (its rarest words count 50; typos are
# not in it): it stays as it is. So does a word of the English list.
KNOWN_FREQUENCY = 1
# A correction must be this much more frequent than the word written.
MIN_GAIN = 20
MIN_CORRECTION_FREQUENCY = 200
# How a word of the route's own (chat_words.yml `keep`) scores as a correction.
PROTECTED_FREQUENCY = 6000
_LETTERS_ONLY = re.compile(r"^[a-z]+$")
_REPEATS = re.compile(r"(.)\1{2,}")


@cache
def _checker() -> SpellChecker:
    return SpellChecker(language="nl", distance=1)


@cache
def _english() -> SpellChecker:
    return SpellChecker(language="en", distance=1)


def is_english(word: str) -> bool:
    return word in _english().word_frequency.dictionary


@cache
def _frequencies() -> dict[str, int]:
    """Word -> frequency, on plain words (accents off), summed over spellings."""
    counts: dict[str, int] = {}
    for word, count in _checker().word_frequency.dictionary.items():
        key = word if word.isascii() else plain(word)
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def is_common_word(word: str, at_least: int = 10_000) -> bool:
    """An everyday Dutch word ("ben", "wil"), by its frequency in the word list."""
    return _frequencies().get(word, 0) >= at_least


class Speller:
    def __init__(self, protected: Iterable[str] = ()) -> None:
        self.protected = frozenset(protected)

    def frequency(self, word: str) -> int:
        return _frequencies().get(word, 0)

    def knows(self, word: str) -> bool:
        """A word of the route's own, of the Dutch list or of the English list."""
        return word in self.protected or self.frequency(word) >= KNOWN_FREQUENCY or is_english(word)

    @lru_cache(maxsize=20_000)  # noqa: B019 (one speller per process)
    def correct(self, word: str) -> str:
        """The word as it was meant, or unchanged when unsure."""
        if len(word) < MIN_LENGTH or word in self.protected or not _LETTERS_ONLY.match(word):
            return word
        # "heeeeel" -> "heel", "pleaseeee" -> "please"
        shortened = _REPEATS.sub(r"\1\1", word)
        for candidate in dict.fromkeys((shortened, _REPEATS.sub(r"\1", word))):
            if candidate != word and self.knows(candidate):
                return candidate
        word = shortened
        if self.knows(word):
            return word
        own = self.frequency(word)
        # Typos seldom hit the first letter: "yess" is no "mess", "hbos" no "bos".
        candidates = [
            plain(candidate)
            for candidate in _checker().edit_distance_1(word)
            if candidate and plain(candidate)[:1] == word[:1]
        ]
        scored = [(self.frequency(candidate), candidate) for candidate in set(candidates)]
        scored += [(PROTECTED_FREQUENCY, c) for c in candidates if c in self.protected]
        if not scored:
            return word
        best_frequency, best = max(scored)
        if best_frequency >= max(MIN_CORRECTION_FREQUENCY, MIN_GAIN * max(own, 1)):
            return best
        return word
