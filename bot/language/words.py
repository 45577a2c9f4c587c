"""Splitting a message into plain words, with the sentence and clause each stands in. Pure.

Words are lower case without accents ("coördinator" -> "coordinator"); a shortened word
keeps its letters ("m'n" -> "mn", "'t" -> "t") so the chat-word list can spell it out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = "'\u2019\u2018`\u00b4"  # straight, curly right and left, grave, acute
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"[.!?;\n]+")
# Inside a sentence a comma, "maar" or "want" starts a new clause: a negation word
# ("niet", "geen") only reaches the words of its own clause.
_CLAUSE_WORDS = frozenset({"maar", "want"})


@dataclass(frozen=True)
class Word:
    text: str  # plain: lower case, no accents
    sentence: int
    clause: int


def plain(text: str) -> str:
    """Lower case, accents off, apostrophes inside words dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    for apostrophe in _APOSTROPHES:
        without_accents = without_accents.replace(apostrophe, "")
    return without_accents


def words(text: str) -> list[str]:
    """The plain words of a text, in order."""
    return _WORD.findall(plain(text))


def placed_words(text: str) -> list[Word]:
    """Every plain word with the number of its sentence and of its clause."""
    placed: list[Word] = []
    clause = 0
    for sentence_number, sentence in enumerate(_SENTENCE_END.split(plain(text))):
        for part in sentence.split(","):
            for word in _WORD.findall(part):
                if word in _CLAUSE_WORDS:
                    clause += 1
                placed.append(Word(word, sentence_number, clause))
            clause += 1
    return placed
