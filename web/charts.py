"""Motivation over time for the overview's charts (drawn in the page by Chart.js,
served from web/static/vendor). Pure: the points and a Dutch text for those who do
not see the chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.language.dates import format_day


def chart_points(points: Sequence[tuple[date, int]]) -> list[tuple[str, int]]:
    """One point per check-in: its day (ISO) and the motivation (1-5)."""
    return [(day.isoformat(), score) for day, score in points]


def chart_text(points: Sequence[tuple[date, int]], today: date) -> str:
    """ "12 november: 2, 19 november: 3" for a screen reader and without JavaScript."""
    return ", ".join(f"{format_day(day, today)}: {score}" for day, score in points)
