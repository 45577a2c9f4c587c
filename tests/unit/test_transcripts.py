"""The durable purge of stored conversations after an erasure request.

The tracker store is a real SQLite file with the columns of Rasa's `events` table.
"""

import asyncio
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, select, text
from sqlalchemy import text as sql

from bot.db.models import Student, TranscriptPurge
from bot.identity.links import link_conversation
from bot.identity.privacy import TURN_SETTLE, erase_personal_data, schedule_purges
from bot.settings import PROJECT_ROOT, load_settings
from bot.vocabulary import LinkMethod
from infra.db.session import session_scope
from infra.jobs import ScheduledJob, purge_erased
from infra.transcripts import answered_after, purge_transcripts, recently_active
from tests.conftest import person_id
from web.app import create_app
from web.scheduler import run_scheduled_jobs

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def tracker_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    with create_engine(url).begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255),"
                " type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255),"
                " action_name VARCHAR(255), data TEXT)"
            )
        )
    return url


def add_events(tracker_url, sender, *moments, text=None):
    data = json.dumps({"event": "user", "text": text}) if text is not None else "{}"
    with create_engine(tracker_url).begin() as connection:
        for moment in moments:
            connection.execute(
                sql(
                    "INSERT INTO events (sender_id, type_name, timestamp, data)"
                    " VALUES (:s, 'user', :t, :d)"
                ),
                {"s": sender, "t": moment.timestamp(), "d": data},
            )


def events_of(tracker_url, sender):
    with create_engine(tracker_url).connect() as connection:
        return connection.execute(
            text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalar_one()


def test_a_purge_removes_the_conversation_up_to_the_settle_window_only(database_url, tracker_url):
    add_events(tracker_url, "c1", NOW - timedelta(days=3), NOW, NOW + timedelta(seconds=5))
    add_events(tracker_url, "c1", NOW + TURN_SETTLE + timedelta(minutes=5))  # a new chat later
    add_events(tracker_url, "other", NOW)
    with session_scope(database_url) as session:
        schedule_purges(session, ["c1"], now=NOW)

    with session_scope(database_url) as session:
        report = purge_transcripts(session, tracker_url, now=NOW + timedelta(seconds=10))
    assert (report.events_removed, report.purges_completed, report.purges_open) == (3, 0, 1)
    assert events_of(tracker_url, "c1") == 1
    assert events_of(tracker_url, "other") == 1


def test_a_purge_completes_only_when_a_run_after_the_window_finds_nothing(
    database_url, tracker_url
):
    with session_scope(database_url) as session:
        schedule_purges(session, ["c1"], now=NOW)
    add_events(tracker_url, "c1", NOW)
    later = NOW + TURN_SETTLE + timedelta(seconds=1)
    with session_scope(database_url) as session:
        assert purge_transcripts(session, tracker_url, now=later).purges_completed == 0
    # A turn that was still running wrote its tracker back: the purge is not done.
    add_events(tracker_url, "c1", NOW)
    with session_scope(database_url) as session:
        assert purge_transcripts(session, tracker_url, now=later).events_removed == 1
    with session_scope(database_url) as session:
        report = purge_transcripts(session, tracker_url, now=later)
        assert (report.events_removed, report.purges_completed) == (0, 1)
        purge = session.scalar(select(TranscriptPurge))
        assert (purge.runs, purge.completed_at) == (3, later)
    with session_scope(database_url) as session:
        assert purge_transcripts(session, tracker_url, now=later).purges_open == 0


def test_only_the_named_conversations_are_purged_when_asked(database_url, tracker_url):
    add_events(tracker_url, "c1", NOW)
    add_events(tracker_url, "c2", NOW)
    with session_scope(database_url) as session:
        schedule_purges(session, ["c1", "c2"], now=NOW)
        purge_transcripts(session, tracker_url, now=NOW, conversation_ids=["c2"])
    assert (events_of(tracker_url, "c1"), events_of(tracker_url, "c2")) == (1, 0)


def test_an_erasure_survives_a_crash_before_any_purge_and_the_job_finishes_it(
    seeded_database_url, tracker_url
):
    with session_scope(seeded_database_url) as session:
        sanne = person_id(session, Student, "Sanne")
        link_conversation(session, "c1", via=LinkMethod.CODE, student_id=sanne)
        erase_personal_data(session, "c1", now=NOW)
    # The action server died here: no purge ran. The erasure turn is saved afterwards.
    add_events(tracker_url, "c1", NOW - timedelta(minutes=2), NOW + timedelta(seconds=1))

    settings = load_settings(
        {"DATABASE_URL": seeded_database_url, "TRACKER_DATABASE_URL": tracker_url}
    )
    purge_erased(settings, NOW + timedelta(minutes=5))
    assert events_of(tracker_url, "c1") == 0
    assert "1 purges completed" in purge_erased(settings, NOW + timedelta(minutes=6))


def test_python_m_bot_purge_erased_runs_the_queue(seeded_database_url, tracker_url):
    with session_scope(seeded_database_url) as session:
        schedule_purges(session, ["c1"], now=NOW)
    add_events(tracker_url, "c1", NOW)
    env = dict(os.environ, DATABASE_URL=seeded_database_url, TRACKER_DATABASE_URL=tracker_url)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge-erased"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "1 events removed" in result.stdout
    assert events_of(tracker_url, "c1") == 0


def test_the_web_app_runs_its_jobs_on_a_timer_and_survives_a_failing_one(database_url):
    runs: list[str] = []

    def failing(settings, now):
        runs.append("failing")
        raise RuntimeError("the database is down")

    def counting(settings, now):
        runs.append("counting")
        return "ok"

    async def talking(settings, now):
        # A coroutine job runs on the web app's loop, not in a thread with a loop of its own.
        assert threading.current_thread() is threading.main_thread()
        runs.append("talking")
        return "ok"

    jobs = [
        ScheduledJob("failing", failing, timedelta(milliseconds=20)),
        ScheduledJob("counting", counting, timedelta(milliseconds=20)),
        ScheduledJob("talking", talking, timedelta(milliseconds=20)),
    ]
    settings = load_settings({"DATABASE_URL": database_url})

    async def serve_a_while():
        app = create_app(settings, scheduled_jobs=False)
        app.cleanup_ctx.append(run_scheduled_jobs(settings, jobs, now=lambda: NOW))
        async with TestClient(TestServer(app)) as client:
            await asyncio.sleep(0.3)
            assert (await client.get("/healthz")).status == 200

    asyncio.run(serve_a_while())
    assert runs.count("failing") >= 3 and runs.count("counting") >= 3
    assert runs.count("talking") >= 3


def test_the_web_app_schedules_the_purge_and_the_nudge_unless_switched_off():
    from infra.jobs import scheduled_jobs

    names = [job.name for job in scheduled_jobs(load_settings({}))]
    assert names == [
        "purge-erased",
        "escalate-overdue",
        "deliver-outbox",
        "hand-back-quiet",
        "do-kept",
        "campaigns",
        "nudge",
    ]
    off = scheduled_jobs(load_settings({"NUDGE_EVERY_MINUTES": "0", "CAMPAIGN_EVERY_MINUTES": "0"}))
    assert not {"nudge", "campaigns"} & {job.name for job in off}


def test_recently_active_finds_the_chats_that_may_still_be_open(tracker_url, tmp_path):
    add_events(tracker_url, "chat-now", NOW - timedelta(minutes=5))
    add_events(tracker_url, "chat-yesterday", NOW - timedelta(days=1))
    add_events(tracker_url, "someone-else", NOW)
    since = NOW - timedelta(hours=1)
    asked = ["chat-now", "chat-yesterday", "chat-never"]
    assert recently_active(tracker_url, asked, since=since) == ["chat-now"]
    assert recently_active(tracker_url, [], since=since) == []
    # Before Rasa has written anything there is no events table: nothing is open.
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert recently_active(empty, asked, since=since) == []


def test_a_reply_is_what_the_person_wrote_after_the_message_appeared(tracker_url):
    shown = NOW - timedelta(minutes=30)
    # The message that opened the session (logged with the shown message), the chat
    # page's own first message, then a real answer.
    add_events(tracker_url, "opened", shown + timedelta(seconds=0.5))
    add_events(tracker_url, "page", shown + timedelta(seconds=5), text="/greet")
    add_events(tracker_url, "answered", shown + timedelta(minutes=2), text="ja gedaan")
    found = answered_after(tracker_url, {"opened": shown, "page": shown, "answered": shown})
    assert list(found) == ["answered"]
    assert abs((found["answered"] - (shown + timedelta(minutes=2))).total_seconds()) < 1
    assert answered_after(tracker_url, {}) == {}
