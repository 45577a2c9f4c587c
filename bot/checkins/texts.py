"""Dutch texts for check-ins, progress and nudges, from bot/content/messages.yml. Pure."""

from __future__ import annotations

from datetime import date

from bot.checkins.nudges import PendingNudge
from bot.checkins.progress import PERSONAL, GoalState, Progress
from bot.checkins.records import CheckInOutcome
from bot.content.catalog import text
from bot.language.dates import format_day


def _title(goal: GoalState) -> str:
    title = goal.title.strip()
    return title if title.endswith((".", "!", "?")) else f"{title}."


def progress_lines(
    progress: Progress,
    *,
    audience: str,
    name: str,
    phase: str,
    block_names: dict[str, str],
    today: date,
) -> list[str]:
    """Header, total, one line per block, streak and the next goal."""
    if progress.total == 0:
        return [text("progress", "no_goals", audience, name=name)]
    names = {**block_names, PERSONAL: text("personal_goals_block")}
    lines = [
        text("progress", "header", audience, name=name, phase=phase),
        *(
            text("progress", "block", block=names.get(b.block, b.block), done=b.done, total=b.total)
            for b in progress.blocks
        ),
        # A blank line ends the list: the chat widget renders Markdown, where the next
        # line would otherwise run on in the last list item.
        "",
        text("progress", "total", audience, name=name, done=progress.done, total=progress.total),
    ]
    if progress.streak_weeks >= 2:
        lines.append(text("progress", "streak", audience, name=name, weeks=progress.streak_weeks))
    elif progress.streak_weeks == 1:
        lines.append(text("progress", "streak_this_week", audience, name=name))
    goal = progress.next_goal
    if goal is None:
        lines.append(text("progress", "all_done", audience, name=name))
    elif goal.due is not None:
        key = "next_goal" if goal.due >= today else "next_goal_overdue"
        lines.append(
            text(
                "progress",
                key,
                audience,
                name=name,
                title=_title(goal),
                date=format_day(goal.due, today),
            )
        )
    return lines


def check_in_messages(outcome: CheckInOutcome, *, today: date) -> list[str]:
    """What the student reads after a check-in: thanks, celebration, progress, and risk."""
    if outcome.duplicate:
        return [text("checkin", "already_saved")]
    messages = [text("checkin", "saved")]
    messages += [
        text("milestone", key, weeks=outcome.progress.streak_weeks) for key in outcome.milestones
    ]
    messages.append(
        "\n".join(
            progress_lines(
                outcome.progress,
                audience="student",
                name=outcome.first_name,
                phase=outcome.phase_name,
                block_names=outcome.block_names,
                today=today,
            )
        )
    )
    if outcome.risks:
        messages.append(text("checkin", "risk"))
    return messages


def nudge_message(nudge: PendingNudge, today: date) -> str:
    title = nudge.goal_title if nudge.goal_title.endswith(".") else f"{nudge.goal_title}."
    return text("nudge", name=nudge.first_name, title=title, date=format_day(nudge.due, today))


def goal_saved_message(goal: GoalState, today: date) -> str:
    return text("goal", "saved", title=_title(goal), date=format_day(goal.due, today))
