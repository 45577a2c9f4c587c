"""Which messages the chat channel answers itself, before Rasa does any work on them.

A message longer than the limit was cut at the edge (bot.input_check.at_the_edge). Its
answer ("can you ask it in a few sentences?") needs no language model, and reading it
would cost the pipeline a fifth of a second while everyone else waits. So it is answered
at once, unless its words signal risk (bot.risk.decide, patterns only): then it goes on
to Rasa, so that the risk is handled and a person hears of it, whatever its length.
"""

from __future__ import annotations

from bot.input_check import InputKind, classify_input
from bot.risk.decide import verdict_for_text

# The catalogue's sentence for a message that is too long (messages.yml).
TOO_LONG_KEY = "too_long"


def edge_reply_key(text: str | None) -> str | None:
    """The catalogue key of the answer the channel gives itself, or None when the
    message is for the assistant."""
    if classify_input(text) is not InputKind.TOO_LONG:
        return None
    if verdict_for_text(text) is not None:
        return None
    return TOO_LONG_KEY
