"""Where the bot's socket.io messages go: to the sockets of this Rasa server, and with
several servers (REDIS_URL set) to the sockets of the others through Redis.

A coordinator's reply or a nudge is said in the conversation by whichever Rasa server
the web app reached, while the person's socket may be held by another one. The bus
delivers to this server's sockets at once (with sticky routing the socket is usually
here) and publishes the message on Redis for the others; each server delivers only
what another one published, so nothing arrives twice.

Before any local delivery of a bot message to a conversation's room, `before_delivery`
runs (channels/guarded.py: sockets without the link's proof leave the room), on every
server that delivers it. Messages cross Redis as JSON: python-socketio's own Redis
manager sends pickles, which anyone who can write to Redis could use to run code.
When Redis does not answer, this server's sockets are still served, and the outage is
logged once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from socketio import AsyncManager, AsyncRedisManager

logger = logging.getLogger(__name__)

CHANNEL = "toptraject-socketio"
BeforeDelivery = Callable[[str, object], Awaitable[None]]


async def _nothing_first(event: str, room: object) -> None:
    return None


class LocalBus(AsyncManager):
    """One Rasa server: python-socketio's own manager, with the check before delivery."""

    def __init__(self, before_delivery: BeforeDelivery = _nothing_first) -> None:
        super().__init__()
        self.before_delivery = before_delivery

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None, **kwargs: Any):  # noqa: ANN201
        await self.before_delivery(event, room)
        return await super().emit(event, data, namespace, room=room, **kwargs)


class RedisBus(AsyncRedisManager):
    def __init__(self, url: str, before_delivery: BeforeDelivery = _nothing_first) -> None:
        super().__init__(
            url,
            channel=CHANNEL,
            # No socket_timeout: the listener waits for messages as long as it takes.
            redis_options={"socket_connect_timeout": 5},
        )
        # Publishing has a timeout: a Redis that stops answering must not hold up a
        # turn (and with it the conversation's lock).
        self.publisher = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.before_delivery = before_delivery
        self.out_of_reach = False

    async def _deliver(self, message: dict[str, Any], callback: Any = None) -> None:
        await self.before_delivery(message["event"], message.get("room"))
        await AsyncManager.emit(
            self,
            message["event"],
            message.get("data"),
            message.get("namespace") or "/",
            room=message.get("room"),
            skip_sid=message.get("skip_sid"),
            callback=callback,
        )

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        **kwargs: Any,
    ) -> None:
        message = {
            "method": "emit",
            "event": event,
            "data": data,
            "namespace": namespace or "/",
            "room": room,
            "skip_sid": skip_sid,
            "host_id": self.host_id,
        }
        # An acknowledgement (not used by Rasa's channel) can only come from a socket
        # of this server: the callback goes with the local delivery only.
        await self._deliver(message, callback)
        if kwargs.get("ignore_queue"):
            return
        try:
            await self._publish(message)
        except (RedisError, OSError):
            if not self.out_of_reach:
                logger.warning(
                    "Redis does not answer: bot messages reach this server's chats only."
                )
                self.out_of_reach = True
            return
        if self.out_of_reach:
            logger.warning("Redis answers again: bot messages reach every server's chats.")
            self.out_of_reach = False

    async def _publish(self, data: dict[str, Any]) -> None:
        await self.publisher.publish(self.channel, json.dumps(data))

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("host_id") == self.host_id:
            return  # delivered here when it was said
        await self._deliver(message)

    async def _listen(self) -> AsyncIterator[dict[str, Any]]:
        """What the other servers publish, as JSON (never unpickled). Subscribing is
        retried too, with a growing pause: python-socketio subscribes once outside its
        retries, and a Redis that is down at that moment made it spin."""
        pause = 1.0
        while True:
            try:
                await self.pubsub.subscribe(self.channel)
                pause = 1.0
                async for raw in self.pubsub.listen():
                    if raw.get("type") != "message":
                        continue
                    try:
                        message = json.loads(raw["data"])
                    except (ValueError, TypeError, KeyError):
                        continue  # not one of ours
                    if isinstance(message, dict):
                        yield message
            except (RedisError, OSError):
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                await self.pubsub.reset()
