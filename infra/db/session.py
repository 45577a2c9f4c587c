"""Engines and short-lived sessions: one session per unit of work (per action call)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import load_settings

logger = logging.getLogger(__name__)

# How long a SQLite write waits for another writer before it fails ("database is
# locked"); a drill or a test may shorten it. Two tries of a check-in (infra/db/retry.py)
# must fit in the action timeout (ACTION_TIMEOUT_SECONDS, 20 s).
DEFAULT_BUSY_TIMEOUT_MS = 5_000


def is_sqlite_file(url: URL) -> bool:
    """A SQLite database in a file, not in memory."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def prepare_sqlite(engine: Engine, *, durable: bool = True) -> None:
    busy_timeout = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))
    if is_sqlite_file(engine.url):
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; WAL and a busy timeout let the
        # action server and the web app write to the same file at the same time.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        if not durable:
            # WAL with NORMAL waits for the disk at checkpoints only: a power cut may
            # undo the last commits. Never for the domain database, whose commits are
            # final (a kept check-in's file is deleted after its commit, an erasure is
            # confirmed to the person): only Rasa's tracker store asks for it.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.close()


class DatabaseOnEventLoopError(RuntimeError):
    """A database statement ran on the thread that serves the event loop."""


def on_serving_loop() -> bool:
    """True on the main thread while its event loop runs a callback or coroutine. The
    servers (Rasa SDK, the web app, Rasa) serve on the main thread; a worker thread, even
    one running a loop of its own, holds up nobody else."""
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _guard_event_loop(engine: Engine) -> None:
    """docs/architecture.md, "Blocking work": the event loop never waits on the database.
    DB_ON_EVENT_LOOP=refuse (the servers under test) raises; "allow" is for a process
    that is no server (Playwright's sync API runs a loop on the test's thread); by
    default each kind of statement that breaks the rule is logged once."""
    reported: set[str] = set()

    @event.listens_for(engine, "before_cursor_execute")
    def _check(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        mode = os.environ.get("DB_ON_EVENT_LOOP", "warn")
        if mode == "allow" or not on_serving_loop():
            return
        if mode == "refuse":
            raise DatabaseOnEventLoopError(f"database call on the event loop: {statement[:60]}")
        kind = statement[:40]
        if kind not in reported:
            reported.add(kind)
            logger.warning("A database call ran on the event loop: %s...", kind)


def sqlite_pool(url: URL) -> dict[str, object]:
    """Connections to a SQLite file are kept and reused. SQLAlchemy 1.4 opens a new one
    for every session there (NullPool): with the set-up of each (the PRAGMAs below) that
    was a fifth of the Rasa server's work under load (issue 17). SQLAlchemy 2.0 pools
    them by default too."""
    if not is_sqlite_file(url):
        return {}
    # Five kept, and no cap on more: a cap would make threads queue for a connection
    # on top of SQLite's own busy wait while another process holds the write lock.
    return {"poolclass": QueuePool, "pool_size": 5, "max_overflow": -1}


def _make_engine(database_url: str | None) -> Engine:
    url = make_url(database_url or load_settings().database_url)
    is_sqlite = url.get_backend_name() == "sqlite"
    engine = create_engine(
        url,
        future=True,
        # Errors (like "database is locked") are logged; their SQL parameters would
        # carry conversation ids and personal data into the log.
        hide_parameters=True,
        pool_pre_ping=not is_sqlite,
        connect_args={"check_same_thread": False} if is_sqlite else {},
        **sqlite_pool(url),
    )
    if is_sqlite:
        prepare_sqlite(engine)
    _guard_event_loop(engine)
    return engine


# Engines by the URL asked for (None: the settings' database). A process uses one or
# two; tests use many, so the least recently used beyond KEPT_ENGINES is closed.
KEPT_ENGINES = 8
_engines: OrderedDict[str | None, Engine] = OrderedDict()
_engines_lock = threading.Lock()


def get_engine(database_url: str | None = None) -> Engine:
    """The engine for a database URL, made once and kept (with its connections)."""
    with _engines_lock:
        engine = _engines.get(database_url)
        if engine is None:
            engine = _engines[database_url] = _make_engine(database_url)
            while len(_engines) > KEPT_ENGINES:
                _engines.popitem(last=False)[1].dispose()
        else:
            _engines.move_to_end(database_url)
        return engine


def dispose_engine(database_url: str) -> None:
    """Closes the kept connections of one database and forgets its engine (before the
    database is dropped)."""
    with _engines_lock:
        engine = _engines.pop(database_url, None)
    if engine is not None:
        engine.dispose()


def reset_engines() -> None:
    """Closes every kept connection and forgets the engines, so the next ones read the
    environment again (a test that changes SQLITE_BUSY_TIMEOUT_MS or DATABASE_URL)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(database_url: str | None = None) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    factory = sessionmaker(bind=get_engine(database_url), future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
