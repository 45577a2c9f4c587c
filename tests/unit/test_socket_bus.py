"""The bot's socket.io messages between Rasa servers (channels/socket_bus.py), with two
real socket.io servers on one real Redis."""

from __future__ import annotations

import asyncio
import pickle
import time

import redis.asyncio
import socketio
from aiohttp import web

from channels.socket_bus import CHANNEL, LocalBus, RedisBus
from infra.scratch.ports import free_port


async def _server(bus) -> tuple[socketio.AsyncServer, web.AppRunner, int]:
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=bus)

    @sio.on("session_request")
    async def join(sid, data):
        sio.enter_room(sid, data["session_id"])
        await sio.emit("session_confirm", data["session_id"], room=sid)

    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return sio, runner, port


async def _listener(port: int, room: str) -> tuple[socketio.AsyncClient, list]:
    heard: list = []
    confirmed = asyncio.Event()
    client = socketio.AsyncClient()
    client.on("bot_uttered", heard.append)
    client.on("session_confirm", lambda _: confirmed.set())
    await client.connect(f"http://127.0.0.1:{port}", transports=["websocket"])
    await client.emit("session_request", {"session_id": room})
    await asyncio.wait_for(confirmed.wait(), 10)
    return client, heard


def test_a_message_said_on_one_server_reaches_a_socket_on_the_other_once(scratch_redis):
    checked: list[tuple[str, str, object]] = []

    def guard(server: str):
        async def before_delivery(event: str, room: object) -> None:
            checked.append((server, event, room))

        return before_delivery

    async def main() -> list:
        here, here_runner, here_port = await _server(RedisBus(scratch_redis.url(), guard("here")))
        there, there_runner, there_port = await _server(
            RedisBus(scratch_redis.url(), guard("there"))
        )
        client, heard = await _listener(there_port, "conversation-1")
        # A server listens on the bus once it holds a socket (python-socketio starts the
        # listener at the first connection): one in another conversation here.
        other, _ = await _listener(here_port, "conversation-other")
        await asyncio.sleep(0.3)
        await here.emit(
            "bot_uttered", {"text": "Je coordinator heeft geantwoord."}, room="conversation-1"
        )
        await there.emit("bot_uttered", {"text": "Nog een bericht."}, room="conversation-1")
        await asyncio.sleep(1.0)
        await client.disconnect()
        await other.disconnect()
        for runner in (here_runner, there_runner):
            await runner.cleanup()
        return heard

    heard = asyncio.run(main())
    # Each once (a server's own message is not delivered again from the bus); the one
    # said here travels through Redis, so it may come second.
    assert sorted(message["text"] for message in heard) == [
        "Je coordinator heeft geantwoord.",
        "Nog een bericht.",
    ]
    # The check ran on each server for each message it delivered to its sockets.
    assert sorted(server for server, event, _ in checked if event == "bot_uttered") == [
        "here",
        "here",
        "there",
        "there",
    ]


UNPICKLED: list[str] = []


def _record(text: str) -> None:
    UNPICKLED.append(text)


class Trap:
    def __reduce__(self):
        return (_record, ("unpickled",))


def test_the_bus_reads_json_and_never_unpickles(scratch_redis):
    async def main() -> list:
        _, runner, port = await _server(RedisBus(scratch_redis.url()))
        client, heard = await _listener(port, "conversation-2")
        await asyncio.sleep(0.3)
        publisher = redis.asyncio.Redis.from_url(scratch_redis.url())
        trap = {"method": "emit", "event": "bot_uttered", "data": Trap(), "room": "conversation-2"}
        await publisher.publish(CHANNEL, pickle.dumps(trap))
        await publisher.publish(
            CHANNEL,
            b'{"method": "emit", "event": "bot_uttered", "data": {"text": "van elders"},'
            b' "namespace": "/", "room": "conversation-2", "host_id": "another-server"}',
        )
        await asyncio.sleep(1.0)
        await publisher.close()
        await client.disconnect()
        await runner.cleanup()
        return heard

    assert asyncio.run(main()) == [{"text": "van elders"}]
    assert UNPICKLED == []


def test_without_redis_the_servers_own_sockets_still_hear_the_bot(caplog):
    async def main() -> list:
        # Nothing listens on port 9 (discard) of this machine.
        sio, runner, port = await _server(RedisBus("redis://127.0.0.1:9/0"))
        client, heard = await _listener(port, "conversation-3")
        await sio.emit("bot_uttered", {"text": "een"}, room="conversation-3")
        await sio.emit("bot_uttered", {"text": "twee"}, room="conversation-3")
        used = time.process_time()
        await asyncio.sleep(1.5)
        # The listener waits between tries to reach Redis; it does not spin.
        assert time.process_time() - used < 0.5
        await client.disconnect()
        await runner.cleanup()
        return heard

    assert asyncio.run(main()) == [{"text": "een"}, {"text": "twee"}]
    warnings = [r.getMessage() for r in caplog.records if r.name == "channels.socket_bus"]
    assert warnings == ["Redis does not answer: bot messages reach this server's chats only."]


def test_one_server_runs_the_check_before_its_own_sockets_hear_the_bot():
    checked: list[object] = []

    async def before_delivery(event: str, room: object) -> None:
        checked.append((event, room))

    async def main() -> list:
        sio, runner, port = await _server(LocalBus(before_delivery))
        client, heard = await _listener(port, "conversation-4")
        await sio.emit("bot_uttered", {"text": "hoi"}, room="conversation-4")
        await asyncio.sleep(0.3)
        await client.disconnect()
        await runner.cleanup()
        return heard

    assert asyncio.run(main()) == [{"text": "hoi"}]
    assert ("bot_uttered", "conversation-4") in checked
