"""Rasa finds the class of each stored event by walking every subclass of Event and
asking `inspect.isabstract` of each (`Event.resolve_by_type`), once per event: reading a
conversation of a hundred turns from the tracker store did that a thousand times, and
it grew with every turn (issue 17's profile: a sixth of the Rasa server's work at turn
150). Here each name is looked up the way Rasa does the first time and remembered.

Installed when Rasa loads the chat channels (channels/guarded.py). A test checks that
every event name resolves to the class Rasa's own method gives, and that an unknown
name still fails (or gives the default) as in Rasa.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event

_rasa_resolve = Event.resolve_by_type
_found: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: Any = None) -> type[Event] | None:
    """Event.resolve_by_type, remembering the class found for each name."""
    known = _found.get(type_name)
    if known is not None:
        return known
    found = _rasa_resolve(type_name, default)
    if found is not None and found is not default:
        _found[type_name] = found
    return found


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
