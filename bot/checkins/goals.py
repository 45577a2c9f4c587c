"""The route's interim goals as data (goals.yml), loaded into the database.

Coordinators change goals.yml and run `python -m bot load-goals`; a goal keeps its
code, so check-ins on it stay attached. A goal removed from the file is deactivated,
never deleted, because check-ins refer to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import BuildingBlock, InterimGoal, Route

GOALS_FILE = Path(__file__).resolve().parent / "goals.yml"
SCHOOL_YEAR_START = (9, 1)  # month, day: route goals count their weeks from here by default


@dataclass(frozen=True)
class GoalDefinition:
    code: str
    phase: str
    bouwsteen: str
    due_week: int
    title: str
    description: str


@dataclass(frozen=True)
class GoalFile:
    route: str
    goals: tuple[GoalDefinition, ...]


def load_goal_file(path: Path = GOALS_FILE) -> GoalFile:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    goals = tuple(
        GoalDefinition(
            code=entry["code"],
            phase=entry["phase"],
            bouwsteen=entry["bouwsteen"],
            due_week=int(entry["due_week"]),
            title=entry["title"].strip(),
            description=entry.get("description", "").strip(),
        )
        for entry in data["goals"]
    )
    codes = [goal.code for goal in goals]
    if len(codes) != len(set(codes)):
        raise ValueError(f"{path}: goal codes must be unique")
    return GoalFile(route=data["route"], goals=goals)


@dataclass(frozen=True)
class GoalSync:
    added: int
    updated: int
    deactivated: int


def sync_route_goals(session: Session, goal_file: GoalFile | None = None) -> GoalSync:
    """Makes the route goals in the database match the file."""
    goal_file = goal_file or load_goal_file()
    route = session.scalar(select(Route).where(Route.code == goal_file.route))
    if route is None:
        raise LookupError(f"route {goal_file.route!r} is not in the database; seed it first")
    phases = {phase.code: phase for phase in route.phases}
    blocks = {block.code: block for block in session.scalars(select(BuildingBlock))}
    existing = {
        goal.code: goal
        for goal in session.scalars(
            select(InterimGoal).where(
                InterimGoal.code.is_not(None),
                InterimGoal.phase_id.in_([phase.id for phase in phases.values()]),
            )
        )
    }
    added = updated = 0
    for definition in goal_file.goals:
        if definition.phase not in phases or definition.bouwsteen not in blocks:
            raise LookupError(f"goal {definition.code}: unknown phase or bouwsteen")
        values = {
            "phase_id": phases[definition.phase].id,
            "building_block_id": blocks[definition.bouwsteen].id,
            "title": definition.title,
            "description": definition.description,
            "due_week_in_phase": definition.due_week,
            "active": True,
        }
        goal = existing.pop(definition.code, None)
        if goal is None:
            session.add(InterimGoal(code=definition.code, **values))
            added += 1
        elif any(getattr(goal, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(goal, name, value)
            updated += 1
    for goal in existing.values():
        if goal.active:
            goal.active = False
    session.flush()
    return GoalSync(
        added=added, updated=updated, deactivated=sum(1 for g in existing.values() if not g.active)
    )


def school_year_start(today: date) -> date:
    """1 September of the school year that `today` falls in (summer belongs to the next)."""
    month, day = SCHOOL_YEAR_START
    year = today.year if (today.month, today.day) >= (8, 1) else today.year - 1
    return date(year, month, day)


def due_date(goal: InterimGoal, phase_started_on: date | None, today: date) -> date | None:
    """A personal goal's own date, or the phase start plus the route goal's weeks."""
    if goal.due_date is not None:
        return goal.due_date
    if goal.due_week_in_phase is None:
        return None
    start = phase_started_on or school_year_start(today)
    return start + timedelta(weeks=goal.due_week_in_phase)
