"""A message that sounds unwell without being a risk signal ("meh, niet zo goed",
"😭😭"): never answered with "Fijn om te horen!" or "Leuk, maar ik lees liever
woorden". The words are a safety net behind the risk patterns and the model, which
decide whether a person must hear of it."""

from __future__ import annotations

import re

_UNWELL_WORDS = re.compile(
    r"\b(slecht|kut|klote|rot|beroerd|moe|verdrietig|boos|bang|somber|down|"
    r"niet goed|niet zo goed|niet lekker|niet top|matig|meh|zwaar|moeilijk|shit|kapot|"
    r"huil\w*|janken|jank\w*)\b"
)
_SAD_EMOJI = frozenset("😭😢😞😔☹🙁😿💔😩😫😣😖😥😓🥺😰😨")


def sounds_unwell(text: str | None) -> bool:
    if not text:
        return False
    lowered = text.lower()
    return bool(_UNWELL_WORDS.search(lowered)) or any(char in _SAD_EMOJI for char in text)
