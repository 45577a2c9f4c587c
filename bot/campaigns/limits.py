"""What every outgoing message obeys, nudges and campaigns alike: the person's opt-out
("stop met berichten") and a weekly cap on messages per person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.campaigns.recipients import parse_recipient_key, recipient_key
from bot.db.models import CampaignDelivery, MessageOptOut, Nudge
from bot.vocabulary import PersonRole

CAP_SPAN = timedelta(days=7)


def opted_out(session: Session, keys: Iterable[str]) -> set[str]:
    """The recipients among `keys` who asked for no messages."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(MessageOptOut.recipient_key).where(MessageOptOut.recipient_key.in_(wanted))
        )
    )


def messages_since(session: Session, keys: Iterable[str], since: datetime) -> Counter[str]:
    """How many messages (campaign deliveries and nudges) each recipient got since then."""
    wanted = sorted(set(keys))
    counts: Counter[str] = Counter()
    if not wanted:
        return counts
    for key, number in session.execute(
        select(CampaignDelivery.recipient_key, func.count())
        .where(CampaignDelivery.recipient_key.in_(wanted), CampaignDelivery.created_at >= since)
        .group_by(CampaignDelivery.recipient_key)
    ):
        counts[key] += number
    students = [
        person_id
        for role, person_id in map(parse_recipient_key, wanted)
        if role is PersonRole.STUDENT
    ]
    if students:
        for student_id, number in session.execute(
            select(Nudge.student_id, func.count())
            .where(Nudge.student_id.in_(students), Nudge.created_at >= since)
            .group_by(Nudge.student_id)
        ):
            counts[recipient_key(PersonRole.STUDENT, student_id)] += number
    return counts


def at_cap(counts: Counter[str], key: str, weekly_cap: int) -> bool:
    return counts[key] >= weekly_cap


def set_opt_out(
    session: Session, role: PersonRole, person_id: int, wanted: bool, *, now: datetime
) -> bool:
    """Messages off (wanted=True) or on again for this person; True when it changed."""
    key = recipient_key(role, person_id)
    row = session.get(MessageOptOut, key)
    if wanted == (row is not None):
        return False
    if wanted:
        session.add(MessageOptOut(recipient_key=key, since=now))
    else:
        session.delete(row)
    record_change(
        session,
        actor_type=role.value,
        actor_id=str(person_id),
        action="messages_off" if wanted else "messages_on",
        subject_type=role.value,
        subject_id=person_id,
    )
    session.flush()
    return True
