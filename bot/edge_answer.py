"""Which messages the chat channel answers itself, before Rasa does any work on them.

A message longer than the limit was cut at the edge (bot.input_check.at_the_edge). The
first one from a sender goes on to the assistant: its language model reads the first
1,000 characters, so a long message from someone in distress is read for risk by the
model too, not only by the word patterns. Another long message from the same sender
within REPEAT_WINDOW is answered by the channel at once ("can you ask it in a few
sentences?"), unless its words signal risk: a flood of long messages costs
microseconds, not a fifth of a second of everyone's language pipeline.
Pure: the caller passes when this sender's last long message came, and the time now.
"""

from __future__ import annotations

from bot.input_check import InputKind, classify_input
from bot.risk.decide import verdict_for_text

# The catalogue's sentence for a message that is too long (messages.yml).
TOO_LONG_KEY = "too_long"
# Long messages from one sender this close together are a flood, not a story.
REPEAT_WINDOW_SECONDS = 60.0


def is_long(text: str | None) -> bool:
    return classify_input(text) is InputKind.TOO_LONG


def edge_reply_key(text: str | None, last_long_at: float | None, now: float) -> str | None:
    """The catalogue key of the answer the channel gives itself, or None when the
    message is for the assistant."""
    if not is_long(text):
        return None
    if last_long_at is None or now - last_long_at > REPEAT_WINDOW_SECONDS:
        return None
    if verdict_for_text(text) is not None:
        return None
    return TOO_LONG_KEY
