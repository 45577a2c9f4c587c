"""Progress in a phase, the weekly check-in streak, the next goal and milestones.

Pure functions over plain values, so the arithmetic is tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

PERSONAL = "eigen"  # the block name for a student's own goals
STREAK_MILESTONES = (4, 8, 12, 20, 30)


@dataclass(frozen=True)
class GoalState:
    goal_id: int
    title: str
    block: str  # a bouwsteen code, or PERSONAL
    due: date | None
    achieved: bool


@dataclass(frozen=True)
class BlockProgress:
    block: str
    done: int
    total: int


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    blocks: tuple[BlockProgress, ...]
    streak_weeks: int
    next_goal: GoalState | None


def block_progress(
    goals: Iterable[GoalState], block_order: Iterable[str]
) -> tuple[BlockProgress, ...]:
    """Done and total per block, in the given order, personal goals last."""
    goals = list(goals)
    present = {goal.block for goal in goals}
    known = list(block_order)
    order = [*known, *sorted(present - set(known) - {PERSONAL}), PERSONAL]
    return tuple(
        BlockProgress(
            block=block,
            done=sum(1 for goal in goals if goal.block == block and goal.achieved),
            total=sum(1 for goal in goals if goal.block == block),
        )
        for block in order
        if block in present
    )


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def streak_weeks(check_in_days: Iterable[date], today: date) -> int:
    """Weeks in a row with at least one check-in.

    The current week counts when it has a check-in; without one the streak is not
    broken yet, and counts back from last week.
    """
    weeks = {_week(day) for day in check_in_days if day <= today}
    week = _week(today)
    if week not in weeks:
        week -= timedelta(weeks=1)
    streak = 0
    while week in weeks:
        streak += 1
        week -= timedelta(weeks=1)
    return streak


def next_goal(goals: Iterable[GoalState], today: date) -> GoalState | None:
    """The open goal to work on next: the first one due from today, else the oldest overdue."""
    open_goals = [goal for goal in goals if not goal.achieved]
    upcoming = sorted(
        (goal for goal in open_goals if goal.due is None or goal.due >= today),
        key=lambda goal: (goal.due is None, goal.due or today, goal.goal_id),
    )
    overdue = sorted(
        (goal for goal in open_goals if goal.due is not None and goal.due < today),
        key=lambda goal: (goal.due, goal.goal_id),
    )
    return (upcoming or overdue or [None])[0]


def progress(
    goals: Iterable[GoalState],
    check_in_days: Iterable[date],
    today: date,
    block_order: Iterable[str] = (),
) -> Progress:
    goals = list(goals)
    return Progress(
        done=sum(1 for goal in goals if goal.achieved),
        total=len(goals),
        blocks=block_progress(goals, block_order),
        streak_weeks=streak_weeks(check_in_days, today),
        next_goal=next_goal(goals, today),
    )


def milestones(before: Progress, after: Progress, *, first_check_in: bool) -> tuple[str, ...]:
    """What this check-in reached that deserves a short celebration (keys of messages.yml)."""
    reached = []
    if first_check_in:
        reached.append("first_check_in")
    finished = {block.block for block in after.blocks if block.total and block.done == block.total}
    was_finished = {
        block.block for block in before.blocks if block.total and block.done == block.total
    }
    if after.total and after.done == after.total and before.done < before.total:
        reached.append("phase_complete")
    else:
        if finished - was_finished:
            reached.append("block_complete")
        if after.total and before.done * 2 < before.total <= after.done * 2:
            reached.append("half_way")
    if after.streak_weeks in STREAK_MILESTONES and after.streak_weeks > before.streak_weeks:
        reached.append("streak")
    return tuple(reached)


def goals_to_offer(
    open_goals: Iterable[GoalState], *, nudged_goal_id: int | None, limit: int
) -> list[GoalState]:
    """The goals a check-in offers, in the order they are numbered: the goal the
    student was last reminded of, then their own goals, then the route's goals, the
    next one due first (as given); at most `limit`."""
    goals = list(open_goals)
    nudged = [goal for goal in goals if goal.goal_id == nudged_goal_id]
    own = [goal for goal in goals if goal.block == PERSONAL and goal not in nudged]
    rest = [goal for goal in goals if goal not in nudged and goal not in own]
    return [*nudged, *own, *rest][:limit]
