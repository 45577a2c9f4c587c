"""How easy a Dutch text is to read: sentence length and the Flesch-Douma score.

Flesch-Douma (Douma 1960) is Flesch's reading ease fitted to Dutch:
    206.84 - 0.93 * (words per sentence) - 77 * (syllables per word)
60 or more is "fairly easy"; B1 texts for teenagers should stay there.
Syllables are counted as groups of vowels, which is close enough for Dutch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? or a line break (list items are sentences of their own).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
# "ij" is one vowel sound in Dutch; vowels with a diaeresis start a new syllable.
_VOWEL_GROUP = re.compile(r"[aeiouyàáâäèéêìíîòóôùúû]+")
_DIAERESIS = re.compile(r"[ëïöü]")


@dataclass(frozen=True)
class Readability:
    sentences: int
    words: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def flesch_douma(self) -> float:
        if not self.words:
            return 0.0
        return 206.84 - 0.93 * self.words_per_sentence - 77 * (self.syllables / self.words)


def sentences_of(text: str) -> list[str]:
    parts = (part.strip().lstrip("-").strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if _WORD.search(part)]


def syllables_in(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        # Numbers are read aloud: "2" is one syllable, "2014" several.
        return min(len(word), 4)
    word = word.replace("ij", "y")
    count = len(_VOWEL_GROUP.findall(_DIAERESIS.sub("-", word))) + len(_DIAERESIS.findall(word))
    return max(count, 1)


def measure(text: str) -> Readability:
    sentences = sentences_of(text)
    words = [word for sentence in sentences for word in _WORD.findall(sentence)]
    return Readability(
        sentences=len(sentences),
        words=len(words),
        syllables=sum(syllables_in(word) for word in words),
    )


# B1 for teenagers: short sentences and a fairly easy text (tests/unit/test_readability.py
# holds every text of the bot to this; the inbox holds a campaign's text to it).
B1_MAX_WORDS_PER_SENTENCE = 15
B1_MIN_FLESCH_DOUMA = 60


@dataclass(frozen=True)
class B1Check:
    """What keeps a text from B1: problems named by key (messages.yml, campaigns b1)."""

    readability: Readability
    longest_sentence: str
    problems: tuple[str, ...]

    @property
    def passes(self) -> bool:
        return not self.problems


def check_b1(text: str) -> B1Check:
    result = measure(text)
    sentences = sentences_of(text)
    longest = max(sentences, key=lambda s: len(_WORD.findall(s)), default="")
    problems = []
    if len(_WORD.findall(longest)) > B1_MAX_WORDS_PER_SENTENCE:
        problems.append("long_sentence")
    if result.words and result.flesch_douma < B1_MIN_FLESCH_DOUMA:
        problems.append("hard_words")
    return B1Check(readability=result, longest_sentence=longest, problems=tuple(problems))
