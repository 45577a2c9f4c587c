"""Words for one's own children, as parents write them ("mijn dochter", "ons kind").
Shared by the risk voice (who a message is about) and the identity gate (which child)."""

from __future__ import annotations

from itertools import pairwise

from bot.language.words import words

OWNERS = frozenset({"mijn", "mn", "onze", "ons"})
CHILDREN = frozenset(
    {
        "zoon", "dochter", "kind", "kinderen", "zoontje", "dochtertje", "stiefzoon",
        "stiefdochter", "pleegzoon", "pleegdochter", "pleegkind", "kleinzoon",
        "kleindochter", "kleinkind", "jongen", "meisje", "meid", "son", "daughter", "child",
    }
)  # fmt: skip
# More than one child meant.
PLURALS = frozenset({"kinderen", "children"})


def owned_children(text: str | None) -> list[str]:
    """The child words said with an owner before them: "mijn dochter" -> ["dochter"]."""
    return [b for a, b in pairwise(words(text or "")) if a in OWNERS and b in CHILDREN]


def means_one_own_child(text: str | None) -> bool:
    """ "mijn dochter", "ons kind": one of the writer's own children, without a name."""
    return any(word not in PLURALS for word in owned_children(text))
