"""Rasa's REST and socket.io channels with the input bounded at the edge.

Before anything is stored or parsed: a sender or session id must be a short, encodable
text (a lone surrogate once made Rasa exit, and every conversation with it), a REST
request must be a JSON object with a sender (no shared "default" conversation), and a
message is cut one character past the limit (bot.input_check.at_the_edge), so 100 KB
costs no more than 1 KB and still gets the Dutch "too long" answer from the input guard.
A typed "/intent{...}" passes only if a button of ours could have sent it
(bot.input_check.only_button_commands): /distress typed by hand is just words.

After the message is handled, a turn that sent the user nothing at all (a custom
action failed, the action server is down or restarting) gets a Dutch "even geduld"
with the crisis line, never silence. A custom action call gives up after
ACTION_TIMEOUT_SECONDS (20 by default) instead of Rasa's five minutes.

Same names as Rasa's channels ("rest", "socketio"), so the webhook paths stay the same.
"""

from __future__ import annotations

import json
import logging
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
from bot.identity.throttle import CLIENT_METADATA_KEY, client_address, private_key
from bot.input_check import at_the_edge, only_button_commands, valid_conversation_id
from bot.settings import load_settings

logger = logging.getLogger(__name__)

# Rasa waits five minutes for a custom action (DEFAULT_REQUEST_TIMEOUT, read at each
# call). A hung action server should cost a user seconds, not minutes: the turn then
# gets the patience answer below. Set when Rasa loads this module, before any turn.
SETTINGS = load_settings()
rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = SETTINGS.action_timeout_seconds


def client_key(remote: str | None, forwarded_for: str | None) -> str:
    """The keyed hash of the client's address that the code-guessing limits count by.
    Put in the message metadata by the channel, over anything the browser sent under
    that name, so an action may trust it; the address itself is never stored."""
    address = client_address(remote, forwarded_for, SETTINGS.trusted_proxies)
    return private_key("address", address, SETTINGS.secret_key)


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


def never_silent(on_new_message: OnNewMessage) -> OnNewMessage:
    """Handles a message; if the turn sent nothing, the user gets the patience answer."""

    async def handle(message: UserMessage) -> None:
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


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(never_silent(on_new_message))

    async def _extract_sender(self, req: Request) -> str:
        body = req.json
        if not isinstance(body, dict):
            raise InvalidUsage("The body must be a JSON object with a sender and a message.")
        sender = body.get("sender")
        if not valid_conversation_id(sender):
            raise InvalidUsage("A sender is needed: a short text without control characters.")
        return sender

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
        handlers = self.sio.handlers[self.namespace or "/"]
        session_request = handlers["session_request"]
        handle_message = handlers[self.user_message_evt]
        connect = handlers["connect"]
        disconnect = handlers["disconnect"]
        clients: dict[str, str] = {}  # socket id -> client key

        async def guarded_connect(sid: str, environ: dict, auth: object = None) -> Any:
            request = environ.get("sanic.request")
            clients[sid] = client_key(
                getattr(request, "ip", None), environ.get("HTTP_X_FORWARDED_FOR")
            )
            return await connect(sid, environ, auth)

        async def guarded_disconnect(sid: str) -> Any:
            clients.pop(sid, None)
            return await disconnect(sid)

        async def guarded_session_request(sid: str, data: object) -> None:
            data = dict(data) if isinstance(data, dict) else {}
            if not valid_conversation_id(data.get("session_id")):
                data["session_id"] = None  # Rasa then makes a fresh one
            await session_request(sid, data)

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
            data[self.metadata_key] = _metadata(
                metadata, clients.get(sid) or client_key(None, None)
            )
            await handle_message(sid, data)

        handlers["connect"] = guarded_connect
        handlers["disconnect"] = guarded_disconnect
        handlers["session_request"] = guarded_session_request
        handlers[self.user_message_evt] = guarded_handle_message
        return blueprint
