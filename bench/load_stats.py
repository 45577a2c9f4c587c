"""Figures of a load run, as pure functions: percentiles, throughput, growth, ratios."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """One message of one simulated user: its place in the conversation and how it went."""

    user: int
    number: int  # 1 for the conversation's first message
    seconds: float
    ok: bool
    said: str = ""  # the message sent
    answer: str = ""  # the start of the first reply, to see that real answers came


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95 for p95); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(n * share), at least 1
    return ordered[int(rank) - 1]


def summarise(turns: Sequence[Turn], wall_seconds: float) -> dict[str, float | int]:
    """Latency of the answered messages (ms), messages answered per second, errors."""
    answered = [turn.seconds * 1000 for turn in turns if turn.ok]
    return {
        "messages": len(turns),
        "errors": sum(not turn.ok for turn in turns),
        # The mean beside the median: a server that serves some users first and keeps
        # others waiting has a low median and a long tail.
        "mean_ms": round(statistics.fmean(answered), 1) if answered else 0.0,
        "p50_ms": round(percentile(answered, 0.50), 1),
        "p95_ms": round(percentile(answered, 0.95), 1),
        "p99_ms": round(percentile(answered, 0.99), 1),
        "messages_per_s": round(len(answered) / wall_seconds, 2) if wall_seconds > 0 else 0.0,
    }


def growth(turns: Sequence[Turn], window: int = 10) -> dict[str, float]:
    """How latency grows along one conversation: the median of its last `window` turns
    over the median of its first `window` (1.0: no growth)."""
    ordered = sorted((turn for turn in turns if turn.ok), key=lambda turn: turn.number)
    if len(ordered) < 2 * window:
        window = max(1, len(ordered) // 2)
    first = statistics.median(turn.seconds * 1000 for turn in ordered[:window])
    last = statistics.median(turn.seconds * 1000 for turn in ordered[-window:])
    return {
        "first_turns_p50_ms": round(first, 1),
        "last_turns_p50_ms": round(last, 1),
        "last_over_first": ratio(last, first),
    }


def median_growth(growths: Sequence[dict[str, float]]) -> dict[str, float]:
    """Of the growth of several conversations, the median one (by last over first; the
    lower of the middle two for an even number)."""
    ordered = sorted(growths, key=lambda found: found["last_over_first"])
    return ordered[(len(ordered) - 1) // 2]


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else float("inf")
