"""Rasa's SQL tracker store, without the chat token in what it stores.

The chat page sends its signed token with the session start and every message (the
widget's customData). The actions read it while the turn runs, from the tracker in
memory; it must not stay in the stored conversation, where anyone who can read the
tracker (a backup, the HTTP API) could replay it. So every event is stored with the
token taken out of its metadata, and out of the session_started_metadata slot.

Its SQLite connections are kept and reused, and set up as the domain database's are
(infra/db/session.py: WAL, a busy timeout), with `synchronous=NORMAL`: Rasa's engine
opened a new one for every read and every save of a conversation, and each save waited
for the disk. Errors are logged without their SQL parameters (the messages).

Named in the endpoints file the launcher writes (infra/services.py). If Rasa cannot
import it, it falls back to memory with only a warning: the integration test that
reads the tracker database catches that.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet
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

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            yield without_token(event)
