"""The shared lock store (channels/lock_store.py) on a real Redis server: two Rasa
servers' stores never let two messages of one conversation be handled at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import pytest
from rasa.core.lock_store import LockError

from channels import lock_queue
from channels.lock_store import SharedLockStore


def two_servers(redis_url: str, lease: float = 10.0) -> tuple[SharedLockStore, SharedLockStore]:
    return SharedLockStore(url=redis_url, lease_seconds=lease), SharedLockStore(
        url=redis_url, lease_seconds=lease
    )


async def _close(*stores: SharedLockStore) -> None:
    for store in stores:
        await store.redis.close()


def test_messages_of_one_conversation_through_two_servers_are_handled_one_at_a_time(
    scratch_redis,
):
    conversation = f"c-{uuid.uuid4().hex}"
    inside: list[int] = []
    overlaps: list[int] = []
    order: list[int] = []

    async def message(store: SharedLockStore, number: int) -> None:
        async with store.lock(conversation):
            inside.append(number)
            if len(inside) > 1:
                overlaps.append(number)
            await asyncio.sleep(0.005)  # the turn awaits its action, the database ...
            order.append(number)
            inside.remove(number)

    async def main() -> None:
        first, second = two_servers(scratch_redis.url(1))
        await asyncio.gather(
            *(message(first if number % 2 else second, number) for number in range(40))
        )
        await _close(first, second)

    asyncio.run(main())
    assert overlaps == []
    assert sorted(order) == list(range(40))


def test_other_conversations_do_not_wait(scratch_redis):
    async def main() -> float:
        store = SharedLockStore(url=scratch_redis.url(1))
        loop = asyncio.get_running_loop()
        async with store.lock(f"c-{uuid.uuid4().hex}"):
            started = loop.time()
            async with store.lock(f"c-{uuid.uuid4().hex}"):
                waited = loop.time() - started
        await _close(store)
        return waited

    assert asyncio.run(main()) < 0.5


def test_a_killed_servers_conversation_goes_on_elsewhere_after_one_lease(scratch_redis):
    conversation = f"c-{uuid.uuid4().hex}"

    async def main() -> float:
        killed, survivor = two_servers(scratch_redis.url(1), lease=0.4)
        # The killed server joined the queue and will never renew or leave.
        await killed.change(
            conversation, lambda queue, now: (lock_queue.join(queue, "killed", now, 0.4), None)
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with survivor.lock(conversation):
            waited = loop.time() - started
        await _close(killed, survivor)
        return waited

    waited = asyncio.run(main())
    assert 0.2 < waited < 2.0


def test_a_long_turn_keeps_its_lock_by_renewing_the_lease(scratch_redis):
    conversation = f"c-{uuid.uuid4().hex}"
    events: list[str] = []

    async def long_turn(store: SharedLockStore) -> None:
        async with store.lock(conversation):
            events.append("long in")
            await asyncio.sleep(1.0)  # over three leases
            events.append("long out")

    async def next_turn(store: SharedLockStore) -> None:
        await asyncio.sleep(0.1)
        async with store.lock(conversation):
            events.append("next in")

    async def main() -> None:
        first, second = two_servers(scratch_redis.url(1), lease=0.3)
        await asyncio.gather(long_turn(first), next_turn(second))
        await _close(first, second)

    asyncio.run(main())
    assert events == ["long in", "long out", "next in"]


def test_waiting_longer_than_the_lock_lifetime_gives_up(scratch_redis):
    conversation = f"c-{uuid.uuid4().hex}"

    async def main() -> None:
        holder, waiter = two_servers(scratch_redis.url(1))
        async with holder.lock(conversation):
            with pytest.raises(LockError):
                async with waiter.lock(conversation, lock_lifetime=0.3):
                    pass
        # The one that gave up left the queue: the next one is served at once.
        async with waiter.lock(conversation, lock_lifetime=0.3):
            pass
        await _close(holder, waiter)

    asyncio.run(main())


def test_without_redis_each_server_locks_on_its_own_and_says_so_once(caplog):
    caplog.set_level(logging.WARNING, logger="channels.lock_store")
    inside: list[int] = []
    overlaps: list[int] = []

    async def message(store: SharedLockStore, number: int) -> None:
        async with store.lock("c-no-redis"):
            inside.append(number)
            overlaps.extend(inside[1:])
            await asyncio.sleep(0.001)
            inside.remove(number)

    async def main() -> None:
        # Nothing listens on port 9 (discard) of this machine.
        store = SharedLockStore(url="redis://127.0.0.1:9/1")
        await asyncio.gather(*(message(store, number) for number in range(5)))
        await _close(store)

    asyncio.run(main())
    assert overlaps == []
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == ["Redis does not answer: conversations are locked per server."]


def test_when_redis_comes_back_the_lock_is_shared_again(scratch_redis, caplog, monkeypatch):
    monkeypatch.setattr("channels.lock_store.RETRY_REDIS_SECONDS", 0.0)
    caplog.set_level(logging.WARNING, logger="channels.lock_store")
    conversation = f"c-{uuid.uuid4().hex}"

    async def turn(store: SharedLockStore) -> None:
        async with store.lock(conversation):
            pass

    async def queue_now(store: SharedLockStore) -> lock_queue.Queue:
        async with store.lock(conversation):
            return lock_queue.decode(await store.redis.get(store.key(conversation)))

    store = SharedLockStore(url=scratch_redis.url(1))
    scratch_redis.stop()
    try:
        asyncio.run(turn(store))
    finally:
        scratch_redis.start()
    held = asyncio.run(queue_now(SharedLockStore(url=scratch_redis.url(1))))
    asyncio.run(turn(store))
    assert len(held) == 1  # the lock lives in Redis again
    assert [record.getMessage() for record in caplog.records] == [
        "Redis does not answer: conversations are locked per server.",
        "Redis answers again: conversations are locked across servers.",
    ]


def test_when_redis_goes_away_mid_message_the_next_message_still_waits_for_it(
    scratch_redis, monkeypatch
):
    monkeypatch.setattr("channels.lock_store.RETRY_REDIS_SECONDS", 0.0)
    conversation = f"c-{uuid.uuid4().hex}"
    events: list[str] = []

    async def main() -> None:
        store = SharedLockStore(url=scratch_redis.url(1))
        held = asyncio.Event()

        async def first() -> None:
            async with store.lock(conversation):
                events.append("first in")
                held.set()
                await asyncio.sleep(0.5)
                events.append("first out")

        async def second() -> None:
            await held.wait()
            scratch_redis.stop()  # Redis goes away while the first holds the lock
            async with store.lock(conversation):
                events.append("second in")

        try:
            await asyncio.gather(first(), second())
        finally:
            scratch_redis.start()
        await _close(store)

    asyncio.run(main())
    assert events == ["first in", "first out", "second in"]


def test_a_message_cancelled_while_it_waits_leaves_no_ticket_behind(scratch_redis):
    conversation = f"c-{uuid.uuid4().hex}"

    async def main() -> tuple[lock_queue.Queue, float]:
        holder, other = two_servers(scratch_redis.url(1))
        async with holder.lock(conversation):
            waiting = asyncio.create_task(_hold(other, conversation))
            await asyncio.sleep(0.2)  # it joined the queue and waits
            waiting.cancel()  # the client went away
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            await asyncio.sleep(0.1)
            queue = lock_queue.decode(await holder.redis.get(holder.key(conversation)))
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with other.lock(conversation):
            waited = loop.time() - started
        await _close(holder, other)
        return queue, waited

    queue, waited = asyncio.run(main())
    assert len(queue) == 1  # only the holder's own ticket
    assert waited < 1.0


async def _hold(store: SharedLockStore, conversation: str) -> None:
    async with store.lock(conversation):
        await asyncio.sleep(10)
