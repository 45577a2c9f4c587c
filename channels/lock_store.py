"""Rasa's lock store for several Rasa servers: one conversation's messages are handled
one at a time, whichever server they reach.

Rasa's own RedisLockStore reads a conversation's lock and writes it back in two steps,
so two servers can draw the same ticket at the same moment (both then handle a message
of the conversation at once), and it waits on Redis with the event loop held. Here every
change of a lock's queue (channels/lock_queue.py) is one Redis transaction (WATCH and
MULTI: a queue changed meanwhile is read again), every call is awaited, and each ticket
is a lease renewed while its holder lives, timed by Redis's clock: the conversations of
a Rasa server that was killed go on elsewhere within LEASE_SECONDS. Within one server
the messages of a conversation first queue for the server's own lock (Rasa's in-memory
store), so the two locks never disagree.

Sticky routing (nginx) still sends a conversation to one server; this store is what
keeps it right while a conversation moves (a server killed, or back).

When Redis does not answer, a message is handled under this server's lock alone and
the outage is logged once: with sticky routing that is what the conversation needs,
and nobody waits for Redis to come back (it is asked again after RETRY_REDIS_SECONDS).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import exceptions as redis_errors
from redis.asyncio import Redis

from channels import lock_queue
from channels.lock_queue import Queue

logger = logging.getLogger(__name__)

# A holder renews its lease every third of it; a server that was killed holds its
# conversations' queues at most this long. Longer than the event loop is ever held by
# one prediction under load, and than three socket timeouts.
LEASE_SECONDS = 20.0
POLL_SECONDS = 0.02
# After Redis did not answer, it is asked again only after this long: messages do not
# each wait for a connection timeout during an outage.
RETRY_REDIS_SECONDS = 5.0
SOCKET_TIMEOUT_SECONDS = 6.0
KEY_PREFIX = "toptraject:lock:"
_UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


def _seconds(redis_time: tuple[int, int]) -> float:
    """Redis's TIME: every server reads the same clock, so no server's clock being
    off can end another's lease early."""
    whole, micro = redis_time
    return whole + micro / 1_000_000


def _quietly(task: asyncio.Task) -> None:
    """A finished renewal's outcome is taken, so asyncio does not log it as lost."""
    if not task.cancelled() and task.exception() is not None:
        logger.warning("A lock lease renewal failed: %s", type(task.exception()).__name__)


class SharedLockStore(LockStore):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        url: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        super().__init__()
        address = url or (endpoint_config.url if endpoint_config else None)
        if not address:
            raise ValueError("The shared lock store needs the Redis URL (lock_store: url).")
        self.redis = Redis.from_url(
            address, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=5
        )
        self.lease = lease_seconds
        self.local = InMemoryLockStore()
        self.out_of_reach = False
        self.retry_redis_at = 0.0

    def key(self, conversation_id: str) -> str:
        return KEY_PREFIX + conversation_id

    async def change(self, conversation_id: str, change: Callable[[Queue, float], Any]) -> Any:
        """Applies `change` (queue, now -> (new queue or None to keep it, result)) as
        one transaction; returns the result."""
        key = self.key(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    queue = lock_queue.decode(await pipe.get(key))
                    new, result = change(queue, _seconds(await pipe.time()))
                    if new is None:
                        return result
                    pipe.multi()
                    if new:
                        # A queue nobody renews disappears by itself.
                        pipe.set(key, lock_queue.encode(new), px=int(self.lease * 3000))
                    else:
                        pipe.delete(key)
                    await pipe.execute()
                    return result
                except redis_errors.WatchError:
                    continue  # changed meanwhile by another server: read it again
                finally:
                    await pipe.reset()

    async def _serving(self, conversation_id: str) -> str | None:
        async with self.redis.pipeline(transaction=False) as pipe:
            raw, now = await pipe.get(self.key(conversation_id)).time().execute()
        return lock_queue.serving(lock_queue.decode(raw), _seconds(now))

    async def _keep_lease(self, conversation_id: str, holder: str, done: asyncio.Event) -> None:
        """Renews the holder's lease until `done` is set. It stops on the event, not on a
        cancellation: a cancellation that meets a Redis read whose time ran out (the
        event loop busy with a prediction for longer than the socket timeout) comes out
        as a timeout error, and a renewal that went on would hold the lock for ever."""
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), timeout=self.lease / 3)
                return
            except asyncio.TimeoutError:
                pass
            try:
                kept = await self.change(conversation_id, self._renewal(holder))
            except _UNREACHABLE:
                continue  # the lease may lapse; the message is finished anyway
            if not kept and not done.is_set():
                logger.warning("A conversation's lock lease ran out while it was held.")
                return

    def _renewal(self, holder: str) -> Callable[[Queue, float], tuple[Queue | None, bool]]:
        def renewal(queue: Queue, now: float) -> tuple[Queue | None, bool]:
            renewed = lock_queue.renew(queue, holder, now, self.lease)
            return renewed, renewed is not None

        return renewal

    async def _wait_for_turn(self, conversation_id: str, holder: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (current := await self._serving(conversation_id)) != holder:
            if current is None or loop.time() > deadline:
                raise LockError(f"Could not acquire lock for conversation '{conversation_id}'.")
            await asyncio.sleep(POLL_SECONDS)

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """This server's own lock first, then the conversation's queue in Redis: within
        a server the two never disagree, also when Redis goes away or comes back in the
        middle of a message."""
        async with (
            self.local.lock(conversation_id, lock_lifetime, POLL_SECONDS),
            self._shared(conversation_id, lock_lifetime),
        ):
            yield TicketLock(conversation_id)

    def _redis_lost(self) -> None:
        self.retry_redis_at = time.monotonic() + RETRY_REDIS_SECONDS
        if not self.out_of_reach:
            logger.warning("Redis does not answer: conversations are locked per server.")
            self.out_of_reach = True

    @contextlib.asynccontextmanager
    async def _shared(self, conversation_id: str, lock_lifetime: float) -> AsyncIterator[None]:
        if self.out_of_reach and time.monotonic() < self.retry_redis_at:
            yield  # this server's lock only, until Redis is asked again
            return
        holder = uuid.uuid4().hex
        done = asyncio.Event()
        try:
            try:
                await self.change(
                    conversation_id,
                    lambda queue, now: (lock_queue.join(queue, holder, now, self.lease), None),
                )
                renewing = asyncio.create_task(self._keep_lease(conversation_id, holder, done))
                renewing.add_done_callback(_quietly)  # not awaited: it stops on `done`
                await self._wait_for_turn(conversation_id, holder, lock_lifetime)
            except _UNREACHABLE:
                self._redis_lost()  # carry on under this server's lock
            else:
                if self.out_of_reach:
                    logger.warning("Redis answers again: conversations are locked across servers.")
                    self.out_of_reach = False
            yield
        finally:
            done.set()  # the renewal ends by itself; nothing here waits for it
            with contextlib.suppress(*_UNREACHABLE):
                # Also when the join's answer was lost to a cancellation: a ticket that
                # was stored must not head the queue until its lease runs out.
                await asyncio.shield(
                    self.change(
                        conversation_id,
                        lambda queue, now: (lock_queue.leave(queue, holder, now), None),
                    )
                )
