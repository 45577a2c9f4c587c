"""Merging proposed examples into the training data, and deciding whether a model
trained on it may go live. Pure: text in, text out, and a verdict from numbers; the
files, the training and the benchmarks are infra/teaching.py's."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

_INTENT_LINE = re.compile(r"^  - intent: (?P<intent>\S+)\s*$")
_EXAMPLE_LINE = re.compile(r"^      - (?P<text>.*)$")


def intents_in(nlu_text: str) -> dict[str, list[str]]:
    """The intents of one data/nlu file and their examples, as the file writes them."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in nlu_text.splitlines():
        intent = _INTENT_LINE.match(line)
        if intent:
            current = found.setdefault(intent.group("intent"), [])
            continue
        example = _EXAMPLE_LINE.match(line)
        if example and current is not None:
            current.append(example.group("text").strip())
        elif line.startswith("  - ") and not line.startswith("      "):
            current = None  # another kind of block (a synonym, a regex)
    return found


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class MergePlan:
    # file name -> intent -> the examples to add there
    additions: Mapping[str, Mapping[str, Sequence[str]]]
    unknown_intents: tuple[str, ...] = ()  # no file trains them: not merged
    already_known: int = 0  # examples the training data holds already
    conflicting: tuple[str, ...] = ()  # proposed for two intents: left for a person

    @property
    def added(self) -> int:
        return sum(
            len(texts) for by_intent in self.additions.values() for texts in by_intent.values()
        )


def plan_merge(proposals: Mapping[str, Sequence[str]], files: Mapping[str, str]) -> MergePlan:
    """Where each proposed example goes: the file that trains its intent, unless the
    training data already holds it (in any intent: the same words twice, for two
    intents, would teach nothing), or it was proposed for two intents."""
    intents_of: dict[str, set[str]] = {}
    for intent, texts in proposals.items():
        for text in texts:
            intents_of.setdefault(_normal(text), set()).add(intent)
    conflicting = {text for text, intents in intents_of.items() if len(intents) > 1}
    by_file = {name: intents_in(text) for name, text in files.items()}
    home = {intent: name for name, intents in by_file.items() for intent in intents}
    known = {
        _normal(text)
        for intents in by_file.values()
        for texts in intents.values()
        for text in texts
    }
    additions: dict[str, dict[str, list[str]]] = {}
    unknown, repeated = [], 0
    for intent in sorted(proposals):
        if intent not in home:
            unknown.append(intent)
            continue
        for text in proposals[intent]:
            if _normal(text) in conflicting:
                continue
            if _normal(text) in known:
                repeated += 1
                continue
            known.add(_normal(text))
            additions.setdefault(home[intent], {}).setdefault(intent, []).append(text)
    return MergePlan(additions, tuple(unknown), repeated, tuple(sorted(conflicting)))


def _yaml_line(text: str) -> str:
    """An example as a line of a YAML literal block: one line, no trailing spaces."""
    return " ".join(text.split())


def insert_examples(nlu_text: str, intent: str, texts: Sequence[str]) -> str:
    """The file with the examples added at the end of the intent's block; the rest of
    the file (comments, order, layout) as it was."""
    lines = nlu_text.splitlines()
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if (m := _INTENT_LINE.match(line)) and m.group("intent") == intent
        ),
        None,
    )
    if start is None:
        raise ValueError(f"intent {intent} is not in this file")
    last = start
    for i in range(start + 1, len(lines)):
        if _EXAMPLE_LINE.match(lines[i]):
            last = i
        elif lines[i].startswith("  - ") or (lines[i] and not lines[i].startswith(" ")):
            break
    new = [f"      - {_yaml_line(text)}" for text in texts]
    merged = [*lines[: last + 1], *new, *lines[last + 1 :]]
    return "\n".join(merged) + ("\n" if nlu_text.endswith("\n") else "")


@dataclass(frozen=True)
class Verdict:
    goes_live: bool
    scores: Mapping[str, float]
    bars: Mapping[str, float]
    # (name, score, bar) for every benchmark figure below its bar
    below: tuple[tuple[str, float, float], ...] = field(default=())
    # figures where a lower number is better (false alarms, silent replies)
    lower_is_better: frozenset[str] = field(default=frozenset())


LOWER_IS_BETTER = frozenset({"blind_false_alarm", "blind_silent"})


def judge(scores: Mapping[str, float], bars: Mapping[str, float]) -> Verdict:
    """Live only when every figure holds its bar; a figure without a score fails."""
    below = []
    for name, bar in sorted(bars.items()):
        score = scores.get(name)
        if score is None:
            below.append((name, float("nan"), bar))
        elif name in LOWER_IS_BETTER:
            if score > bar:
                below.append((name, score, bar))
        elif score < bar:
            below.append((name, score, bar))
    return Verdict(not below, dict(scores), dict(bars), tuple(below), LOWER_IS_BETTER)
