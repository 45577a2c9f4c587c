"""Each background job runs in one web app of several (infra/job_turns.py), on the
database TEST_DATABASE names."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.db.models import JobTurn
from bot.settings import load_settings
from infra.db.session import session_scope
from infra.job_turns import give_back, hold_for, take_turn
from infra.jobs import ScheduledJob
from web.app import create_app
from web.scheduler import run_scheduled_jobs

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)
HOLD = timedelta(minutes=3)


def take(database_url: str, holder: str, now: datetime, job: str = "escalate-overdue") -> bool:
    with session_scope(database_url) as session:
        return take_turn(session, job, holder, now=now, hold=HOLD)


def test_a_turn_is_one_web_apps_until_it_runs_out_or_is_given_back(database_url):
    assert take(database_url, "web-a", NOW)
    assert not take(database_url, "web-b", NOW + timedelta(seconds=1))
    assert take(database_url, "web-a", NOW + timedelta(minutes=1))  # renewed
    assert not take(database_url, "web-b", NOW + timedelta(minutes=3))
    assert take(database_url, "web-b", NOW + timedelta(minutes=4))  # web-a went quiet
    assert not take(database_url, "web-a", NOW + timedelta(minutes=5))
    assert take(database_url, "web-a", NOW + timedelta(minutes=5), job="nudge")  # its own job
    with session_scope(database_url) as session:
        assert give_back(session, "web-b", now=NOW + timedelta(minutes=5)) == 1
    assert take(database_url, "web-a", NOW + timedelta(minutes=5))
    with session_scope(database_url) as session:
        turn = session.get(JobTurn, "escalate-overdue")
        assert (turn.holder, turn.runs) == ("web-a", 4)


def test_of_web_apps_asking_at_the_same_moment_one_gets_the_turn(database_url):
    results: list[bool] = []
    start = threading.Barrier(8)

    def ask(number: int) -> None:
        start.wait()
        results.append(take(database_url, f"web-{number}", NOW, job="deliver-outbox"))

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_a_turn_lasts_two_intervals_and_five_minutes():
    assert hold_for(timedelta(seconds=10)) == timedelta(seconds=320)


def test_two_web_apps_run_a_job_in_one_of_them_and_the_other_takes_over_when_it_stops(
    database_url,
):
    runs: list[str] = []
    settings = load_settings({"DATABASE_URL": database_url})

    def job_of(web: str) -> ScheduledJob:
        def count(settings, now):
            runs.append(web)
            return "1 counted"

        return ScheduledJob("counting", count, timedelta(milliseconds=30))

    def server(web: str) -> TestServer:
        app = create_app(settings, scheduled_jobs=False)
        app.cleanup_ctx.append(
            run_scheduled_jobs(settings, [job_of(web)], now=lambda: NOW, holder=web)
        )
        return TestServer(app)

    async def main() -> tuple[list[str], list[str]]:
        first, second = server("web-a"), server("web-b")
        await first.start_server()
        await asyncio.sleep(0.1)
        await second.start_server()
        await asyncio.sleep(0.5)
        together = list(runs)
        await first.close()  # gives its turn back
        runs.clear()
        await asyncio.sleep(0.5)
        await second.close()
        return together, list(runs)

    together, after = asyncio.run(main())
    assert len(together) >= 5 and set(together) == {"web-a"}
    assert len(after) >= 5 and set(after) == {"web-b"}
    with session_scope(database_url) as session:
        [turn] = session.scalars(select(JobTurn)).all()
    assert turn.holder == "web-b" and turn.until == NOW  # given back at the end


def test_a_stopping_web_app_lets_a_running_job_end_before_it_gives_its_turn_back(
    database_url, monkeypatch
):
    import time

    import web.scheduler

    events: list[str] = []
    settings = load_settings({"DATABASE_URL": database_url})
    started = threading.Event()

    def slow(settings, now):
        events.append("job start")
        started.set()
        time.sleep(0.5)  # in a worker thread: a cancellation cannot stop it
        events.append("job end")
        return "1 done"

    give_back_as_before = web.scheduler._give_back

    def recorded_give_back(*args):
        events.append("given back")
        give_back_as_before(*args)

    monkeypatch.setattr(web.scheduler, "_give_back", recorded_give_back)

    async def main() -> None:
        app = create_app(settings, scheduled_jobs=False)
        job = ScheduledJob("slow", slow, timedelta(seconds=30))
        app.cleanup_ctx.append(run_scheduled_jobs(settings, [job], now=lambda: NOW, holder="a"))
        server = TestServer(app)
        await server.start_server()
        await asyncio.to_thread(started.wait, 5)
        await server.close()

    asyncio.run(main())
    assert events == ["job start", "job end", "given back"]
