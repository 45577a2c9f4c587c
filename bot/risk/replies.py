"""What a person at risk reads, in order. Pure: the action passes what happened.

First words for what they said and a next step (by kind, and by who it is about), then
who will contact them and when. Crisis lines are always there for acute risk, also the
second time; other kinds get the full text once per conversation and a short line after.
An anonymous student is told once that logging in is possible, never that it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.content.catalog import text
from bot.escalation.handoffs import HandoffView
from bot.escalation.texts import risk_handoff_message
from bot.risk.voice import Voice
from bot.vocabulary import PersonRole, RiskKind


@dataclass(frozen=True)
class RiskSituation:
    kind: RiskKind
    voice: Voice
    role: PersonRole | None  # who is talking; None when anonymous
    earlier_kinds: frozenset[RiskKind]  # kinds this conversation told of before
    office_open: bool  # someone at school can act now


def audience(situation: RiskSituation) -> str:
    """ "parent" or "student": who reads the after-hours line."""
    return "parent" if situation.voice is Voice.PARENT else "student"


def risk_messages(situation: RiskSituation, handoff: HandoffView, now: datetime) -> list[str]:
    first = not situation.earlier_kinds
    messages = []
    if situation.kind not in situation.earlier_kinds or situation.kind is RiskKind.ACUTE:
        messages.append(text("risk", situation.kind.value, situation.voice.value))
    messages.append(risk_handoff_message(handoff, now))
    if first and not situation.office_open and situation.kind is not RiskKind.ACUTE:
        messages.append(text("risk_handoff", "after_hours", audience(situation)))
    if first and situation.role is None and situation.voice is Voice.SELF:
        messages.append(text("risk_handoff", "anonymous"))
    return messages


def unstored_risk_messages(kind: RiskKind, about: Voice, fate: str = "lost") -> list[str]:
    """When the handoff could not be stored (the database is down): the words and the
    crisis lines all the same, and honesty about school: it is passed on later ("kept")
    or the person is asked to try again ("lost")."""
    ending = "kept" if fate == "kept" else "not_stored"
    return [text("risk", kind.value, about.value), text("risk_handoff", ending)]
