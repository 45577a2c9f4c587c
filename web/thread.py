"""A handoff's thread, live: new lines are pushed to the open handoff page as
server-sent events (the person's messages during a live handover, replies, notices).

The stream reads the database in a worker thread once a second: every process that
writes a line (the Rasa server's chat channel, the web app, a job) only has to commit
it. The browser's EventSource reconnects by itself and says which line it saw last
(Last-Event-ID), so nothing is missed or shown twice. The coordinator's session and
right to see the handoff are checked again on every read: a logout ends the stream.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

from aiohttp import web

from bot.escalation import handover, inbox
from infra.db.session import session_scope
from web.inbox import read_session, signed_in_coordinator
from web.keys import SETTINGS_KEY

POLL_SECONDS = 1.0
# A stream ends after this long; the browser opens the next one at once.
STREAM_SECONDS = 300
# A comment now and then keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15


def _last_seen(request: web.Request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 12 else 0


def event(line: inbox.ThreadLine) -> bytes:
    """One server-sent event: the line as JSON, its id for the reconnect."""
    data = json.dumps(asdict(line), ensure_ascii=False)
    return f"id: {line.id}\nevent: line\ndata: {data}\n\n".encode()


async def thread_events(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    reference = request.match_info["reference"]
    session = read_session(request)

    def new_lines(after: int, first: bool) -> list[inbox.ThreadLine] | None:
        """The lines after `after`; None when the coordinator may no longer see them."""
        with session_scope(settings.database_url) as database:
            coordinator = signed_in_coordinator(session, database)
            if coordinator is None:
                return None
            found = (inbox.open_for if first else inbox.visible_to)(
                database, coordinator, reference
            )
            if found is None:
                return None
            messages = handover.thread_after(database, found.id, after)
            if not messages:
                return []
            return inbox.thread_lines(database, found, messages, inbox.about(database, found))

    after = _last_seen(request)
    lines = await asyncio.to_thread(new_lines, after, True)
    if lines is None:
        raise web.HTTPNotFound()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: pass each event on at once
        }
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    quiet_since = loop.time()
    while lines is not None and loop.time() < ends:
        for line in lines:
            await response.write(event(line))
            after = line.id
            quiet_since = loop.time()
        if loop.time() - quiet_since > KEEPALIVE_SECONDS:
            await response.write(b": still here\n\n")
            quiet_since = loop.time()
        await asyncio.sleep(POLL_SECONDS)
        lines = await asyncio.to_thread(new_lines, after, False)
    return response
