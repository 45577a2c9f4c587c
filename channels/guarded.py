"""Rasa's REST and socket.io channels with the input bounded at the edge.

Before anything is stored or parsed: a sender or session id must be a short, encodable
text (a lone surrogate once made Rasa exit, and every conversation with it), a REST
request must be a JSON object with a sender (no shared "default" conversation), and a
message is cut one character past the limit (bot.input_check.at_the_edge), so 100 KB
costs no more than 1 KB and still gets the Dutch "too long" answer from the input guard.

Same names as Rasa's channels ("rest", "socketio"), so the webhook paths stay the same.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.input_check import at_the_edge, valid_conversation_id


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str:
        body = req.json
        if not isinstance(body, dict):
            raise InvalidUsage("The body must be a JSON object with a sender and a message.")
        sender = body.get("sender")
        if not valid_conversation_id(sender):
            raise InvalidUsage("A sender is needed: a short text without control characters.")
        return sender

    def _extract_message(self, req: Request) -> str:
        return at_the_edge(req.json.get("message"))

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = request.json.get("metadata")
        return metadata if isinstance(metadata, dict) else None


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        handlers = self.sio.handlers[self.namespace or "/"]
        session_request = handlers["session_request"]
        handle_message = handlers[self.user_message_evt]

        async def guarded_session_request(sid: str, data: object) -> None:
            data = dict(data) if isinstance(data, dict) else {}
            if not valid_conversation_id(data.get("session_id")):
                data["session_id"] = None  # Rasa then makes a fresh one
            await session_request(sid, data)

        async def guarded_handle_message(sid: str, data: object) -> None:
            if not isinstance(data, dict) or not valid_conversation_id(data.get("session_id")):
                return  # as Rasa does with a message without a session
            data = {**data, "message": at_the_edge(data.get("message"))}
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            data[self.metadata_key] = metadata if isinstance(metadata, dict) else {}
            await handle_message(sid, data)

        handlers["session_request"] = guarded_session_request
        handlers[self.user_message_evt] = guarded_handle_message
        return blueprint
