"""When to restart a service: a pure decision, so it is tested without processes.

A process that exits is started again after a pause that doubles with each restart in
a row (1 s, 2 s, 4 s ... at most 16 s), so a process that keeps crashing does not
spin, and one crash is mended within seconds. Exit codes are not enough: a process
that stops answering its health check while it uses no processor time (stopped, or
stuck waiting) for several checks in a row is hung, and is killed and restarted the
same way. A process that does not answer because it is busy (Rasa under load keeps
its event loop on the language model) is left alone for much longer, so load never
makes the supervisor kill the conversations in progress. While a process starts
(Rasa loads its model), failing checks do not count until the grace period is over.
A process that stays healthy long enough starts the backoff over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Step(Enum):
    KEEP = "keep"  # running, or starting: nothing to do
    KILL = "kill"  # hung: stop it now; it is started again after the pause
    WAIT = "wait"  # down: its pause is not over yet
    START = "start"  # down and the pause is over: start it again


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 16.0
    # Seconds a starting process may fail its health check (Rasa loads its model).
    start_grace: float = 300.0
    # Failed health checks in a row, without using processor time, after which a
    # started process counts as hung.
    failed_checks: int = 4
    # Seconds a busy process (it uses processor time) may leave checks unanswered.
    busy_limit: float = 180.0
    # Healthy this long after a restart: the next crash waits first_delay again.
    stable_after: float = 120.0


@dataclass(frozen=True)
class Watch:
    """What the supervisor knows of one service."""

    started_at: float
    healthy_since: float | None = None
    failed_checks: int = 0
    restarts_in_a_row: int = 0
    down_since: float | None = None
    unanswered_since: float | None = None

    def restarted(self, now: float) -> Watch:
        return Watch(started_at=now, restarts_in_a_row=self.restarts_in_a_row + 1)


def restart_delay(restarts_in_a_row: int, policy: RestartPolicy) -> float:
    return min(policy.first_delay * 2**restarts_in_a_row, policy.max_delay)


def next_step(
    watch: Watch,
    *,
    now: float,
    exited: bool,
    healthy: bool | None,
    policy: RestartPolicy,
    busy: bool = False,
) -> tuple[Watch, Step]:
    """The next step for one service. `healthy` is None when no check finished since
    the last call; `busy` says the process used processor time since the last check."""
    if watch.down_since is None and exited:
        watch = replace(watch, down_since=now)
    if watch.down_since is not None:
        due = watch.down_since + restart_delay(watch.restarts_in_a_row, policy)
        return watch, (Step.START if now >= due else Step.WAIT)
    if healthy is None:
        return watch, Step.KEEP
    if healthy:
        since = watch.healthy_since if watch.healthy_since is not None else now
        restarts = 0 if now - since >= policy.stable_after else watch.restarts_in_a_row
        return replace(
            watch,
            healthy_since=since,
            failed_checks=0,
            restarts_in_a_row=restarts,
            unanswered_since=None,
        ), Step.KEEP
    if watch.healthy_since is None and now - watch.started_at < policy.start_grace:
        return watch, Step.KEEP  # still starting
    unanswered = watch.unanswered_since if watch.unanswered_since is not None else now
    if busy and watch.healthy_since is not None:
        if now - unanswered < policy.busy_limit:
            return replace(watch, unanswered_since=unanswered, failed_checks=0), Step.KEEP
        return replace(watch, down_since=now), Step.KILL  # busy, but never answering
    failed = watch.failed_checks + 1
    if failed < policy.failed_checks and watch.healthy_since is not None:
        return replace(watch, failed_checks=failed, unanswered_since=unanswered), Step.KEEP
    return replace(watch, failed_checks=failed, down_since=now), Step.KILL
