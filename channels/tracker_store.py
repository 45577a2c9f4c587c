"""Rasa's SQL tracker store, without the chat token in what it stores.

The chat page sends its signed token with the session start and every message (the
widget's customData). The actions read it while the turn runs, from the tracker in
memory; it must not stay in the stored conversation, where anyone who can read the
tracker (a backup, the HTTP API) could replay it. So every event is stored with the
token taken out of its metadata, and out of the session_started_metadata slot.

A user message is stored without the answer selector's full ranking (thirty answers,
two thirds of the stored message): only the message being answered reads it
(tracker.latest_message, in memory), and every later turn read it back, and sent it to
the action server with each call, for every earlier message of the conversation. The
first answer of the ranking stays.

Its SQLite connections are kept and reused, and set up as the domain database's are
(infra/db/session.py: WAL, a busy timeout), with `synchronous=NORMAL`: Rasa's engine
opened a new one for every read and every save of a conversation, and each save waited
for the disk. Errors are logged without their SQL parameters (the messages). A
conversation is read back from its events' JSON alone, without an ORM object per event.

Named in the endpoints file the launcher writes (infra/services.py). If Rasa cannot
import it, it falls back to memory with only a warning: the integration test that
reads the tracker database catches that.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.identity.tokens import TOKEN_METADATA_KEY
from infra.db.session import prepare_sqlite, sqlite_pool

SESSION_METADATA_SLOT = "session_started_metadata"


def _without_token(metadata: Any) -> Any:
    if isinstance(metadata, dict) and TOKEN_METADATA_KEY in metadata:
        return {key: value for key, value in metadata.items() if key != TOKEN_METADATA_KEY}
    return metadata


def without_token(event: Event) -> Event:
    """The event as it may be stored: a copy without the chat token, or itself."""
    cleaned = event
    metadata = getattr(event, "metadata", None)
    if isinstance(metadata, dict) and TOKEN_METADATA_KEY in metadata:
        cleaned = copy.copy(event)
        cleaned.metadata = _without_token(metadata)
    parse_data = getattr(event, "parse_data", None)  # a user message keeps a copy there
    if isinstance(parse_data, dict) and TOKEN_METADATA_KEY in (parse_data.get("metadata") or {}):
        cleaned = copy.copy(cleaned)
        cleaned.parse_data = {**parse_data, "metadata": _without_token(parse_data["metadata"])}
    if isinstance(event, SlotSet) and event.key == SESSION_METADATA_SLOT:
        value = _without_token(event.value)
        if value is not event.value:
            cleaned = copy.copy(cleaned)
            cleaned.value = value
    return cleaned


KEPT_RANKING = 1


def _short_selector(selector: Any) -> Any:
    if not isinstance(selector, dict):
        return selector
    shortened = {}
    for key, chosen in selector.items():
        ranking = chosen.get("ranking") if isinstance(chosen, dict) else None
        if isinstance(ranking, list) and len(ranking) > KEPT_RANKING:
            chosen = {**chosen, "ranking": ranking[:KEPT_RANKING]}
        shortened[key] = chosen
    return shortened


def with_short_ranking(event: Event) -> Event:
    """A user message as it is stored: the answer ranking cut to its first answer (a
    copy), or the event itself."""
    parse_data = getattr(event, "parse_data", None)
    if not isinstance(event, UserUttered) or not isinstance(parse_data, dict):
        return event
    selector = parse_data.get("response_selector")
    shortened = _short_selector(selector)
    if shortened == selector:
        return event
    cleaned = copy.copy(event)
    cleaned.parse_data = {**parse_data, "response_selector": shortened}
    return cleaned


def stored_form(event: Event) -> Event:
    """The event as it is stored: without the chat token, with a short answer ranking."""
    return with_short_ranking(without_token(event))


class TokenFreeSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pooled = sqlite_pool(self.engine.url)
        if pooled:
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, connect_args={"check_same_thread": False}, hide_parameters=True, **pooled
            )
            # A conversation's newest events may be lost to a power cut (not to a crash
            # of the process); the domain database's commits stay durable.
            prepare_sqlite(self.engine, durable=False)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's _retrieve reading only the events' JSON, not an ORM object per event
        (a tenth of a turn's work at turn 150, issue 17)."""
        with self.session_scope() as session:
            query = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            )
            rows = query.with_entities(self.SQLEvent.data).all()
        events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            yield stored_form(event)
