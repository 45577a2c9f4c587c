"""Blocking database work off the event loop, tried again when the database is busy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def in_thread_with_retry(
    work: Callable[[], T], *, attempts: int = 2, pause_seconds: float = 1.0
) -> T:
    """Runs work (its own session, its own transaction) in a worker thread.

    A database error (locked past the busy timeout, a lost connection, a race on a
    unique key) rolls the transaction back; the work is then tried again after a
    pause, up to `attempts` times, and the last error is raised to the caller.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await asyncio.to_thread(work)
        except SQLAlchemyError as exc:
            if attempt == attempts:
                raise
            logger.warning(
                "Database busy or unreachable (%s); trying again (%d of %d).",
                type(exc).__name__,
                attempt + 1,
                attempts,
            )
            await asyncio.sleep(pause_seconds)
    raise AssertionError("unreachable")
