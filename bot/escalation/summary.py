"""The short conversation summary a coordinator sees: the last turns, as they were.

Only what was said, never a guess about what the user meant. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_TURNS = 8
MAX_CHARS_PER_TURN = 300
SPEAKERS = {"user": "Gebruiker", "bot": "Bot"}


def summarise(turns: Sequence[tuple[str, str]]) -> str:
    """Lines like "Gebruiker: ..." and "Bot: ..." for the last turns, each shortened."""
    lines = []
    for speaker, text in list(turns)[-MAX_TURNS:]:
        flat = " ".join(text.split())
        if len(flat) > MAX_CHARS_PER_TURN:
            flat = flat[: MAX_CHARS_PER_TURN - 1] + "…"
        lines.append(f"{SPEAKERS.get(speaker, speaker)}: {flat}")
    return "\n".join(lines) or "(geen eerdere berichten)"
