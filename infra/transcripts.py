"""Rasa's SQL tracker store, read and cleaned with SQL on its tables: a conversation's
transcript for the inbox, recent activity, and removing stored conversations after an
erasure request (queued by bot/identity/privacy.py::schedule_purges).

Rasa saves a turn's events after the last action of the turn returns, and when the
stored events of a conversation have gone it writes the whole in-memory tracker back.
So a purge is a queue in the domain database (`transcript_purges`), not a one-off
delete: each row is retried until a run after `events_until` finds nothing left.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, inspect, select, text
from sqlalchemy.orm import Session

from bot.db.models import TranscriptPurge
from bot.escalation.summary import readable_turns
from infra.db.session import get_engine


@dataclass(frozen=True)
class PurgeReport:
    events_removed: int
    purges_completed: int
    purges_open: int


def _delete_events(connection, conversation_id: str, until: datetime) -> int:  # noqa: ANN001
    result = connection.execute(
        text("DELETE FROM events WHERE sender_id = :sender AND timestamp <= :until"),
        {"sender": conversation_id, "until": until.timestamp()},
    )
    return result.rowcount or 0


def purge_transcripts(
    session: Session,
    tracker_database_url: str,
    *,
    now: datetime,
    conversation_ids: Iterable[str] | None = None,
) -> PurgeReport:
    """Runs the open purges (all, or those of the given conversations).

    A purge is complete when a run at or after its `events_until` removes nothing: only
    then can no earlier turn still write the conversation back.
    """
    query = select(TranscriptPurge).where(TranscriptPurge.completed_at.is_(None))
    if conversation_ids is not None:
        query = query.where(TranscriptPurge.conversation_id.in_(list(conversation_ids)))
    open_purges = session.scalars(query.order_by(TranscriptPurge.id)).all()
    if not open_purges:
        return PurgeReport(events_removed=0, purges_completed=0, purges_open=0)
    engine = get_engine(tracker_database_url)
    has_events = inspect(engine).has_table("events")
    removed_total = completed = 0
    with engine.begin() as connection:
        for purge in open_purges:
            removed = (
                _delete_events(connection, purge.conversation_id, purge.events_until)
                if has_events
                else 0
            )
            purge.runs += 1
            removed_total += removed
            if removed == 0 and now >= purge.events_until:
                purge.completed_at = now
                completed += 1
    session.flush()
    return PurgeReport(
        events_removed=removed_total,
        purges_completed=completed,
        purges_open=len(open_purges) - completed,
    )


@dataclass(frozen=True)
class TranscriptLine:
    speaker: str  # "user" or "bot"
    text: str
    at: datetime | None


def read_transcript(
    tracker_database_url: str, conversation_id: str, *, limit: int = 200
) -> list[TranscriptLine]:
    """What the user and the bot wrote in this conversation, oldest first, as a person
    would tell it (bot/escalation/summary.py::readable_turns)."""
    engine = get_engine(tracker_database_url)
    if not inspect(engine).has_table("events"):
        return []
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT data FROM events WHERE sender_id = :sender"
                " AND type_name IN ('user', 'bot') ORDER BY id DESC LIMIT :limit"
            ),
            {"sender": conversation_id, "limit": limit},
        ).all()
    events = [json.loads(data or "{}") for (data,) in reversed(rows)]
    return [
        TranscriptLine(
            turn.speaker,
            turn.text,
            datetime.fromtimestamp(turn.timestamp, tz=timezone.utc) if turn.timestamp else None,
        )
        for turn in readable_turns(events)
    ]


def recently_active(
    tracker_database_url: str, conversation_ids: Iterable[str], *, since: datetime
) -> list[str]:
    """The conversations with a stored event since `since`: a chat that may still be open."""
    wanted = sorted(set(conversation_ids))
    engine = get_engine(tracker_database_url)
    if not wanted or not inspect(engine).has_table("events"):
        return []
    query = text(
        "SELECT DISTINCT sender_id FROM events WHERE sender_id IN :senders AND timestamp >= :since"
    ).bindparams(bindparam("senders", expanding=True))
    with engine.connect() as connection:
        rows = connection.execute(query, {"senders": wanted, "since": since.timestamp()}).all()
    return sorted(row[0] for row in rows)


# The chat page's first message when it opens (web/static/chat.js, initPayload): not
# something the person wrote.
PAGE_OPENER = "/greet"
# A message Rasa logs this soon after a shown message came with it in one request (the
# message that opened a new session, which shows waiting messages first): no answer.
SAME_REQUEST = 2.0


def answered_after(tracker_database_url: str, shown: dict[str, datetime]) -> dict[str, datetime]:
    """For each conversation, when the person first wrote after `shown[conversation]`
    (a campaign message appeared): conversations without such a message are left out."""
    if not shown:
        return {}
    engine = get_engine(tracker_database_url)
    if not inspect(engine).has_table("events"):
        return {}
    query = text(
        "SELECT sender_id, timestamp, data FROM events WHERE type_name = 'user'"
        " AND sender_id IN :senders AND timestamp > :since ORDER BY id"
    ).bindparams(bindparam("senders", expanding=True))
    earliest = min(shown.values()).timestamp()
    with engine.connect() as connection:
        rows = connection.execute(
            query, {"senders": sorted(shown), "since": earliest + SAME_REQUEST}
        ).all()
    answered: dict[str, datetime] = {}
    for sender_id, stamp, data in rows:
        if sender_id in answered or stamp <= shown[sender_id].timestamp() + SAME_REQUEST:
            continue
        if (json.loads(data or "{}").get("text") or "").strip() == PAGE_OPENER:
            continue
        answered[sender_id] = datetime.fromtimestamp(stamp, tz=timezone.utc)
    return answered
