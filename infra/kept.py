"""Work the database would not take (locked for too long, or down): kept in a file and
done later, so nothing a person told the assistant is lost.

Three kinds: a finished check-in, a handoff request, and a risk signal. Each goes to
a file of its own, named after an idempotency key, so keeping the same thing twice is
harmless; a job does the kept work when the database answers again, with the moment
it was asked, and removes each file only after its transaction has committed. A
check-in stored twice is found by its key; a handoff finds the conversation's open
handoff.

The files hold personal data, like the database: they are readable by this user only
and removed as soon as their work is done.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.checkins.records import CheckInAnswers, record_check_in
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.handoffs import HandoffRequest, TooManyHandoffsError, create_handoff
from bot.risk.decide import RiskVerdict
from bot.risk.records import RiskReport, report_risk
from bot.vocabulary import HandoffPriority, RiskKind
from infra.db.retry import in_thread_with_retry

logger = logging.getLogger(__name__)

Kept = CheckInAnswers | HandoffRequest | RiskReport


@dataclass(frozen=True)
class KeptWork:
    conversation_id: str
    work: Kept
    idempotency_key: str
    submitted_at: datetime


def _plain(value: Any) -> Any:
    """Enums as their values, all the way down, for JSON."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _kind_of(work: Kept) -> str:
    return {CheckInAnswers: "checkin", HandoffRequest: "handoff", RiskReport: "risk"}[type(work)]


def _work_from(kind: str, fields: dict[str, Any]) -> Kept:
    if kind == "checkin":
        return CheckInAnswers(**fields)
    if kind == "handoff":
        return HandoffRequest(**{**fields, "priority": HandoffPriority(fields["priority"])})
    if kind == "risk":
        verdict = dict(fields["verdict"])
        verdict["kind"] = RiskKind(verdict["kind"])
        verdict["kinds"] = tuple(RiskKind(kind) for kind in verdict["kinds"])
        return RiskReport(**{**fields, "verdict": RiskVerdict(**verdict)})
    raise ValueError(f"unknown kind of kept work: {kind!r}")


def _file_for(directory: Path, idempotency_key: str) -> Path:
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return directory / f"kept-{digest}.json"


def keep(directory: Path, kept: KeptWork) -> Path:
    """Writes kept work to its own file, all at once (never half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = _file_for(directory, kept.idempotency_key)
    record = {
        "kind": _kind_of(kept.work),
        "conversation_id": kept.conversation_id,
        "idempotency_key": kept.idempotency_key,
        "submitted_at": kept.submitted_at.isoformat(),
        "work": _plain(asdict(kept.work)),
    }
    partial = target.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(record, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return target


def _read(path: Path) -> KeptWork:
    record = json.loads(path.read_text(encoding="utf-8"))
    return KeptWork(
        conversation_id=record["conversation_id"],
        work=_work_from(record["kind"], record["work"]),
        idempotency_key=record["idempotency_key"],
        submitted_at=datetime.fromisoformat(record["submitted_at"]),
    )


@dataclass(frozen=True)
class Replay:
    """What doing kept work needs besides the database."""

    policy: DeadlinePolicy
    default_region: str
    handoffs_per_address: int = 20


def _do(session: Session, kept: KeptWork, replay: Replay) -> bool:
    """Does the kept work; False when it no longer applies (a check-in whose goal or
    student link is gone)."""
    work = kept.work
    if isinstance(work, CheckInAnswers):
        outcome = record_check_in(
            session,
            kept.conversation_id,
            work,
            idempotency_key=kept.idempotency_key,
            now=kept.submitted_at,
        )
        return outcome is not None
    if isinstance(work, HandoffRequest):
        try:
            create_handoff(
                session,
                kept.conversation_id,
                work,
                now=kept.submitted_at,
                policy=replay.policy,
                default_region=replay.default_region,
                per_client=replay.handoffs_per_address,
            )
        except TooManyHandoffsError:
            return False
        return True
    report_risk(
        session,
        kept.conversation_id,
        work,
        now=kept.submitted_at,
        policy=replay.policy,
        default_region=replay.default_region,
    )
    return True


@dataclass(frozen=True)
class KeptReport:
    done: int
    waiting: int
    # No longer applies (unlinked, or goal removed meanwhile), or unreadable.
    refused: int = 0


def do_kept_work(
    open_session: Callable[[], AbstractContextManager[Session]], directory: Path, replay: Replay
) -> KeptReport:
    """Does every piece of kept work, oldest first, each in its own transaction; what
    fails keeps waiting for the next run."""
    done = waiting = refused = 0
    if not directory.is_dir():
        return KeptReport(done=0, waiting=0)
    paths = sorted(directory.glob("kept-*.json"), key=lambda path: path.stat().st_mtime)
    for path in paths:
        try:
            kept = _read(path)
        except FileNotFoundError:
            continue  # done meanwhile by another worker
        except (ValueError, KeyError, TypeError):
            logger.error("Kept work in %s cannot be read; set aside as .bad.", path.name)
            path.rename(path.with_suffix(".bad"))
            refused += 1
            continue
        try:
            with open_session() as session:
                applies = _do(session, kept, replay)
        except SQLAlchemyError as exc:
            waiting += 1
            logger.warning("Kept work still cannot be stored (%s).", type(exc).__name__)
            continue
        path.unlink(missing_ok=True)
        if applies:
            done += 1
        else:
            logger.warning("Kept %s no longer applies; dropped.", _kind_of(kept.work))
            refused += 1
    return KeptReport(done=done, waiting=waiting, refused=refused)


T = TypeVar("T")


class NotStored(Enum):
    KEPT = "kept"  # in a file; the job stores it when the database answers
    LOST = "lost"  # not even a file could be written: the person is told to try again
    REFUSED = "refused"  # a limit said no (too many handoffs from this client)


async def store_or_keep(store: Callable[[], T], kept: KeptWork, directory: Path) -> T | NotStored:
    """The result of store() (its own session, off the event loop, tried again when the
    database is busy), or what became of the work when the database would not take it."""
    try:
        return await in_thread_with_retry(store)
    except SQLAlchemyError:
        pass
    try:
        await asyncio.to_thread(keep, directory, kept)
    except OSError:
        logger.exception("Work could not be stored nor kept.")
        return NotStored.LOST
    logger.warning("Work was kept for later: the database did not answer.")
    return NotStored.KEPT
