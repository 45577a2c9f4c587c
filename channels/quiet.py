"""Keeps library deprecation warnings out of what `make run` prints.

The launcher sets PYTHONWARNINGS to ignore them, but Sanic, on import, puts its own
filter in front ("once" for every DeprecationWarning), and the Rasa server and the
action server then print a page of them while loading. Called by the launchers after
Sanic is imported, so our filter comes first again. Rasa's own warnings (UserWarning)
are left alone, apart from the expected ones in channels/rasa_run.py.

It also drops one benign error: when a browser closes or reloads the chat, the ended
engine.io websocket leaves Sanic without a response, and Sanic logs a traceback
("Invalid response type None", python-engineio issue 332) for every closed tab; and
when the server stops with chats open, asyncio reports each chat's pending ping task.
"""

from __future__ import annotations

import logging
import warnings


def quiet_library_warnings() -> None:
    import sanic.app  # noqa: F401 - its import adds the filter this one goes in front of

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)


class EndedWebsocketFilter(logging.Filter):
    """Drops the benign errors of socket.io connections that simply end: Sanic's record
    for an ended websocket, and asyncio's "Task was destroyed but it is pending" for
    engine.io's ping tasks when the server stops with chats open."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        ended = (
            error is not None
            and "Invalid response type None" in str(error)
            and "transport=websocket" in message
        )
        stopped = "Task was destroyed but it is pending" in message and "engineio" in message
        return not (ended or stopped)


def quiet_ended_websockets() -> None:
    for name in ("sanic.error", "asyncio"):
        logging.getLogger(name).addFilter(EndedWebsocketFilter())
