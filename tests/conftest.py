"""Shared fixtures: a real, migrated SQLite database per test, and the running
assistant for the integration and browser tests (tests/assistant.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The event loop never waits on the database (infra/db/session.py): a test that does, fails.
os.environ.setdefault("DB_ON_EVENT_LOOP", "refuse")

from bot.demo.seed import seed_demo
from infra.db.migrate import upgrade
from infra.db.session import get_engine, session_scope

# The fixture and the hook that orders the tests which stop the shared assistant.
from tests.assistant import assistant, pytest_collection_modifyitems  # noqa: F401

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'toptraject.db'}"
    upgrade(url)
    return url


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session that is rolled back afterwards, so a test may leave it broken."""
    session = Session(bind=get_engine(database_url), future=True)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def seeded_database_url(database_url: str) -> str:
    with session_scope(database_url) as session:
        seed_demo(session, TEST_SECRET)
    return database_url


@pytest.fixture
def db(seeded_database_url: str) -> Iterator[Session]:
    """A session on the seeded demo database, committed when the test passes."""
    with session_scope(seeded_database_url) as session:
        yield session


def person_id(session: Session, model: type, first_name: str) -> int:
    """The id of the demo student or guardian with this first name."""
    return session.scalar(select(model.id).where(model.first_name == first_name))
