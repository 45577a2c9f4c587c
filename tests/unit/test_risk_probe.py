"""The acute word patterns against the probe in tests/unit/risk_probe/ (see its README):
nothing they caught may slip, and no more harmless messages may be flagged."""

from pathlib import Path

from bot.risk.patterns import find_signals
from bot.vocabulary import RiskKind

PROBE = Path(__file__).parent / "risk_probe"
# What the patterns reached on 2026-12-03; raise these as they improve.
ACUTE_CAUGHT_AT_LEAST = 106
HARMLESS_FLAGGED_AT_MOST = 10


def lines(name: str) -> list[str]:
    return [line.strip() for line in (PROBE / name).read_text("utf-8").splitlines() if line.strip()]


def acute(text: str) -> bool:
    return any(s.kind is RiskKind.ACUTE and not s.negated for s in find_signals(text))


def test_the_patterns_keep_catching_the_acute_probe():
    messages = lines("acute.txt")
    assert len(messages) == 160
    assert sum(map(acute, messages)) >= ACUTE_CAUGHT_AT_LEAST


def test_the_patterns_flag_no_more_harmless_messages_as_acute():
    messages = lines("not_acute.txt")
    assert len(messages) == 60
    assert sum(map(acute, messages)) <= HARMLESS_FLAGGED_AT_MOST
