"""The lemma of a plain Dutch word: spacy-lookups-data's lookup table plus a short list
of common chat forms it lacks (lemmas_extra.yml). Pure; the tables load once."""

from __future__ import annotations

import importlib.resources
from functools import cache
from pathlib import Path

import srsly
import yaml

from bot.language.words import plain

EXTRA_FILE = Path(__file__).resolve().parent / "lemmas_extra.yml"


@cache
def _table() -> dict[str, str]:
    lookup = srsly.read_gzip_json(
        importlib.resources.files("spacy_lookups_data") / "data" / "nl_lemma_lookup.json.gz"
    )
    table = {plain(form): plain(lemma) for form, lemma in lookup.items()}
    extra = yaml.safe_load(EXTRA_FILE.read_text(encoding="utf-8"))
    for lemma, forms in extra.items():
        for form in forms:
            table[plain(str(form))] = plain(str(lemma))
    return table


def lemma(word: str) -> str:
    """The lemma of one plain word ("gepest" -> "pesten"); the word itself when unknown."""
    return _table().get(word, word)
