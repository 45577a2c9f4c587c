"""Who a risk message is about: the writer, their child (a parent writes), or someone
else (a friend, a brother). Pure: from the conversation's role and the words."""

from __future__ import annotations

import enum
from itertools import pairwise

from bot.language.family import CHILDREN, OWNERS
from bot.language.words import words


class Voice(str, enum.Enum):
    SELF = "self"
    PARENT = "parent"
    OTHER = "other"


_PARENT_WORDS = frozenset({"moeder", "vader", "ouder", "ouders", "voogd", "mother", "father"})
_OTHERS = frozenset(
    {
        "vriend", "vriendin", "maat", "klasgenoot", "klasgenote", "broer", "zus", "broertje",
        "zusje", "nichtje", "neefje", "neef", "nicht", "friend",
    }
)  # fmt: skip


def voice(text: str | None, *, guardian: bool = False) -> Voice:
    """A linked parent always speaks about their child; otherwise the words tell."""
    found = words(text or "")
    pairs = list(pairwise(found))
    if guardian or any(a in OWNERS and b in CHILDREN for a, b in pairs):
        return Voice.PARENT
    if any(a == "ik" and b in {"ben", "bn"} for a, b in pairs) and any(
        a in {"de", "een"} and b in _PARENT_WORDS for a, b in pairs
    ):
        return Voice.PARENT  # "ik ben de moeder van ..."
    # "mijn vriendin wil dood", "ik maak me zorgen om mijn broertje": about someone else.
    opening = pairs[:3]
    worried = any(
        a in {"om", "over"} and b in OWNERS and c in _OTHERS
        for a, b, c in zip(found, found[1:], found[2:], strict=False)
    )
    if worried or any(a in OWNERS | {"een"} and b in _OTHERS for a, b in opening):
        return Voice.OTHER
    return Voice.SELF
