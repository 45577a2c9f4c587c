"""Risk signals in the pattern of check-ins: low motivation twice, a goal that fails
twice. Pure rules; the caller stores the flags and tells the student.

What a student writes in a check-in is read like every other message (bot/risk), when
they write it: see actions/checkins.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.vocabulary import CheckInStatus, HandoffPriority, RiskKind

LOW_MOTIVATION = 2


@dataclass(frozen=True)
class CheckInFacts:
    goal_id: int
    status: CheckInStatus
    motivation: int


@dataclass(frozen=True)
class RiskSignal:
    kind: RiskKind
    priority: HandoffPriority


def risk_signals(new: CheckInFacts, earlier: Sequence[CheckInFacts]) -> tuple[RiskSignal, ...]:
    """The signals in a new check-in, given the student's earlier ones (newest first)."""
    signals = []
    if new.motivation <= LOW_MOTIVATION and earlier and earlier[0].motivation <= LOW_MOTIVATION:
        signals.append(RiskSignal(RiskKind.LOW_MOTIVATION, HandoffPriority.NORMAL))
    if new.status is CheckInStatus.NOT_WORKING and any(
        check_in.goal_id == new.goal_id and check_in.status is CheckInStatus.NOT_WORKING
        for check_in in earlier
    ):
        signals.append(RiskSignal(RiskKind.GOAL_STUCK, HandoffPriority.NORMAL))
    return tuple(signals)
