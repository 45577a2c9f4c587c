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
conversation is read back from its events' JSON alone, without an ORM object per event,
and saved, both in a worker thread (Rasa saved on the event loop); its queries are
built once, not for every read and save.

A conversation once read is kept in memory as the database holds it, and handed out as
a copy while the database still holds the same (channels/kept_trackers.py): a turn no
longer reads and replays the whole conversation.

Named in the endpoints file the launcher writes (infra/services.py). If Rasa cannot
import it, it falls back to memory with only a warning: the integration test that
reads the tracker database catches that.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from bot.identity.tokens import TOKEN_METADATA_KEY
from channels.kept_trackers import KeptTrackers, Mark
from channels.tracker_copy import copy_tracker
from infra.db.session import is_sqlite_file, prepare_sqlite, sqlite_pool

SESSION_METADATA_SLOT = "session_started_metadata"

logger = logging.getLogger(__name__)


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


def event_queries(event: Any) -> dict[str, Any]:
    """Rasa's _event_query (the events of the latest session, or all of them when there
    is no session start), all events, and the count and newest timestamp of the first
    (channels/kept_trackers.py), built once with the sender as a parameter: Rasa builds
    its query anew for every read and every save."""
    sender = sa.bindparam("sender_id")
    session_start = (
        sa.select(sa.func.max(event.timestamp))
        .where(event.sender_id == sender, event.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    in_session = sa.and_(
        event.sender_id == sender,
        sa.or_(event.timestamp >= session_start, session_start.is_(None)),
    )
    return {
        "session": sa.select(event.data).where(in_session).order_by(event.id),
        "all": sa.select(event.data).where(event.sender_id == sender).order_by(event.id),
        "mark": sa.select(sa.func.count(), sa.func.max(event.timestamp)).where(in_session),
    }


# Any number that is the same in every Rasa server: the key of the lock under which
# one of them creates the tables.
TABLES_LOCK_KEY = 70_140_501


@contextlib.contextmanager
def tables_made_one_at_a_time(kwargs: dict[str, Any]) -> Iterator[None]:
    """On PostgreSQL, Rasa servers started together create the tracker tables one after
    the other (an advisory lock): Rasa's own store lets them collide, logs the failed
    CREATE TABLE as a page of SQL, and tries again 5 seconds later."""
    dialect = str(kwargs.get("dialect") or "sqlite")
    if not dialect.startswith("postgresql"):
        yield
        return
    url = SQLTrackerStore.get_db_url(
        dialect,
        kwargs.get("host"),
        kwargs.get("port"),
        kwargs.get("db", "rasa.db"),
        kwargs.get("username"),
        kwargs.get("password"),
    )
    engine = sa.create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        connection = engine.connect()
    except sa.exc.OperationalError:
        engine.dispose()
        yield  # not up yet: Rasa's store waits for it
        return
    try:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": TABLES_LOCK_KEY})
        yield
    finally:
        connection.close()  # ends the session, and with it the lock
        engine.dispose()


class TokenFreeSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with tables_made_one_at_a_time(kwargs):
            super().__init__(*args, **kwargs)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and not is_sqlite_file(url):
            # Conversations are read in worker threads, and SQLAlchemy gives every
            # thread its own in-memory database: each would start empty.
            raise ValueError("The tracker store needs a database file, not SQLite in memory.")
        self.queries = event_queries(self.SQLEvent)
        pooled = sqlite_pool(url)
        if pooled:
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, connect_args={"check_same_thread": False}, hide_parameters=True, **pooled
            )
            # A conversation's newest events may be lost to a power cut (not to a crash
            # of the process); the domain database's commits stay durable.
            prepare_sqlite(self.engine, durable=False)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self.kept = KeptTrackers()
        self._kept_for: Any = None  # the domain the kept conversations were read with
        self._sweep: tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle] | None = None

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session, from the kept conversations while the database still
        holds what they hold (channels/kept_trackers.py), else read back; a copy."""
        if self.domain is not self._kept_for:  # a new model: its own slots
            self.kept.clear()
            self._kept_for = self.domain
        if self.kept.mark(sender_id) is not None:
            stored = await asyncio.to_thread(self._stored_mark, sender_id)
            kept = self.kept.get(sender_id, stored, now=time.monotonic())
            if kept is not None:
                return copy_tracker(kept)
        tracker = await self._retrieve(sender_id, fetch_events_from_all_sessions=False)
        if tracker is None:
            return None
        self.kept.keep(sender_id, tracker, now=time.monotonic())
        self._let_go_of_idle_later()
        return copy_tracker(tracker)

    def _stored_mark(self, sender_id: str, session: Any = None) -> Mark:
        if session is None:
            with self.session_scope() as session:
                return self._stored_mark(sender_id, session)
        count, newest = session.execute(self.queries["mark"], {"sender_id": sender_id}).one()
        return Mark(count, newest)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, in a worker thread; the kept conversation follows it with the
        events as stored (read back from their JSON)."""
        await self.stream_events(tracker)
        before, stored = await asyncio.to_thread(self._store, tracker)
        try:
            added = deserialise_events([json.loads(data) for data in stored])
            self.kept.saved(tracker.sender_id, before, added, now=time.monotonic())
        except Exception as error:
            # Stored already: only the kept copy is lost. Never raise after the commit:
            # Rasa's fail-safe store would keep the whole tracker, chat token and all, in
            # memory. Logged without the events.
            logger.error("A kept conversation could not follow a save (%s).", type(error).__name__)
            self.kept.forget(tracker.sender_id)

    def _store(self, tracker: DialogueStateTracker) -> tuple[Mark, list[str]]:
        """The body of Rasa's SQLTrackerStore.save: the events after those stored, as
        rows. Returns what the database held before and the JSON of the new events."""
        stored = []
        rows = []
        with self.session_scope() as session:
            before = self._stored_mark(tracker.sender_id, session)
            for event in itertools.islice(tracker.events, before.events, len(tracker.events)):
                data = stored_form(event).as_dict()
                stored.append(json.dumps(data))
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": stored[-1],
                    }
                )
            if rows:
                # One statement for the rows, not an ORM object each (Rasa's way).
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        return before, stored

    def _let_go_of_idle_later(self) -> None:
        """Lets go of idle conversations even when no turn comes to do it."""
        loop = asyncio.get_running_loop()
        if self._sweep is None or self._sweep[0] is not loop:
            # An idle conversation goes within twice IDLE_SECONDS of its last turn.
            self._sweep = (loop, loop.call_later(self.kept.idle_seconds, self._let_go_of_idle))

    def _let_go_of_idle(self) -> None:
        self._sweep = None
        self.kept.let_go_of_idle(time.monotonic())
        if len(self.kept):
            self._let_go_of_idle_later()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's _retrieve, reading only the events' JSON (not an ORM object per event:
        a tenth of a turn's work at turn 150), in a worker thread."""
        query = self.queries["all" if fetch_events_from_all_sessions else "session"]
        rows = await asyncio.to_thread(self._stored_json, query, sender_id)
        events = [json.loads(data) for data in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _stored_json(self, query: Any, sender_id: str) -> list[str]:
        with self.session_scope() as session:
            return list(session.execute(query, {"sender_id": sender_id}).scalars())
