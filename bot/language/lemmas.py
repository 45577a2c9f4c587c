"""The lemma of a plain Dutch word: spacy-lookups-data's lookup table
(bot/language/word_lists.py) plus a short list of common chat forms it lacks
(lemmas_extra.yml). Pure; the tables load once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.language.word_lists import word_lists
from bot.language.words import plain

EXTRA_FILE = Path(__file__).resolve().parent / "lemmas_extra.yml"


@cache
def _extra() -> dict[str, str]:
    extra = yaml.safe_load(EXTRA_FILE.read_text(encoding="utf-8"))
    return {plain(str(form)): plain(str(lemma)) for lemma, forms in extra.items() for form in forms}


def lemma(word: str) -> str:
    """The lemma of one plain word ("gepest" -> "pesten"); the word itself when unknown."""
    found = _extra().get(word)
    if found is None:
        found = word_lists().lemmas.get(word)
    return word if found is None else found
