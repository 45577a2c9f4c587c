"""Entity patterns as data, and the mapping from any written variant to its canonical value."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PATTERNS_FILE = Path(__file__).resolve().parent / "entity_patterns.yml"


@dataclass(frozen=True)
class EntityPattern:
    label: str
    value: str
    variant: str


def load_patterns(path: Path = PATTERNS_FILE) -> list[EntityPattern]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    patterns = []
    for label, entries in raw.items():
        for entry in entries:
            value = str(entry["value"])
            variants = {str(variant).lower() for variant in entry["variants"]} | {value.lower()}
            patterns.extend(EntityPattern(label, value, variant) for variant in sorted(variants))
    return patterns


@lru_cache(maxsize=1)
def _canonical_index() -> dict[tuple[str, str], str]:
    return {(p.label, p.variant): p.value for p in load_patterns()}


def canonical_value(label: str, text: str) -> str | None:
    """The canonical value for an entity as written, or None when it is unknown."""
    normalised = " ".join(text.lower().split())
    return _canonical_index().get((label, normalised))
