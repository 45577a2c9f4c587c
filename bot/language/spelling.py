"""Corrects plain words that are not Dutch, with the Dutch word list of pyspellchecker.

Only a word the list does not know (or hardly knows) is changed, and only into a much
more frequent word one edit away ("examnes" -> "examens", "moeilik" -> "moeilijk").
Short words, numbers and the route's own words (chat_words.yml `keep`, school and place
names, the words of the answers) are never changed. Pure; the word list loads once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from spellchecker import SpellChecker

from bot.language.words import plain

MIN_LENGTH = 4
# A word seen this often in the word list is a real word: it stays as it is.
KNOWN_FREQUENCY = 300
# A correction must be this much more frequent than the word written.
MIN_GAIN = 20
MIN_CORRECTION_FREQUENCY = 200
_LETTERS_ONLY = re.compile(r"^[a-z]+$")
_REPEATS = re.compile(r"(.)\1{2,}")


@cache
def _checker() -> SpellChecker:
    return SpellChecker(language="nl", distance=1)


@cache
def _frequencies() -> dict[str, int]:
    """Word -> frequency, on plain words (accents off), summed over spellings."""
    counts: dict[str, int] = {}
    for word, count in _checker().word_frequency.dictionary.items():
        key = word if word.isascii() else plain(word)
        counts[key] = counts.get(key, 0) + int(count)
    return counts


class Speller:
    def __init__(self, protected: Iterable[str] = ()) -> None:
        self.protected = frozenset(protected)

    def frequency(self, word: str) -> int:
        return _frequencies().get(word, 0)

    @lru_cache(maxsize=20_000)  # noqa: B019 (one speller per process)
    def correct(self, word: str) -> str:
        """The word as it was meant, or unchanged when unsure."""
        if len(word) < MIN_LENGTH or word in self.protected or not _LETTERS_ONLY.match(word):
            return word
        # "heeeeel" -> "heel", "pleaseeee" -> "please"
        shortened = _REPEATS.sub(r"\1\1", word)
        for candidate in dict.fromkeys((shortened, _REPEATS.sub(r"\1", word))):
            if candidate != word and (
                candidate in self.protected or self.frequency(candidate) >= KNOWN_FREQUENCY
            ):
                return candidate
        word = shortened
        own = self.frequency(word)
        if own >= KNOWN_FREQUENCY:
            return word
        candidates = [
            plain(candidate) for candidate in _checker().edit_distance_1(word) if candidate
        ]
        scored = [(self.frequency(candidate), candidate) for candidate in set(candidates)]
        scored += [(KNOWN_FREQUENCY * MIN_GAIN, c) for c in candidates if c in self.protected]
        if not scored:
            return word
        best_frequency, best = max(scored)
        if best_frequency >= max(MIN_CORRECTION_FREQUENCY, MIN_GAIN * max(own, 1)):
            return best
        return word
