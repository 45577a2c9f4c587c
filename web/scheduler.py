"""Runs the background jobs of infra/jobs.py on their timers while the web app is up.

A job that only works the database runs in a worker thread; one that also talks to
the network is awaited here (infra/jobs.py). A failing run is logged and retried at its
next turn; it never stops the web app. With several web apps each job runs in one of
them (infra/job_turns.py); a web app that stops gives its turns back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime

from aiohttp import web

from bot import clock
from bot.settings import Settings
from infra.db.session import session_scope
from infra.job_turns import give_back, hold_for, holder_name, take_turn
from infra.jobs import ScheduledJob, run_job, scheduled_jobs

logger = logging.getLogger(__name__)

# At shutdown, how long running jobs may take to end before the web app stops anyway.
STOP_WAIT_SECONDS = 10.0


def _did_something(summary: str) -> bool:
    """A job's summary counts what it did ("0 delivered, 2 to retry"): a count above
    zero is news; "0 ... 0" and a summary without counts repeat every run."""
    return any(int(count) for count in re.findall(r"\b\d+\b", summary))


def _my_turn(settings: Settings, job: ScheduledJob, holder: str, now: datetime) -> bool:
    with session_scope(settings.database_url) as session:
        return take_turn(session, job.name, holder, now=now, hold=hold_for(job.interval))


def _give_back(settings: Settings, holder: str, now: datetime) -> None:
    with session_scope(settings.database_url) as session:
        give_back(session, holder, now=now)


async def _repeat(
    job: ScheduledJob,
    settings: Settings,
    now: Callable[[], datetime],
    holder: str,
    stopping: asyncio.Future,
) -> None:
    """Runs the job at its interval while this web app has its turn, until `stopping`:
    a run that has begun ends first (its work in a worker thread cannot be cancelled).
    The pause between runs makes no task of its own: aiohttp (3.9) waits at shutdown,
    before the cleanup that ends these loops, for every task made after start-up."""
    while not stopping.done():
        try:
            if await asyncio.to_thread(_my_turn, settings, job, holder, now()):
                summary = await run_job(job.run, settings, now())
                # A person reads this log: only runs that did something are worth a line.
                level = logging.INFO if _did_something(summary) else logging.DEBUG
                logger.log(level, "Job %s: %s", job.name, summary)
        except Exception:
            logger.exception("Job %s failed; it runs again in %s.", job.name, job.interval)
        await asyncio.wait([stopping], timeout=job.interval.total_seconds())


def run_scheduled_jobs(
    settings: Settings,
    jobs: Sequence[ScheduledJob] | None = None,
    now: Callable[[], datetime] = clock.now,
    holder: str | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context for aiohttp: starts the job loops, and stops them (giving their
    turns back) on shutdown. `holder` names this web app among several."""

    to_run = scheduled_jobs(settings) if jobs is None else jobs
    me = holder or holder_name(settings.web_port)

    async def context(app: web.Application) -> AsyncIterator[None]:
        stopping = asyncio.get_running_loop().create_future()
        tasks = [asyncio.create_task(_repeat(job, settings, now, me, stopping)) for job in to_run]
        yield
        stopping.set_result(None)
        # Runs under way end before the turns are given back, or another web app could
        # start the same job beside them; one that takes too long is left to its turn.
        _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if late:
            logger.warning("A job was still running at shutdown; its turn runs out by itself.")
            return
        try:
            await asyncio.to_thread(_give_back, settings, me, now())
        except Exception:
            logger.warning("The job turns could not be given back; they run out by themselves.")

    return context
