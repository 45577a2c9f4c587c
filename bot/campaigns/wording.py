"""Which way a message about messages goes: "stop met berichten" or "berichten aan".
The model tells these two apart by few words ("aan" against "uit"), so the words
decide where they are clear, and the model's intent only where they are not."""

from __future__ import annotations

import re

_ON = re.compile(r"\b(aan|weer|toch wel|back on|aanzetten|aanmelden|resume)\b")
_OFF = re.compile(
    r"\b(stop|stoppen|geen|uit|uitzetten|niet meer|afmelden|uitschrijven|unsubscribe|"
    r"hou op|houd op|rust)\b"
)


def messages_off(text: str, intent_says_off: bool) -> bool:
    """True for "no more messages", False for "messages again"."""
    words = text.lower()
    on, off = bool(_ON.search(words)), bool(_OFF.search(words))
    if on and not off:
        return False
    if off and not on:
        return True
    # Both ("zet de berichten weer aan, stop niet"): "weer" and "aan" mean on again
    # only without a "geen"; else the model decides.
    if on and off and re.search(r"\b(weer|toch)\b", words) and "geen" not in words:
        return False
    return intent_says_off
