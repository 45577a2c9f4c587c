"""Builds the Dutch spaCy pipeline that Rasa's SpacyNLP loads by path.

Everything is local: a blank Dutch pipeline, the lookup lemmatizer from the
spacy-lookups-data package and an entity ruler from entity_patterns.yml.
Nothing is downloaded.

    python -m nlu.build_pipeline --output models/spacy_nl
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import spacy
from spacy.language import Language

from bot.language.entities import PATTERNS_FILE, load_patterns

PIPELINE_NAME = "toptraject_nl"


def build_pipeline(patterns_file: Path = PATTERNS_FILE) -> Language:
    nlp = spacy.blank("nl")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "Blank Dutch pipeline, lookup lemmatizer, Toptraject entity ruler"
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Loads the lemma lookup table from spacy-lookups-data. It must come before the
    # ruler's patterns, which are run through the pipeline as they are added.
    nlp.initialize()
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
    args = parser.parse_args()
    write_pipeline(args.output)
    print(f"spaCy pipeline written to {args.output}")


if __name__ == "__main__":
    main()
