"""The short conversation summary a coordinator sees: the last turns, as they were.

Only what was said, never a guess about what the user meant. Pure; the speakers'
names come from the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.catalog import text

MAX_TURNS = 8
MAX_CHARS_PER_TURN = 300
SPEAKERS = ("user", "bot")


def summarise(turns: Sequence[tuple[str, str]]) -> str:
    """Lines like "Gebruiker: ..." and "Bot: ..." for the last turns, each shortened."""
    lines = []
    for speaker, said in list(turns)[-MAX_TURNS:]:
        flat = " ".join(said.split())
        if len(flat) > MAX_CHARS_PER_TURN:
            flat = flat[: MAX_CHARS_PER_TURN - 1] + "…"
        name = text("inbox", "summary", speaker) if speaker in SPEAKERS else speaker
        lines.append(f"{name}: {flat}")
    return "\n".join(lines) or text("inbox", "summary", "empty")
