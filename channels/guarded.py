"""Rasa's REST and socket.io channels with the input bounded at the edge.

Before anything is stored or parsed: a sender or session id must be a short, encodable
text (a lone surrogate once made Rasa exit, and every conversation with it), a REST
request must be a JSON object with a sender (no shared "default" conversation), and a
message is cut one character past the limit (bot.input_check.at_the_edge): Rasa reads
no more than 1,001 characters of 100 KB, and a sender's next long message within a
minute is answered "too long" by the channel itself, unless its words signal risk
(bot/edge_answer.py): a flood of them costs microseconds.
A typed "/intent{...}" passes only if a button of ours could have sent it
(bot.input_check.only_button_commands): /distress typed by hand is just words.

A conversation id alone opens nobody's data: a message on a linked conversation that
lacks the link's proof is handled in a side conversation (channels/proof.py), and a
socket joins a linked conversation's room (where its answers and the coordinator's
replies are sent) only once it has proved itself: with a message that carries the
proof, or with the chat page's "chat_proof" event right after connecting.

While a coordinator talks live with the person (a claimed handoff), a message goes to
the coordinator's thread instead of the bot; only a risk signal is answered by the bot
too (channels/handover.py).

After the message is handled, a turn that sent the user nothing at all (a custom
action failed, the action server is down or restarting) gets a Dutch "even geduld"
with the crisis line, never silence. A custom action call gives up after
ACTION_TIMEOUT_SECONDS (20 by default) instead of Rasa's five minutes.

Same names as Rasa's channels ("rest", "socketio"), so the webhook paths stay the same.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.actions.action
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.content.catalog import catalog
from bot.edge_answer import edge_reply_key, is_long
from bot.identity import throttle
from bot.identity.proof import (
    Lock,
    Offered,
    Standing,
    offered,
    side_conversation_id,
    standing,
    unproven_listeners,
)
from bot.identity.throttle import CLIENT_METADATA_KEY
from bot.identity.tokens import TOKEN_METADATA_KEY
from bot.input_check import at_the_edge, only_button_commands, valid_conversation_id
from bot.settings import load_settings
from channels.action_calls import close_kept_sessions
from channels.action_calls import install as install_kept_action_sessions
from channels.action_payload import install as install_recent_action_payload
from channels.action_results import install as install_action_result_check
from channels.event_types import install as install_event_type_lookup
from channels.graph_targets import install as install_graph_target_walk
from channels.handover import relay_if_live
from channels.history_walk import install as install_history_walk
from channels.past_states import install as install_past_states_once
from channels.proof import conversation_for, read_link
from channels.rule_first import install as install_rule_first
from channels.rule_window import install as install_rule_window
from channels.socket_bus import LocalBus, RedisBus
from channels.traced_predict import install as install_traced_predict
from channels.tracker_copy import install as install_tracker_copy

logger = logging.getLogger(__name__)

# Rasa waits five minutes for a custom action (DEFAULT_REQUEST_TIMEOUT, read at each
# call). A hung action server should cost a user seconds, not minutes: the turn then
# gets the patience answer below. Set when Rasa loads this module, before any turn.
SETTINGS = load_settings()
rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = SETTINGS.action_timeout_seconds
# Each action's answer is checked with a schema validator built once, each stored
# event's class is looked up once per name, the nodes a graph run needs are found
# visiting each node once, action calls keep their connections, and the policies share
# the conversation's past states, rules are matched over the states they can see,
# TEDPolicy is not run where a rule decided, and the models predict through their one
# traced graph (issue 17).
install_action_result_check()
install_kept_action_sessions()
install_past_states_once()
install_event_type_lookup()
install_graph_target_walk()
install_tracker_copy()
install_history_walk()
install_recent_action_payload()
install_rule_window()
install_rule_first()
install_traced_predict()


def client_key(remote: str | None, forwarded_for: str | None) -> str:
    """The keyed hash of the client's address that the code-guessing limits count by.
    Put in the message metadata by the channel, over anything the browser sent under
    that name, so an action may trust it; the address itself is never stored."""
    return throttle.client_key(
        remote, forwarded_for, trusted=SETTINGS.trusted_proxies, secret_key=SETTINGS.secret_key
    )


def _metadata(raw: object, key: str) -> dict[str, Any]:
    metadata = raw if isinstance(raw, dict) else {}
    return {**metadata, CLIENT_METADATA_KEY: key}


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _counting(output: OutputChannel) -> list[int]:
    """Counts what Rasa sends through this output channel (every bot message goes
    through send_response); returns the one-element counter."""
    sent = [0]
    send_response = output.send_response

    async def counted(recipient_id: str, message: dict[str, Any]) -> None:
        sent[0] += 1
        await send_response(recipient_id, message)

    output.send_response = counted  # type: ignore[method-assign]
    return sent


# Senders whose last long message the channel remembers (bot/edge_answer.py).
MAX_SENDERS_REMEMBERED = 10_000


Relay = Callable[[UserMessage], Awaitable[bool]]


def never_silent(on_new_message: OnNewMessage, relay: Relay = relay_if_live) -> OnNewMessage:
    """Handles a message; if the turn sent nothing, the user gets the patience answer.
    A message the channel answers itself (bot/edge_answer.py: a repeated long message)
    never reaches Rasa. During a live handover a message goes to the coordinator
    (channels/handover.py), and the bot answers only what signals risk."""

    # Conversation -> when its last long message came. Per conversation, not per
    # address: two students behind one school address each get their story read.
    long_from: dict[str, float] = {}

    async def handle(message: UserMessage) -> None:
        sender = message.sender_id
        now = time.monotonic()
        edge_reply = edge_reply_key(message.text, long_from.get(sender), now)
        if is_long(message.text):
            long_from[sender] = now
            if len(long_from) > MAX_SENDERS_REMEMBERED:
                long_from.pop(next(iter(long_from)))  # the oldest
        if edge_reply is not None:
            # Answered here, in microseconds: the language pipeline never reads it.
            await message.output_channel.send_text_message(
                message.sender_id, catalog().message(edge_reply).strip()
            )
            return
        if await relay(message):
            return  # the coordinator reads it and answers; the bot stays quiet
        sent = _counting(message.output_channel)
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("A message could not be handled; the user is asked to wait.")
        if sent[0] == 0:
            await message.output_channel.send_text_message(
                message.sender_id, catalog().message("patience").strip()
            )

    return handle


async def _close_kept_sessions(_app: object, _loop: object) -> None:
    await close_kept_sessions()


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(never_silent(on_new_message))
        blueprint.after_server_stop(_close_kept_sessions)
        return blueprint

    async def _extract_sender(self, req: Request) -> str:
        body = req.json
        if not isinstance(body, dict):
            raise InvalidUsage("The body must be a JSON object with a sender and a message.")
        sender = body.get("sender")
        if not valid_conversation_id(sender):
            raise InvalidUsage("A sender is needed: a short text without control characters.")
        metadata = body.get("metadata")
        return await conversation_for(
            sender,
            metadata if isinstance(metadata, dict) else {},
            client_key(req.ip, req.headers.get("X-Forwarded-For")),
            SETTINGS.secret_key,
        )

    def _extract_message(self, req: Request) -> str:
        return only_button_commands(at_the_edge(req.json.get("message")))

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        key = client_key(request.ip, request.headers.get("X-Forwarded-For"))
        return _metadata(request.json.get("metadata"), key)


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(never_silent(on_new_message))
        blueprint.after_server_stop(_close_kept_sessions)
        handlers = self.sio.handlers[self.namespace or "/"]
        handle_message = handlers[self.user_message_evt]
        connect = handlers["connect"]
        disconnect = handlers["disconnect"]
        clients: dict[str, str] = {}  # socket id -> client key
        offered_tokens: dict[str, object] = {}  # socket id -> token from "chat_proof"
        waiting: dict[str, str] = {}  # socket id -> linked conversation it may not join yet

        async def admit(sid: str, session_id: str, *, talking: bool = False) -> Standing | None:
            """Puts the socket in the conversation's room if it may hear what is said
            there; on a linked conversation it waits for the proof. When the link cannot
            be read, a socket that only listens waits; one that is talking joins, as its
            message stays in the conversation too (see channels/proof.py)."""
            link = await read_link(session_id, for_message=talking)
            found = standing(link.lock, offer_of_socket(sid)) if link.read else None
            if sid not in clients:
                return found  # the socket went away while the link was read
            if found is Standing.PROVEN:
                send_away_unproven(session_id, link.lock)
            if found in (Standing.UNLINKED, Standing.PROVEN) or (found is None and talking):
                self.sio.enter_room(sid, session_id, namespace=self.namespace)
                waiting.pop(sid, None)
            else:
                # Also out of a room it joined while nobody's conversation it was.
                self.sio.leave_room(sid, session_id, namespace=self.namespace)
                waiting[sid] = session_id
            return found

        def offer_of_socket(sid: str) -> Offered:
            return offered(
                offered_tokens.get(sid), clients.get(sid), secret_key=SETTINGS.secret_key
            )

        def held_here(room: str) -> bool:
            """Whether a socket of this server is in the room (python-socketio drops a
            room when its last socket leaves)."""
            return room in self.sio.manager.rooms.get(self.namespace or "/", {})

        def send_away_unproven(session_id: str, lock: Lock | None) -> None:
            """Sockets in a linked conversation's room without its proof leave it (one
            may have joined while the conversation was still nobody's)."""
            namespace = self.namespace or "/"
            if not held_here(session_id):
                return  # another server may hold its sockets
            listeners = {
                other: offer_of_socket(other)
                for other, _ in self.sio.manager.get_participants(namespace, session_id)
            }
            for other in unproven_listeners(lock, listeners):
                self.sio.leave_room(other, session_id, namespace=self.namespace)
                if other in clients:  # not one that is disconnecting
                    waiting[other] = session_id

        async def guarded_connect(sid: str, environ: dict, auth: object = None) -> Any:
            request = environ.get("sanic.request")
            clients[sid] = client_key(
                getattr(request, "ip", None), environ.get("HTTP_X_FORWARDED_FOR")
            )
            return await connect(sid, environ, auth)

        async def guarded_disconnect(sid: str) -> Any:
            for kept in (clients, offered_tokens, waiting):
                kept.pop(sid, None)
            return await disconnect(sid)

        async def guarded_session_request(sid: str, data: object) -> None:
            # Rasa's own handler, with the room joined only by a socket that may.
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not valid_conversation_id(session_id):
                session_id = uuid.uuid4().hex  # as Rasa does for a missing id
            if self.session_persistence:
                await admit(sid, session_id)
            await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def chat_proof(sid: str, data: object) -> None:
            """The chat page offers its token as soon as the socket connects, so a
            reloaded page hears the coordinator's replies before the user types."""
            token = data.get("token") if isinstance(data, dict) else None
            if sid in clients:
                offered_tokens[sid] = (
                    token if isinstance(token, str) and len(token) < 4096 else None
                )
            if sid in waiting:
                await admit(sid, waiting[sid])

        async def guarded_handle_message(sid: str, data: object) -> None:
            if not isinstance(data, dict) or not valid_conversation_id(data.get("session_id")):
                return  # as Rasa does with a message without a session
            data = {**data, "message": only_button_commands(at_the_edge(data.get("message")))}
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            key = clients.get(sid) or client_key(None, None)
            data[self.metadata_key] = _metadata(metadata, key)
            if self.session_persistence:
                session_id = data["session_id"]
                offered_tokens[sid] = data[self.metadata_key].get(TOKEN_METADATA_KEY)
                if await admit(sid, session_id, talking=True) is Standing.UNPROVEN:
                    side = side_conversation_id(session_id, key, secret_key=SETTINGS.secret_key)
                    if sid in clients:
                        self.sio.enter_room(sid, side, namespace=self.namespace)
                    data["session_id"] = side
            await handle_message(sid, data)

        async def before_delivery(event: str, target: object) -> None:
            """Before the bot says something in a conversation's room (an answer, a
            coordinator's reply, a nudge), sockets without the link's proof leave it:
            also in the very turn that made the link. On every Rasa server that holds
            sockets of the room (channels/socket_bus.py)."""
            if (
                event == self.bot_message_evt
                and isinstance(target, str)
                # No socket of this server in the room: nothing to check here (and no
                # database read on every server for every message).
                and held_here(target)
            ):
                link = await read_link(target)
                if link.read and link.lock is not None:
                    send_away_unproven(target, link.lock)

        bus = (
            RedisBus(SETTINGS.redis_url, before_delivery)
            if SETTINGS.redis_url
            else LocalBus(before_delivery)
        )
        bus.set_server(self.sio)
        self.sio.manager = bus
        handlers["connect"] = guarded_connect
        handlers["disconnect"] = guarded_disconnect
        handlers["session_request"] = guarded_session_request
        handlers[self.user_message_evt] = guarded_handle_message
        handlers["chat_proof"] = chat_proof
        return blueprint
