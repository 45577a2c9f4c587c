"""The health check the supervisor and a load balancer ask: is the database there?"""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text

from infra.db.session import get_engine
from web.keys import SETTINGS_KEY


async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]

    def ping() -> None:
        with get_engine(settings.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await asyncio.to_thread(ping)
    except Exception:
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok"})
