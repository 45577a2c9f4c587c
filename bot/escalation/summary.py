"""The conversation as a coordinator reads it: the turns as a person would tell them,
and the short summary of the last ones stored with a handoff.

Only what was said, never a guess about what the user meant. A button's payload
("/choose_answer{...}") reads as the button's title; the widget's opening "/greet" and
intents the system triggered over Rasa's API ("EXTERNAL: coordinator_reply") are no
turns at all. Pure; the speakers' names come from the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from bot.content.catalog import text

MAX_TURNS = 8
MAX_CHARS_PER_TURN = 300
SPEAKERS = ("user", "bot")
# How Rasa writes an intent triggered over its HTTP API into the conversation.
EXTERNAL_PREFIX = "EXTERNAL: "


class Turn(NamedTuple):
    speaker: str  # "user" or "bot"
    text: str
    timestamp: float | None = None  # seconds since the epoch, as Rasa stores it


def readable_turns(events: Iterable[Mapping]) -> list[Turn]:
    """The user's and the bot's turns, oldest first, from Rasa's events (as dicts)."""
    turns: list[Turn] = []
    titles: dict[str, str] = {}  # payload -> title of every button shown so far
    for event in events:
        said = str(event.get("text") or "").strip()
        if event.get("event") == "bot":
            data = event.get("data") or {}
            for button in data.get("buttons") or [] if isinstance(data, Mapping) else []:
                if isinstance(button, Mapping) and button.get("payload"):
                    titles[str(button["payload"])] = str(button.get("title") or "")
            if said:
                turns.append(Turn("bot", said, event.get("timestamp")))
        elif event.get("event") == "user" and said and not said.startswith(EXTERNAL_PREFIX):
            if said.startswith("/"):
                said = titles.get(said, "")
            if said:
                turns.append(Turn("user", said, event.get("timestamp")))
    return turns


def one_line(text: str, limit: int) -> str:
    """The text on one line, cut with "…" at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summarise(turns: Sequence[Turn]) -> str:
    """Lines like "Gebruiker: ..." and "Bot: ..." for the last turns, each shortened."""
    lines = []
    for speaker, said, _ in list(turns)[-MAX_TURNS:]:
        flat = one_line(said, MAX_CHARS_PER_TURN)
        name = text("inbox", "summary", speaker) if speaker in SPEAKERS else speaker
        lines.append(f"{name}: {flat}")
    return "\n".join(lines) or text("inbox", "summary", "empty")


PREVIEW_CHARS = 90


def preview_of(summary: str) -> str:
    """The last thing the user said in a stored summary, on one short line; empty when
    they said nothing yet."""
    prefix = f"{text('inbox', 'summary', 'user')}: "
    said = [line[len(prefix) :] for line in summary.splitlines() if line.startswith(prefix)]
    if not said:
        return ""
    return one_line(said[-1], PREVIEW_CHARS)
