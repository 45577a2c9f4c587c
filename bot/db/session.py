"""Engines and short-lived sessions: one session per unit of work (per action call)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import load_settings

# How long a SQLite write waits for another writer before it fails ("database is
# locked"); a drill or a test may shorten it. Two tries of a check-in (bot/db/retry.py)
# must fit in the action timeout (ACTION_TIMEOUT_SECONDS, 20 s).
DEFAULT_BUSY_TIMEOUT_MS = 5_000


def _prepare_sqlite(engine: Engine) -> None:
    busy_timeout = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))
    database = engine.url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; WAL and a busy timeout let the
        # action server and the web app write to the same file at the same time.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.close()


@lru_cache(maxsize=8)
def get_engine(database_url: str | None = None) -> Engine:
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
    )
    if is_sqlite:
        _prepare_sqlite(engine)
    return engine


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
