"""A small inline SVG line chart of motivation (1-5) over time. Pure; numbers only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 120, 30, 3


def motivation_chart(points: Sequence[tuple[date, int]]) -> Markup:
    if not points:
        return Markup('<span class="muted">nog geen check-ins</span>')
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    coordinates = []
    for day, score in points:
        x = PAD + (WIDTH - 2 * PAD) * ((day - first).days / span if len(points) > 1 else 0.5)
        y = PAD + (HEIGHT - 2 * PAD) * (5 - min(max(score, 1), 5)) / 4
        coordinates.append(f"{x:.1f},{y:.1f}")
    label = ", ".join(f"{day.strftime('%d-%m')}: {score}" for day, score in points)
    line = " ".join(coordinates)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Motivatie {Markup.escape(label)}">'
        f'<polyline fill="none" stroke="#0b3d91" stroke-width="2" points="{line}"/>'
        + "".join(
            f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="2" fill="#0b3d91"/>'
            for c in coordinates
        )
        + "</svg>"
    )
