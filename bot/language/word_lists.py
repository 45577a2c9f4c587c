"""The word lists the language code reads, built once from the installed packages.

- dutch: pyspellchecker's Dutch list, word -> frequency, on plain words (accents off),
  summed over spellings; with the list's letters and its longest word, which the
  spelling checker's one-edit candidates need.
- english: pyspellchecker's English list (membership only).
- lemmas: spacy-lookups-data's Dutch lemma lookup, on plain words.

`make nlu` writes them to models/word_lists/ (about 12 MB of text); a process that finds
them missing, or built from other package versions, builds them itself. Loaded as
WordTables, they take the size of their text instead of some 140 MB of dicts in every
process that reads Dutch (the Rasa server and the action server), and loading them parses
no JSON. TOPTRAJECT_WORD_LISTS names another folder.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.language.word_table import WordTable, serialise
from bot.language.words import plain

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "models" / "word_lists"
FOLDER_VARIABLE = "TOPTRAJECT_WORD_LISTS"
ABOUT_FILE = "about.json"
TABLES = ("dutch", "english", "lemmas")
# Raised when what a build writes changes, so older folders are built again.
FORMAT = 1


@dataclass(frozen=True)
class WordLists:
    dutch: WordTable
    english: WordTable
    lemmas: WordTable
    letters: str  # every letter of the Dutch list, for one-edit candidates
    longest_word: int  # length of the Dutch list's longest word


def folder() -> Path:
    return Path(os.environ.get(FOLDER_VARIABLE) or DEFAULT_FOLDER)


def sources() -> dict[str, object]:
    """What a build is made from: a folder built from anything else is stale."""
    return {
        "format": FORMAT,
        "pyspellchecker": importlib.metadata.version("pyspellchecker"),
        "spacy-lookups-data": importlib.metadata.version("spacy-lookups-data"),
    }


_loading = threading.Lock()


@cache
def word_lists() -> WordLists:
    """The lists of this process, loaded once (one thread builds them if need be)."""
    with _loading:
        return load(folder())


def load(path: Path) -> WordLists:
    """The lists in `path`, built there first when missing or stale. Another process
    may replace a stale folder while this one reads it: then it reads once more."""
    for attempt in range(2):
        if not _is_current(_read_about(path)):
            build(path)
        about = _read_about(path)
        if not _is_current(about):
            raise RuntimeError(f"the word lists in {path} could not be built from {sources()}")
        try:
            return WordLists(
                *(WordTable((path / f"{name}.tsv").read_bytes()) for name in TABLES),
                letters=str(about["letters"]),
                longest_word=int(about["longest_word"]),
            )
        except OSError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _is_current(about: dict | None) -> bool:
    return about is not None and about.get("sources") == sources()


def _read_about(path: Path) -> dict | None:
    try:
        return json.loads((path / ABOUT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build(path: Path, *, replace_current: bool = False) -> None:
    """Writes the lists to a scratch folder beside `path`, then puts it in place, so a
    reader never sees half a build. A current folder that another process put in place
    meanwhile is kept (unless `replace_current`: `make nlu`, after this code changed);
    a folder to replace is moved aside first, then removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    scratch.chmod(0o755)  # mkdtemp's folder is the owner's only
    try:
        dutch, letters, longest_word = _dutch()
        texts = {"dutch": dutch, "english": _english(), "lemmas": _lemmas()}
        for name in TABLES:
            (scratch / f"{name}.tsv").write_bytes(serialise(texts[name].items()))
        about = {"sources": sources(), "letters": letters, "longest_word": longest_word}
        (scratch / ABOUT_FILE).write_text(json.dumps(about, ensure_ascii=False), "utf-8")
        if not replace_current and _is_current(_read_about(path)):
            return  # another builder was first
        if path.exists():
            stale = scratch.with_name(f"{scratch.name}-stale")
            path.rename(stale)
            shutil.rmtree(stale, ignore_errors=True)
        scratch.rename(path)
    except OSError:
        if not _is_current(_read_about(path)):
            raise
        # Another builder put a current folder in place between the check and the rename.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _spellchecker_words(language: str) -> dict[str, int]:
    from spellchecker import SpellChecker

    return dict(SpellChecker(language=language, distance=1).word_frequency.dictionary)


def _dutch() -> tuple[dict[str, str], str, int]:
    listed = _spellchecker_words("nl")
    counts: dict[str, int] = {}
    for word, count in listed.items():
        key = word if word.isascii() else plain(word)
        if key:
            counts[key] = counts.get(key, 0) + int(count)
    letters = "".join(sorted(set().union(*listed)))
    return {word: str(count) for word, count in counts.items()}, letters, max(map(len, listed))


def _english() -> dict[str, str]:
    return {word: "" for word in _spellchecker_words("en") if word}


def _lemmas() -> dict[str, str]:
    import srsly

    lookup = srsly.read_gzip_json(
        importlib.resources.files("spacy_lookups_data") / "data" / "nl_lemma_lookup.json.gz"
    )
    table: dict[str, str] = {}
    for form, lemma in lookup.items():
        if plain(form):
            table[plain(form)] = plain(lemma)
    return table
