"""Which web app runs a background job now: with several web apps (a cluster, or an old
and a new one during a deployment) each job runs in one of them, never in two at once.

A web app takes a job's turn before each run: when nobody holds it, when it holds it
itself, or when the holder's turn ran out (it stopped, or was killed, without giving it
back). Taking renews the turn for `hold`; one conditional UPDATE (or the first INSERT)
decides, so two web apps cannot both take it (on PostgreSQL the second UPDATE waits for
the first and then finds the turn taken; SQLite has one writer at a time). A web app
that stops gives its turns back, so another takes over at its next tick.

The holder is the machine and the web app's port: the same web app restarted takes its
turn back at once.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import JobTurn


def holder_name(port: int) -> str:
    return f"{socket.gethostname()}:{port}"[:128]


def hold_for(interval: timedelta) -> timedelta:
    """How long a taken turn lasts: two intervals and five minutes, so a holder that is
    late, or whose run takes long (an outbox of many mails), keeps it, and one that is
    gone is replaced within that time. A web app restarted after a crash has the same
    name and takes its turns back at once."""
    return interval * 2 + timedelta(minutes=5)


def take_turn(session: Session, job: str, holder: str, *, now: datetime, hold: timedelta) -> bool:
    """True when this holder may run the job now (the turn is then its own until
    now + hold, and the run is counted)."""
    taken = session.execute(
        update(JobTurn)
        .where(JobTurn.job == job, or_(JobTurn.holder == holder, JobTurn.until <= now))
        .values(holder=holder, until=now + hold, last_run_at=now, runs=JobTurn.runs + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount:
        return True
    try:
        with session.begin_nested():
            session.add(JobTurn(job=job, holder=holder, until=now + hold, last_run_at=now, runs=1))
    except IntegrityError:
        return False  # another web app holds it (or took it just now)
    return True


def give_back(session: Session, holder: str, *, now: datetime) -> int:
    """Gives back every turn this holder has (a web app that stops): each runs out now,
    and its count of runs stays."""
    return session.execute(
        update(JobTurn)
        .where(JobTurn.holder == holder, JobTurn.until > now)
        .values(until=now)
        .execution_options(synchronize_session=False)
    ).rowcount
