"""Labelled review messages as proposed training examples: a YAML file in the format
of data/nlu (Rasa 3.1), for a maintainer to read, edit and merge. It lives outside
data/, which Rasa reads whole."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import ReviewMessage
from bot.teaching.review import NEW_QUESTION
from bot.vocabulary import ReviewStatus

PROPOSALS_FILE = Path("review") / "proposed_examples.yml"


def take_labelled(session: Session, *, now: datetime) -> dict[str, list[str]]:
    """The examples coordinators labelled with a known answer, by label, each text
    once; they are marked exported. "New question" labels stay for the content team."""
    items = session.scalars(
        select(ReviewMessage)
        .where(
            ReviewMessage.status == ReviewStatus.LABELLED,
            ReviewMessage.label != NEW_QUESTION,
        )
        .order_by(ReviewMessage.id)
    ).all()
    examples: dict[str, list[str]] = {}
    for item in items:
        texts = examples.setdefault(item.label, [])
        if item.text not in texts:
            texts.append(item.text)
        item.status = ReviewStatus.EXPORTED
    session.flush()
    return examples


def merged_with(
    existing: Mapping[str, Sequence[str]], new: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Examples of an earlier file and new ones, each text once per label."""
    merged = {label: list(texts) for label, texts in existing.items()}
    for label, texts in new.items():
        kept = merged.setdefault(label, [])
        kept.extend(text for text in texts if text not in kept)
    return merged


def render_nlu(examples: Mapping[str, Sequence[str]]) -> str:
    """Rasa's NLU YAML for these examples, labels in order."""
    lines = [
        "# Proposed training examples from the inbox's review list (python -m bot",
        "# teach-export). Delete what should not be learned; `python -m bot teach-merge`",
        "# merges the rest into data/nlu.",
        'version: "3.1"',
        "nlu:",
    ]
    for label in sorted(examples):
        lines.append(f"  - intent: {label}")
        lines.append("    examples: |")
        lines.extend(f"      - {_one_line(text)}" for text in examples[label])
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read_nlu(path: Path) -> dict[str, list[str]]:
    """The examples of a proposals file (or any NLU file), by intent."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        texts = [
            line.strip()[2:].strip()
            for line in str(block.get("examples") or "").splitlines()
            if line.strip().startswith("- ")
        ]
        found.setdefault(block["intent"], []).extend(texts)
    return found
