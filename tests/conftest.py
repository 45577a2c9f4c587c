"""Shared fixtures: a real, migrated database per test (SQLite; with
TEST_DATABASE=postgresql a database of its own on a scratch PostgreSQL server), and the
running assistant for the integration and browser tests (tests/assistant.py)."""

from __future__ import annotations

import itertools
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
from infra.db.session import dispose_engine, get_engine, reset_engines, session_scope
from infra.scratch.postgres import ScratchPostgres, start_postgres
from infra.scratch.redis import ScratchRedis, start_redis

# The fixture and the hook that orders the tests which stop the shared assistant.
from tests.assistant import assistant, database_kind, pytest_collection_modifyitems  # noqa: F401

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def migrated_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchPostgres]:
    """A scratch PostgreSQL server with the migrated schema in a template database, so
    a test's own database is a quick copy."""
    server = start_postgres(tmp_path_factory.mktemp("postgres"), durable=False)
    try:
        upgrade(server.create_database("migrated", fresh=True))
        reset_engines()  # a template may have no open connections
        yield server
    finally:
        reset_engines()
        server.remove()


@pytest.fixture(scope="session")
def scratch_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchRedis]:
    """A real Redis server of the tests' own (infra/scratch/redis.py)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if database_kind() == "sqlite":
        url = f"sqlite:///{tmp_path / 'toptraject.db'}"
        upgrade(url)
        yield url
        return
    server: ScratchPostgres = request.getfixturevalue("migrated_postgres")
    name = f"test_{next(_numbers)}"
    url = server.create_database(name, template="migrated")
    yield url
    dispose_engine(url)
    server.drop_database(name)


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
