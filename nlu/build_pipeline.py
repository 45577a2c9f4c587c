"""Builds the Dutch spaCy pipeline that Rasa's SpacyNLP loads by path.

Everything is local: a blank Dutch pipeline (its tokenizer) and an entity ruler from
entity_patterns.yml. Nothing is downloaded. No lemmatizer: nlu/spelling.py gives every
token with a letter or digit its lemma from bot/language (the same table), and any other
token's lemma is its text either way; spaCy's copy of the table took some 90 MB in the
Rasa server.

    python -m nlu.build_pipeline --output models/spacy_nl

It also builds the word lists of bot/language (models/word_lists/), so no process that
reads Dutch builds them itself (their JSON sources take some 200 MB while they load).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import spacy
from spacy.language import Language

from bot.language import word_lists
from bot.language.entities import PATTERNS_FILE, load_patterns

PIPELINE_NAME = "toptraject_nl"


def build_pipeline(patterns_file: Path = PATTERNS_FILE) -> Language:
    nlp = spacy.blank("nl")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "Blank Dutch pipeline, Toptraject entity ruler"
    # LOWER makes the phrase patterns case-insensitive; the tokenizer splits them as it
    # splits user text, so multi-word names match token by token.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(
        [
            {"label": pattern.label, "pattern": pattern.variant, "id": pattern.value}
            for pattern in load_patterns(patterns_file)
        ]
    )
    return nlp


def write_pipeline(output: Path) -> None:
    """Writes the pipeline to a temporary folder first, so a failed build leaves no half model."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        staged = Path(scratch) / "pipeline"
        build_pipeline().to_disk(staged)
        if output.exists():
            shutil.rmtree(output)
        staged.rename(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("models/spacy_nl"))
    parser.add_argument("--word-lists", type=Path, default=word_lists.DEFAULT_FOLDER)
    args = parser.parse_args()
    word_lists.build(args.word_lists, replace_current=True)
    print(f"Word lists written to {args.word_lists}")
    write_pipeline(args.output)
    print(f"spaCy pipeline written to {args.output}")


if __name__ == "__main__":
    main()
