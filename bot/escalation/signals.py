"""Words that signal distress or dropping out, in any message or check-in note.

A curated list, matched as whole words in order on normalised text (lower case, no
accents or punctuation), so "gestopt met roken" is not "stoppen met school". Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from bot.checkins.answers import normalise

# Matched on normalised text (lower case, no accents or punctuation) as whole phrases.
DISTRESS_PHRASES = (
    "ik wil dood",
    "wil dood",
    "wil ik dood",
    "dood willen",
    "zelfmoord",
    "suicide",
    "suicidaal",
    "mezelf iets aandoen",
    "mijzelf iets aandoen",
    "mezelf pijn doen",
    "niet meer leven",
    "niet meer wakker worden",
    "ik zie het niet meer zitten",
    "zie het niet meer zitten",
    "het heeft geen zin meer",
    "heeft allemaal geen zin",
    "ik word mishandeld",
    "ik word geslagen",
    # English, for whoever writes it that way.
    "i want to die",
    "kill myself",
    "end my life",
    "self harm",
)
QUITTING_PHRASES = (
    "stoppen met school",
    "stoppen met mijn opleiding",
    "stoppen met de opleiding",
    "stoppen met mijn studie",
    "stop met school",
    "stop met mijn opleiding",
    "stop met mijn studie",
    "ik stop ermee",
    "ik kap ermee",
    "ik kap met school",
    "van school af",
    "van school gaan",
    "afhaken",
    "ik haak af",
    "geen zin meer in school",
    "ga niet meer naar school",
    "ik spijbel",
    "ik word gepest",
    "word gepest",
)


# Up to two other words may stand between the words of a phrase:
# "ik zie het echt niet meer zitten" still matches "zie het niet meer zitten".
MAX_WORDS_BETWEEN = 2


@cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    gap = rf"(?: \w+){{0,{MAX_WORDS_BETWEEN}}} "
    alternatives = (gap.join(re.escape(word) for word in phrase.split()) for phrase in phrases)
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b")


def _mentions(text: str, phrases: Sequence[str]) -> bool:
    return _pattern(tuple(phrases)).search(normalise(text)) is not None


def mentions_distress(text: str | None) -> bool:
    return _mentions(text or "", DISTRESS_PHRASES)


def mentions_quitting(text: str | None) -> bool:
    return _mentions(text or "", QUITTING_PHRASES)
