"""Whether the person a handoff is about is still the one in its conversation.

A handoff made while someone was logged in is about that person. Once they log out
(in that tab, in another tab, or on all their devices), whoever is at that page is, as
far as anyone knows, somebody else: on a school computer, the next student. So the
coordinator's replies and notices are no longer delivered into that conversation, and
its messages no longer go to the coordinator. A link that lapsed (a day after it was
made, bot/identity/access.py) still counts: the person did not leave, the conversation
only stopped opening their data, and an answer given days later must still reach them.
A handoff from a conversation nobody was logged in to belongs to the conversation
itself: whoever holds that page (logged in since or not) reads what it was told.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db.models import Handoff
from bot.identity.access import held_link
from bot.vocabulary import PersonRole


def person_still_there(session: Session, handoff: Handoff) -> bool:
    if handoff.guardian_id is None and handoff.student_id is None:
        return True
    link = held_link(session, handoff.conversation_id)
    if link is None:
        return False
    if handoff.guardian_id is not None:
        return link.role is PersonRole.GUARDIAN and link.guardian_id == handoff.guardian_id
    return link.role is PersonRole.STUDENT and link.student_id == handoff.student_id
