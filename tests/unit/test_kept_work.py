"""Work the database will not take is kept in a file, done later, and never doubled.

The database is really locked here (another connection holds a write transaction), so
these tests fail if the retry, the keeping or the later storing breaks.
"""

import asyncio
import sqlite3
import stat
from datetime import datetime, timezone
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.checkins.records import CheckInAnswers, open_goals, record_check_in
from bot.db.models import CheckIn, Handoff, RiskFlag, Student
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.handoffs import HandoffRequest
from bot.identity.links import link_conversation
from bot.risk.decide import RiskVerdict
from bot.risk.records import RiskReport
from bot.vocabulary import CheckInStatus, HandoffPriority, LinkMethod, RiskKind
from infra.db.retry import in_thread_with_retry
from infra.db.session import reset_engines, session_scope
from infra.kept import KeptWork, Replay, do_kept_work, keep
from tests.assistant import database_kind
from tests.conftest import person_id

REPLAY = Replay(policy=DeadlinePolicy(), default_region="twente")

SUBMITTED = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def kept_dir(tmp_path):
    return tmp_path / "kept"


@pytest.fixture
def student_goal(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        link_conversation(
            session, "c-kept", via=LinkMethod.CODE, student_id=person_id(session, Student, "Sanne")
        )
        _, goals = open_goals(session, "c-kept", today=SUBMITTED.date())
        return goals[0].goal_id


def kept_check_in(goal_id, key="key-1"):
    answers = CheckInAnswers(
        goal_id,
        CheckInStatus.IN_PROGRESS.value,
        4,
        "Planner hielp",
        "Als ik moe ben, dan wandel ik",
    )
    return KeptWork("c-kept", answers, key, SUBMITTED)


def check_ins(database_url):
    with session_scope(database_url) as session:
        return session.scalars(select(CheckIn)).all()


class Stopped:
    """The PostgreSQL server stopped, and started again on the same port."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.server.stop()
        return self

    def __exit__(self, *exc):
        self.server.start()


def out_of_reach(database_url, request):
    """The database not answering: on SQLite locked by another writer, on PostgreSQL
    stopped."""
    if database_kind() == "postgresql":
        return Stopped(request.getfixturevalue("migrated_postgres"))
    return Locked(database_url)


class Locked:
    """Another process holding a write lock on the SQLite file."""

    def __init__(self, database_url):
        self.connection = sqlite3.connect(
            database_url.removeprefix("sqlite:///"), isolation_level=None
        )

    def __enter__(self):
        self.connection.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc):
        self.connection.execute("ROLLBACK")
        self.connection.close()


def test_a_kept_check_in_is_stored_once_with_its_own_time_and_the_file_goes(
    seeded_database_url, student_goal, kept_dir
):
    kept = kept_check_in(student_goal)
    path = keep(kept_dir, kept)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keep(kept_dir, kept)  # kept twice (a retried request): still one file
    assert len(list(kept_dir.iterdir())) == 1
    report = do_kept_work(partial(session_scope, seeded_database_url), kept_dir, REPLAY)
    assert (report.done, report.waiting, report.refused) == (1, 0, 0)
    assert list(kept_dir.iterdir()) == []
    [stored] = check_ins(seeded_database_url)
    assert stored.created_at == SUBMITTED and stored.note == "Planner hielp"
    assert stored.idempotency_key == "key-1"


def test_a_check_in_stored_meanwhile_is_not_doubled(seeded_database_url, student_goal, kept_dir):
    kept = kept_check_in(student_goal)
    keep(kept_dir, kept)
    with session_scope(seeded_database_url) as session:
        record_check_in(session, "c-kept", kept.work, idempotency_key="key-1", now=SUBMITTED)
    do_kept_work(partial(session_scope, seeded_database_url), kept_dir, REPLAY)
    assert len(check_ins(seeded_database_url)) == 1 and list(kept_dir.iterdir()) == []


def test_while_the_database_is_out_of_reach_the_check_in_keeps_waiting(
    seeded_database_url, student_goal, kept_dir, monkeypatch, request
):
    keep(kept_dir, kept_check_in(student_goal))
    reset_engines()
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "100")
    try:
        with out_of_reach(seeded_database_url, request):
            report = do_kept_work(partial(session_scope, seeded_database_url), kept_dir, REPLAY)
        assert (report.done, report.waiting) == (0, 1)
        assert len(list(kept_dir.iterdir())) == 1
        report = do_kept_work(partial(session_scope, seeded_database_url), kept_dir, REPLAY)
    finally:
        reset_engines()
    assert (report.done, report.waiting) == (1, 0)
    assert len(check_ins(seeded_database_url)) == 1


def test_an_unreadable_file_is_set_aside_and_does_not_stop_the_others(
    seeded_database_url, student_goal, kept_dir
):
    kept_dir.mkdir()
    (kept_dir / "kept-0000.json").write_text("{half a fi", encoding="utf-8")
    keep(kept_dir, kept_check_in(student_goal, key="key-2"))
    report = do_kept_work(partial(session_scope, seeded_database_url), kept_dir, REPLAY)
    assert (report.done, report.refused) == (1, 1)
    assert [p.name for p in kept_dir.iterdir()] == ["kept-0000.bad"]


def test_database_work_is_tried_again_and_then_the_error_is_raised():
    calls = []

    def busy():
        calls.append(1)
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    with pytest.raises(OperationalError):
        asyncio.run(in_thread_with_retry(busy, attempts=3, pause_seconds=0))
    assert len(calls) == 3

    outcomes = iter([OperationalError("x", {}, Exception("locked")), "stored"])

    def once_busy():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert asyncio.run(in_thread_with_retry(once_busy, pause_seconds=0)) == "stored"


def test_a_kept_handoff_and_a_kept_risk_signal_reach_a_coordinator_later(
    seeded_database_url, student_goal, kept_dir
):
    request = HandoffRequest("asked_for_person", "general", HandoffPriority.NORMAL, "Vraag")
    verdict = RiskVerdict(RiskKind.BULLYING, (RiskKind.BULLYING,), "words", "gepest")
    report = RiskReport(verdict, "chat", "ik word gepest", "Leerling: ik word gepest")
    keep(kept_dir, KeptWork("c-kept", request, "handoff:c-kept:m1", SUBMITTED))
    keep(kept_dir, KeptWork("c-kept", report, "risk:c-kept:m2", SUBMITTED))
    result = do_kept_work(partial(session_scope, seeded_database_url), kept_dir, REPLAY)
    assert (result.done, result.waiting, result.refused) == (2, 0, 0)
    with session_scope(seeded_database_url) as session:
        [handoff] = session.scalars(select(Handoff).where(Handoff.conversation_id == "c-kept"))
        [flag] = session.scalars(select(RiskFlag).where(RiskFlag.conversation_id == "c-kept"))
        assert handoff.category == "bullying" and handoff.created_at == SUBMITTED
        assert flag.kind is RiskKind.BULLYING
