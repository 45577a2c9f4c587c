"""Whether the person a handoff is about is still the one in its conversation.

A handoff made while someone was logged in is about that person. Once they log out
(in that tab, in another tab, or on all their devices) or their link lapses, whoever
is at that page is, as far as anyone knows, somebody else: on a school computer, the
next student. So the coordinator's replies and notices are no longer delivered into
that conversation, and its messages no longer go to the coordinator. A handoff from a
conversation nobody was logged in to belongs to the conversation itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import Handoff
from bot.identity.access import current_link
from bot.vocabulary import PersonRole


def person_still_there(session: Session, handoff: Handoff, *, now: datetime) -> bool:
    if handoff.guardian_id is None and handoff.student_id is None:
        return True
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    link = current_link(session, handoff.conversation_id, today=today)
    if link is None:
        return False
    if handoff.guardian_id is not None:
        return link.role is PersonRole.GUARDIAN and link.guardian_id == handoff.guardian_id
    return link.role is PersonRole.STUDENT and link.student_id == handoff.student_id
