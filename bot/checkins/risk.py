"""Risk signals in check-ins: low motivation twice, a goal that fails twice, words about
quitting or distress. Pure rules; the caller stores the flags and tells the student.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.checkins.answers import normalise
from bot.db.models import CheckInStatus, HandoffPriority, RiskKind

LOW_MOTIVATION = 2

# Matched on normalised text (lower case, no accents or punctuation) as whole phrases.
DISTRESS_PHRASES = (
    "ik wil dood",
    "wil dood",
    "dood willen",
    "zelfmoord",
    "suicide",
    "suicidaal",
    "mezelf iets aandoen",
    "mijzelf iets aandoen",
    "mezelf pijn doen",
    "niet meer leven",
    "niet meer wakker worden",
    "ik zie het niet meer zitten",
    "zie het niet meer zitten",
    "ik kan niet meer",
    "het heeft geen zin meer",
    "heeft allemaal geen zin",
    "ik word mishandeld",
    "ik word geslagen",
)
QUITTING_PHRASES = (
    "stoppen met school",
    "stoppen met mijn opleiding",
    "stoppen met de opleiding",
    "stoppen met mijn studie",
    "stop met school",
    "stop met mijn opleiding",
    "stop met mijn studie",
    "ik stop ermee",
    "ik kap ermee",
    "ik kap met school",
    "van school af",
    "van school gaan",
    "afhaken",
    "ik haak af",
    "geen zin meer in school",
    "ga niet meer naar school",
    "ik spijbel",
    "ik word gepest",
    "word gepest",
)


@dataclass(frozen=True)
class CheckInFacts:
    goal_id: int
    status: CheckInStatus
    motivation: int


@dataclass(frozen=True)
class RiskSignal:
    kind: RiskKind
    priority: HandoffPriority


def _mentions(text: str, phrases: Sequence[str]) -> bool:
    padded = f" {normalise(text)} "
    return any(f" {phrase} " in padded for phrase in phrases)


def mentions_distress(text: str) -> bool:
    return _mentions(text, DISTRESS_PHRASES)


def risk_signals(
    new: CheckInFacts, earlier: Sequence[CheckInFacts], free_text: str
) -> tuple[RiskSignal, ...]:
    """The signals in a new check-in, given the student's earlier ones (newest first)."""
    signals = []
    if _mentions(free_text, DISTRESS_PHRASES):
        signals.append(RiskSignal(RiskKind.DISTRESS, HandoffPriority.URGENT))
    if _mentions(free_text, QUITTING_PHRASES):
        signals.append(RiskSignal(RiskKind.QUITTING, HandoffPriority.NORMAL))
    if new.motivation <= LOW_MOTIVATION and earlier and earlier[0].motivation <= LOW_MOTIVATION:
        signals.append(RiskSignal(RiskKind.LOW_MOTIVATION, HandoffPriority.NORMAL))
    if new.status is CheckInStatus.NOT_WORKING and any(
        check_in.goal_id == new.goal_id and check_in.status is CheckInStatus.NOT_WORKING
        for check_in in earlier
    ):
        signals.append(RiskSignal(RiskKind.GOAL_STUCK, HandoffPriority.NORMAL))
    return tuple(signals)
