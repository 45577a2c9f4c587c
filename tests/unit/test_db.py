"""The database layer on a real SQLite file: migrations, constraints, seed, audit."""

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from bot.db.models import (
    AuditEntry,
    CheckIn,
    ConversationLink,
    Coordinator,
    Guardian,
    GuardianStudent,
    InterimGoal,
    LinkCode,
    Region,
    RoutePhase,
    School,
    Student,
    metadata,
)
from bot.demo.seed import load_demo_data, seed_demo
from bot.identity.access import Purpose, authorise
from bot.identity.codes import hash_code
from bot.identity.links import link_conversation
from bot.vocabulary import CheckInStatus, LinkMethod, PersonRole
from infra.db.migrate import alembic_config, current_revision, upgrade
from infra.db.session import DatabaseOnEventLoopError, get_engine, session_scope
from tests.conftest import TEST_SECRET


def test_migrations_create_exactly_the_models(database_url):
    engine = get_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_idempotent(database_url):
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    before = current_revision(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == before == head


def test_migrations_go_down_and_up_again(database_url):
    config = alembic_config(database_url)
    with get_engine(database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "transcript_purges" not in inspect(get_engine(database_url)).get_table_names()
    upgrade(database_url)
    assert "transcript_purges" in inspect(get_engine(database_url)).get_table_names()


def test_the_device_tokens_migration_keeps_the_token_each_device_gave(seeded_database_url):
    # Before 0009 a device kept only its last token: that one is known after it.
    database_url = seeded_database_url
    config = alembic_config(database_url)
    with get_engine(database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    engine = get_engine(database_url)
    with engine.begin() as connection:
        student = connection.exec_driver_sql("SELECT id FROM students LIMIT 1").scalar()
        connection.execute(
            text(
                "INSERT INTO device_logins (role, student_id, secret_hash, rotated_at,"
                " token_proof, created_at, expires_at) VALUES ('student', :student, 'h',"
                " '2026-12-01 10:00:00', 'proof-1', '2026-12-01 10:00:00', '2027-08-01 00:00:00')"
            ),
            {"student": student},
        )
    upgrade(database_url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT token_proof FROM device_tokens").all()
    assert [row[0] for row in rows] == ["proof-1"]


def test_foreign_keys_are_enforced(session):
    session.add(
        Student(
            first_name="Geen",
            last_name="School",
            birth_date=date(2010, 1, 1),
            school_id=999,
            route_id=999,
            phase_id=999,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_conversation_link_role_must_match_person(seeded_database_url):
    with pytest.raises(IntegrityError), session_scope(seeded_database_url) as session:
        guardian = session.execute(select(Guardian)).scalars().first()
        link = link_conversation(session, "c1", guardian_id=guardian.id, via=LinkMethod.CODE)
        link.role = PersonRole.STUDENT


def test_link_conversation_needs_exactly_one_person(session):
    with pytest.raises(ValueError, match="exactly one"):
        link_conversation(session, "c1", via=LinkMethod.CODE)
    with pytest.raises(ValueError, match="exactly one"):
        link_conversation(session, "c1", student_id=1, guardian_id=1, via=LinkMethod.CODE)


def test_linking_again_replaces_the_old_link(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        student = session.execute(select(Student)).scalars().first()
        guardian = session.execute(select(Guardian)).scalars().first()
        link_conversation(session, "c1", student_id=student.id, via=LinkMethod.CODE)
        link_conversation(session, "c1", guardian_id=guardian.id, via=LinkMethod.TOKEN)
    with session_scope(seeded_database_url) as session:
        links = session.execute(select(ConversationLink)).scalars().all()
        assert [(link.role, link.guardian_id, link.student_id) for link in links] == [
            (PersonRole.GUARDIAN, guardian.id, None)
        ]


def test_motivation_outside_one_to_five_is_refused(seeded_database_url):
    with pytest.raises(IntegrityError), session_scope(seeded_database_url) as session:
        student = session.execute(select(Student)).scalars().first()
        goal = InterimGoal(phase_id=student.phase_id, title="Weekplanning bijhouden")
        session.add(goal)
        session.flush()
        session.add(
            CheckIn(
                student_id=student.id,
                goal_id=goal.id,
                status=CheckInStatus.IN_PROGRESS,
                motivation=6,
            )
        )


def test_unknown_enum_values_are_refused(session):
    region = Region(code="r", name="R")
    session.add(region)
    session.flush()
    session.add(School(region_id=region.id, name="X", level="havo"))
    with pytest.raises((StatementError, LookupError)):
        session.flush()


def test_naive_datetimes_are_refused_and_stored_ones_come_back_in_utc(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        code = session.execute(select(LinkCode)).scalars().first()
        code.expires_at = datetime(2030, 1, 1, 12, 0)
        with pytest.raises(StatementError):
            session.flush()
        session.rollback()
    amsterdam_noon = datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with session_scope(seeded_database_url) as session:
        code = session.execute(select(LinkCode)).scalars().first()
        code.expires_at = amsterdam_noon
        code_id = code.id
    with session_scope(seeded_database_url) as session:
        stored = session.get(LinkCode, code_id).expires_at
    assert stored.tzinfo is not None
    assert stored == amsterdam_noon
    assert stored.hour == 11


def _counts(database_url):
    with session_scope(database_url) as session:
        return {
            table: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_seed_demo_loads_the_twente_route_and_is_idempotent(seeded_database_url):
    first = _counts(seeded_database_url)
    with session_scope(seeded_database_url) as session:
        seed_demo(session, TEST_SECRET)
    assert _counts(seeded_database_url) == first

    data = load_demo_data()
    with session_scope(seeded_database_url) as session:
        schools = set(session.execute(select(School.name)).scalars())
        phases = session.execute(select(RoutePhase).order_by(RoutePhase.position)).scalars().all()
        regional = session.execute(select(Coordinator).filter_by(ladder_level=2)).scalars().all()
        karin = session.execute(select(Guardian).filter_by(first_name="Karin")).scalar_one()
        karin_children = session.execute(
            select(GuardianStudent).filter_by(guardian_id=karin.id)
        ).all()
    assert {"CSG Het Noordik", "ROC van Twente", "Saxion", "Pius X College"} <= schools
    assert len(schools) == len(data["schools"])
    assert [phase.code for phase in phases] == ["vmbo3", "vmbo4", "mbo1", "mbo2", "mhbo", "hbo1"]
    assert len(regional) == 1
    assert len(karin_children) == 2


def test_demo_codes_are_stored_only_as_hashes(seeded_database_url):
    codes = [entry["code"] for entry in load_demo_data()["link_codes"]]
    with session_scope(seeded_database_url) as session:
        rows = session.execute(select(LinkCode)).scalars().all()
    stored = {row.code_hash for row in rows}
    assert stored == {hash_code(code, TEST_SECRET) for code in codes}
    assert not any(code in value for code in codes for value in stored)
    assert all(row.used_at is None for row in rows)
    assert all(row.expires_at > datetime.now(timezone.utc) + timedelta(days=13) for row in rows)


def test_seeding_again_makes_used_demo_codes_fresh(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        for row in session.execute(select(LinkCode)).scalars():
            row.used_at = datetime.now(timezone.utc)
    with session_scope(seeded_database_url) as session:
        seed_demo(session, TEST_SECRET)
    with session_scope(seeded_database_url) as session:
        assert all(row.used_at is None for row in session.execute(select(LinkCode)).scalars())


def test_session_scope_rolls_back_on_error(database_url):
    with pytest.raises(RuntimeError), session_scope(database_url) as session:
        session.add(Region(code="x", name="X"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(database_url) as session:
        assert session.execute(select(Region)).scalars().all() == []


def test_the_name_of_a_linked_person_is_read_from_the_database_and_logged(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        sanne = session.execute(select(Student).filter_by(first_name="Sanne")).scalar_one()
        link_conversation(session, "conv-sanne", student_id=sanne.id, via=LinkMethod.CODE)
    with session_scope(seeded_database_url) as session:
        assert authorise(session, "conv-unknown", Purpose.NAME, today=date.today()).anonymous
        access = authorise(session, "conv-sanne", Purpose.NAME, today=date.today())
    assert access.viewer_first_name == "Sanne"
    assert access.role is PersonRole.STUDENT
    with session_scope(seeded_database_url) as session:
        entries = session.execute(select(AuditEntry)).scalars().all()
    assert [(e.action, e.subject_type, e.subject_id, e.conversation_id) for e in entries] == [
        ("read", "student", str(sanne.id), "conv-sanne")
    ]


def test_a_database_call_on_the_serving_event_loop_fails_and_one_in_a_thread_does_not(
    database_url,
):
    """docs/architecture.md, "Blocking work", as the tests run it (DB_ON_EVENT_LOOP=refuse)."""

    def count_regions() -> int:
        with session_scope(database_url) as session:
            return session.scalar(select(func.count()).select_from(Region))

    async def on_the_loop() -> int:
        return count_regions()

    async def in_a_thread() -> int:
        return await asyncio.to_thread(count_regions)

    with pytest.raises(DatabaseOnEventLoopError):
        asyncio.run(on_the_loop())
    assert asyncio.run(in_a_thread()) == count_regions()


def test_sqlite_connections_are_kept_and_commits_wait_for_the_disk(tmp_path):
    from sqlalchemy.pool import QueuePool

    engine = get_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    assert isinstance(engine.pool, QueuePool)
    with engine.connect() as connection:
        # FULL (2): a commit is final, as kept work and erasures rely on.
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with engine.connect():
        pass
    assert engine.pool.checkedin() == 1  # one connection, used twice
    engine.dispose()


def test_engines_beyond_the_kept_number_are_closed_and_a_reset_forgets_them(tmp_path):
    from infra.db import session as sessions

    first = get_engine(f"sqlite:///{tmp_path / 'first.db'}")
    with first.connect():
        pass
    assert first.pool.checkedin() == 1
    for n in range(sessions.KEPT_ENGINES):
        get_engine(f"sqlite:///{tmp_path / f'other-{n}.db'}")
    assert len(sessions._engines) == sessions.KEPT_ENGINES
    # Evicted: its kept connection is closed (dispose gives the engine a new, empty pool).
    assert first.pool.checkedin() == 0
    newest = get_engine(f"sqlite:///{tmp_path / 'other-0.db'}")
    sessions.reset_engines()
    assert not sessions._engines
    assert get_engine(f"sqlite:///{tmp_path / 'other-0.db'}") is not newest
    sessions.reset_engines()
