"""Entity patterns as data, and the mapping from any written variant to its canonical value."""

from __future__ import annotations

from collections.abc import Iterable
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


@lru_cache(maxsize=1)
def _phase_codes() -> frozenset[str]:
    return frozenset(p.value for p in load_patterns() if p.label == "phase")


def resolve_entities(found: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Canonical value per entity label, from (label, text as written) pairs.

    The first mention of a label wins; unknown texts are dropped. A school year with a
    level ("klas 4" and "vmbo") also gives the phase ("vmbo4") when no phase was named.
    """
    resolved: dict[str, str] = {}
    for label, text in found:
        value = canonical_value(label, str(text))
        if value is not None:
            resolved.setdefault(label, value)
    if "phase" not in resolved and {"level", "school_year"} <= resolved.keys():
        phase = f"{resolved['level']}{resolved['school_year']}"
        if phase in _phase_codes():
            resolved["phase"] = phase
    return resolved
