"""Matching the word patterns of signals.yml on a message, with negation. Pure.

find_signals("ik word elke dag gepest")      -> bullying ("gepest")
find_signals("ik word niet gepest hoor")     -> bullying, negated
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.language.normalise import ReadWord, read
from bot.language.words import plain
from bot.vocabulary import RiskKind

SIGNALS_FILE = Path(__file__).resolve().parent / "signals.yml"
MAX_WORDS_BETWEEN = 2
# A negation word this many words before a pattern still negates it.
NEGATION_REACH = 3
NEGATIONS = frozenset({"niet", "geen", "nooit", "niemand", "niks", "niets", "nergens"})
# "niet alleen ..., maar", "niet normaal" (very), "niet zeker of": no negation.
NOT_NEGATING_AFTER = frozenset({"alleen", "normaal", "of", "zeker", "goed", "echt"})
END = "$"


@dataclass(frozen=True)
class Slot:
    words: frozenset[str]
    prefixes: tuple[str, ...]
    end: bool = False

    def matches(self, word: ReadWord) -> bool:
        forms = (word.written, word.norm, word.lemma)
        return any(form in self.words for form in forms) or any(
            form.startswith(prefix) for form in forms for prefix in self.prefixes
        )

    @property
    def negation_words(self) -> frozenset[str]:
        return self.words & NEGATIONS


@dataclass(frozen=True)
class Pattern:
    kind: RiskKind
    source: str
    slots: tuple[Slot, ...]

    @property
    def negation_words(self) -> frozenset[str]:
        return frozenset().union(*(slot.negation_words for slot in self.slots))


@dataclass(frozen=True)
class Signal:
    kind: RiskKind
    pattern: str
    words: str  # the words of the message that matched, as written
    negated: bool


def _slot(text: str) -> Slot:
    if text == END:
        return Slot(frozenset(), (), end=True)
    alternatives = [plain(alternative) for alternative in text.split("|")]
    return Slot(
        frozenset(a for a in alternatives if not a.endswith("*")),
        tuple(a[:-1] for a in alternatives if a.endswith("*")),
    )


def parse_pattern(kind: RiskKind, source: str) -> Pattern:
    return Pattern(kind, source, tuple(_slot(part) for part in source.split()))


UNLESS = "unless"


@cache
def _raw() -> dict:
    return yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8"))


@cache
def patterns() -> tuple[Pattern, ...]:
    return tuple(
        parse_pattern(RiskKind(kind), str(source))
        for kind, sources in _raw().items()
        if kind != UNLESS
        for source in sources
        if not isinstance(source, list)
    )


@cache
def together() -> tuple[tuple[Pattern, ...], ...]:
    """Patterns that signal only together, anywhere in one sentence (a list in
    signals.yml): "op het perron" and "springen" far apart are still a plan."""
    return tuple(
        tuple(parse_pattern(RiskKind(kind), str(part)) for part in source)
        for kind, sources in _raw().items()
        if kind != UNLESS
        for source in sources
        if isinstance(source, list)
    )


@cache
def exceptions() -> tuple[tuple[Pattern, ...], ...]:
    """Patterns that take away a kind's signal in their sentence (signals.yml `unless`):
    an entry is one pattern, or a list of patterns that must all be in the sentence."""
    return tuple(
        tuple(
            parse_pattern(RiskKind(kind), str(part))
            for part in (source if isinstance(source, list) else [source])
        )
        for kind, sources in (_raw().get(UNLESS) or {}).items()
        for source in sources
    )


def _forms(sentence: Sequence[ReadWord]) -> frozenset[str]:
    """Every form of every word of the sentence: as written, meant and its lemma."""
    return frozenset(form for word in sentence for form in (word.written, word.norm, word.lemma))


def _may_match(slot: Slot, forms: frozenset[str]) -> bool:
    """Whether some word of the sentence could fill the slot."""
    return (
        slot.end
        or not slot.words.isdisjoint(forms)
        or any(form.startswith(prefix) for prefix in slot.prefixes for form in forms)
    )


def _scan(pattern: Pattern, sentence: Sequence[ReadWord]) -> list[int] | None:
    for start in range(len(sentence)):
        positions = _match(pattern, sentence, start)
        if positions is not None and not _negated(pattern, sentence, positions):
            return positions
    return None


def _found(
    pattern: Pattern, sentence: Sequence[ReadWord], forms: frozenset[str] | None = None
) -> list[int] | None:
    """Where the pattern is in the sentence, not negated itself ("ik ga niet meer naar
    het roc" moves on to nothing); None when it is not. A pattern with a slot that no
    word of the sentence can fill is not looked for (most of them, in most sentences)."""
    forms = _forms(sentence) if forms is None else forms
    if not all(_may_match(slot, forms) for slot in pattern.slots):
        return None
    return _scan(pattern, sentence)


def _excepted(sentence: Sequence[ReadWord], forms: frozenset[str]) -> set[RiskKind]:
    return {
        parts[0].kind
        for parts in exceptions()
        if all(_found(pattern, sentence, forms) is not None for pattern in parts)
    }


def _match(pattern: Pattern, sentence: Sequence[ReadWord], start: int) -> list[int] | None:
    """Positions of the matched words when the pattern matches from `start`, else None."""
    positions: list[int] = []

    def extend(slot_index: int, from_position: int) -> bool:
        if slot_index == len(pattern.slots):
            return True
        slot = pattern.slots[slot_index]
        if slot.end:
            # The clause ends right after the last matched word.
            last = positions[-1]
            at_end = last + 1 == len(sentence) or sentence[last + 1].clause != sentence[last].clause
            return at_end and extend(slot_index + 1, from_position)
        reach = 0 if slot_index == 0 else MAX_WORDS_BETWEEN
        for position in range(from_position, min(len(sentence), from_position + reach + 1)):
            if slot.matches(sentence[position]):
                positions.append(position)
                if extend(slot_index + 1, position + 1):
                    return True
                positions.pop()
        return False

    return positions if extend(0, start) else None


def _is_negation(sentence: Sequence[ReadWord], position: int, allowed: frozenset[str]) -> bool:
    word = sentence[position].norm
    if word not in NEGATIONS or word in allowed:
        return False
    following = sentence[position + 1].norm if position + 1 < len(sentence) else ""
    return following not in NOT_NEGATING_AFTER


def _negated(pattern: Pattern, sentence: Sequence[ReadWord], positions: list[int]) -> bool:
    """A negation before the pattern or between its words; for a one-word pattern also
    right after it ("ik spijbel niet"), except for acute risk, where a doubt counts."""
    allowed = pattern.negation_words
    first, last = positions[0], positions[-1]
    clause = sentence[first].clause
    # A doubt before words of acute risk counts only right before them: "als ik niet
    # slaag, spring ik van de brug" is no negation of the jump.
    reach = 1 if pattern.kind is RiskKind.ACUTE else NEGATION_REACH
    before = range(max(0, first - reach), first)
    between = [p for p in range(first, last + 1) if p not in positions]
    after = (
        [last + 1]
        if len(pattern.slots) == 1
        and pattern.kind is not RiskKind.ACUTE
        and last + 1 < len(sentence)
        else []
    )
    return any(
        sentence[p].clause == clause and _is_negation(sentence, p, allowed)
        for p in (*before, *between, *after)
    )


def _sentences(words: Sequence[ReadWord]) -> list[list[ReadWord]]:
    grouped: dict[int, list[ReadWord]] = {}
    for word in words:
        grouped.setdefault(word.sentence, []).append(word)
    return list(grouped.values())


@cache
def _first_slot_index() -> tuple[dict[str, tuple[Pattern, ...]], tuple[tuple[str, Pattern], ...]]:
    """Patterns by the words their first slot takes, and those whose first slot is a prefix."""
    by_word: dict[str, list[Pattern]] = {}
    by_prefix: list[tuple[str, Pattern]] = []
    for pattern in patterns():
        first = pattern.slots[0]
        for word in first.words:
            by_word.setdefault(word, []).append(pattern)
        by_prefix.extend((prefix, pattern) for prefix in first.prefixes)
    return {word: tuple(found) for word, found in by_word.items()}, tuple(by_prefix)


def _candidates(word: ReadWord) -> list[Pattern]:
    by_word, by_prefix = _first_slot_index()
    forms = {word.written, word.norm, word.lemma}
    found = [pattern for form in forms for pattern in by_word.get(form, ())]
    found += [p for prefix, p in by_prefix if any(form.startswith(prefix) for form in forms)]
    return list(dict.fromkeys(found))


def find_signals(text: str | None) -> list[Signal]:
    """Every pattern that matches the message, once per pattern, negated or not."""
    found: dict[str, Signal] = {}
    for sentence in _sentences(read(text or "")):
        forms = _forms(sentence)
        excepted = _excepted(sentence, forms)
        for start, word in enumerate(sentence):
            for pattern in _candidates(word):
                positions = _match(pattern, sentence, start)
                if positions is None:
                    continue
                signal = Signal(
                    pattern.kind,
                    pattern.source,
                    " ".join(sentence[p].written for p in positions),
                    pattern.kind in excepted or _negated(pattern, sentence, positions),
                )
                # A pattern that matches once without negation counts as matched.
                earlier = found.get(pattern.source)
                if earlier is None or (earlier.negated and not signal.negated):
                    found[pattern.source] = signal
        for parts in together():
            places = [_found(pattern, sentence, forms) for pattern in parts]
            if all(place is not None for place in places) and parts[0].kind not in excepted:
                source = " + ".join(pattern.source for pattern in parts)
                words = " ... ".join(
                    " ".join(sentence[p].written for p in place) for place in places
                )
                found[source] = Signal(parts[0].kind, source, words, negated=False)
    return list(found.values())
