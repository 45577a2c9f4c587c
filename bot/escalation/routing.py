"""Who answers a handoff. Pure: the caller passes the facts and the coordinators.

Level 1 is a coordinator of the student's current school, chosen by the level of the
student's phase (vmbo, mbo or hbo); level 2 is the region's chain coordinator. An
anonymous conversation, or a guardian whose child is unknown, goes to level 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.vocabulary import SchoolLevel

SCHOOL_LEVEL = 1
REGION_LEVEL = 2


@dataclass(frozen=True)
class CoordinatorInfo:
    id: int
    name: str
    region_id: int
    ladder_level: int
    school_id: int | None = None
    school_level: SchoolLevel | None = None
    school_name: str | None = None
    active: bool = True


@dataclass(frozen=True)
class HandoffSubject:
    """The student a handoff is about, if known."""

    region_id: int
    school_id: int | None = None
    phase_level: SchoolLevel | None = None


@dataclass(frozen=True)
class Assignment:
    coordinator: CoordinatorInfo | None  # None: nobody is configured; the region must act
    ladder_level: int
    school_id: int | None


def regional_coordinator(
    region_id: int, coordinators: Iterable[CoordinatorInfo]
) -> CoordinatorInfo | None:
    return next(
        (
            c
            for c in sorted(coordinators, key=lambda c: c.id)
            if c.active and c.ladder_level == REGION_LEVEL and c.region_id == region_id
        ),
        None,
    )


def route(subject: HandoffSubject, coordinators: Iterable[CoordinatorInfo]) -> Assignment:
    """The coordinator for a new handoff about `subject`."""
    coordinators = [c for c in coordinators if c.active]
    school_level = [c for c in coordinators if c.ladder_level == SCHOOL_LEVEL]
    if subject.school_id is not None and subject.phase_level is not None:
        # The student's own school, when it teaches the phase they are in.
        own = [
            c
            for c in school_level
            if c.school_id == subject.school_id and c.school_level is subject.phase_level
        ]
        # Otherwise a school of the right level in the region (a vmbo pupil in the
        # mbo year of the route whose record still names the vmbo school).
        same_level = [
            c
            for c in school_level
            if c.region_id == subject.region_id and c.school_level is subject.phase_level
        ]
        for candidates in (own, same_level):
            if candidates:
                chosen = min(candidates, key=lambda c: c.id)
                return Assignment(chosen, SCHOOL_LEVEL, chosen.school_id)
    return Assignment(
        regional_coordinator(subject.region_id, coordinators), REGION_LEVEL, subject.school_id
    )
