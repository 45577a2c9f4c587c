"""Corrects plain words that are not Dutch, with the Dutch word list of pyspellchecker
(bot/language/word_lists.py).

Only a word that neither the Dutch nor the English list knows is changed, and only into a
much more frequent word one edit away ("examnes" -> "examens", "moeilik" -> "moeilijk").
A rare word is still a word: "uitloggen", "afhaken", "krast" and "doeg" are in the list
and stay as written, and so does English ("this", "kill"), which the model reads as it is.
Short words, numbers and the route's own words (chat_words.yml `keep`, school and place
names) are never changed. Pure; the word lists load once per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.language.word_lists import word_lists
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


def is_english(word: str) -> bool:
    return word in word_lists().english


def _frequency(word: str) -> int:
    found = word_lists().dutch.get(word)
    return int(found) if found else 0


def is_common_word(word: str, at_least: int = 10_000) -> bool:
    """An everyday Dutch word ("ben", "wil"), by its frequency in the word list."""
    return _frequency(word) >= at_least


def edit_distance_1(word: str) -> set[str]:
    """Every string one edit (delete, swap, replace, insert) away from a lower-case word,
    with the Dutch list's letters: pyspellchecker's candidates, without its objects."""
    lists = word_lists()
    # pyspellchecker leaves a word this long as it is.
    if len(word) > lists.longest_word + 3:
        return {word}
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [left + right[1:] for left, right in splits if right]
    transposes = [left + r[1] + r[0] + r[2:] for left, r in splits if len(r) > 1]
    replaces = [left + c + right[1:] for left, right in splits if right for c in lists.letters]
    inserts = [left + c + right for left, right in splits for c in lists.letters]
    return set(deletes + transposes + replaces + inserts)


class Speller:
    def __init__(self, protected: Iterable[str] = ()) -> None:
        self.protected = frozenset(protected)

    def frequency(self, word: str) -> int:
        return _frequency(word)

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
            for candidate in edit_distance_1(word)
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
