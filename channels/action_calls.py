"""Custom action calls over kept connections.

Rasa's EndpointConfig.request opens a new aiohttp ClientSession, and so a new TCP
connection to the action server, for every custom action call, and closes it after the
answer: about 6% of the Rasa server's work under load (issue 17's profile). Here its
`session()` lends one kept session per endpoint and event loop instead; Rasa's request
code is unchanged (same headers, timeout, errors), it only no longer closes the session
it borrowed. The kept sessions are closed when the server stops (channels/guarded.py).

An idle connection is closed after IDLE_SECONDS, before the action server (Sanic: five
seconds of keep-alive) closes it from its side while a call is about to use it. A call
on a kept connection that the action server drops at that very moment (a restart) fails
like any call to a server that is down: the turn gets the "even geduld" answer
(channels/guarded.py) and the next call opens a new connection.

Installed when Rasa loads the chat channels. A test checks that Rasa's request still
borrows its session through `session()` in an `async with`, so an upgrade that changes
this is noticed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import rasa.utils.endpoints
from rasa.utils.endpoints import EndpointConfig

IDLE_SECONDS = 2.0

_kept: dict[tuple[Any, ...], aiohttp.ClientSession] = {}


class _Lent:
    """`async with` gives the kept session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _key(endpoint: EndpointConfig) -> tuple[Any, ...]:
    auth = endpoint.basic_auth or {}
    return (
        asyncio.get_running_loop(),
        endpoint.url,
        tuple(sorted((endpoint.headers or {}).items())),
        auth.get("username"),
        auth.get("password"),
    )


def kept_session(endpoint: EndpointConfig) -> _Lent:
    """EndpointConfig.session, kept: a session as Rasa configures it, made once per
    endpoint and event loop."""
    key = _key(endpoint)
    session = _kept.get(key)
    if session is None or session.closed:
        auth = endpoint.basic_auth
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
            timeout=aiohttp.ClientTimeout(total=rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT),
            # No cap on connections (Rasa's sessions had none) and no cookies kept
            # between calls: each call is for another conversation.
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS, limit=0),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        _kept[key] = session
    return _Lent(session)


async def close_kept_sessions() -> None:
    """Closes the sessions kept on the running event loop."""
    loop = asyncio.get_running_loop()
    for key in [key for key in _kept if key[0] is loop]:
        await _kept.pop(key).close()


def install() -> None:
    EndpointConfig.session = kept_session  # type: ignore[method-assign,assignment]
