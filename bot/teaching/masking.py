"""What a review message may not show: addresses, numbers and codes a person typed.
Pure; the text is masked before it is stored."""

from __future__ import annotations

import re

MAX_REVIEW_CHARS = 300

_MASKS = (
    (re.compile(r"\S+@\S+\.\w+"), "[e-mail]"),
    (re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE), "[link]"),
    # Koppelcodes as the chat accepts them: "TT-7KQ-2MV", "tt 7kq 2mv", "tt7kq2mv".
    (re.compile(r"\bTT[-\s]?[A-Z0-9]{3}[-\s]?[A-Z0-9]{3}\b", re.IGNORECASE), "[code]"),
    (re.compile(r"\bH-[A-Z0-9]{6}\b", re.IGNORECASE), "[nummer]"),
    (re.compile(r"(?:\+31|0031|\b0)[\d\s-]{8,}\d"), "[telefoon]"),
    (re.compile(r"\b\d[\d\s.-]{3,}\d\b"), "[getal]"),
    # Postcodes, in any case; not a year before a short word ("in 2027 ga ik").
    (re.compile(r"\b(?!19\d\d|20\d\d)[1-9]\d{3}\s?[A-Z]{2}\b", re.IGNORECASE), "[postcode]"),
)


def mask_identifiers(text: str) -> str:
    """The text with e-mail addresses, links, koppelcodes, references, phone numbers,
    long numbers and postcodes replaced by a word in brackets; one line, cut short."""
    masked = " ".join(text.split())
    for pattern, replacement in _MASKS:
        masked = pattern.sub(replacement, masked)
    return masked[:MAX_REVIEW_CHARS]
