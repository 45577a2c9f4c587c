"""The web app: the chat page with the widget, the coordinator inbox, a health check,
and the background jobs (nudges, escalation, outbox, purges)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.web_log import AccessLogger
from sqlalchemy import text

from bot.db.session import get_engine
from bot.settings import Settings, load_settings
from bot.web.chat import add_chat_routes
from bot.web.inbox import add_inbox_routes
from bot.web.keys import SETTINGS_KEY
from bot.web.scheduler import run_scheduled_jobs
from bot.web.templating import STATIC_DIR

HEALTH_PATH = "/healthz"
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    """On every answer, aiohttp's own error pages (404, 403, 405) included."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        for name, value in _SECURITY_HEADERS.items():
            error.headers.setdefault(name, value)
        raise
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class QuietAccessLogger(AccessLogger):
    """The access log without the launcher's health checks (one every three seconds)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path != HEALTH_PATH:
            super().log(request, response, time)


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


def create_app(settings: Settings | None = None, *, scheduled_jobs: bool = True) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SETTINGS_KEY] = settings or load_settings()
    if scheduled_jobs:
        app.cleanup_ctx.append(run_scheduled_jobs(app[SETTINGS_KEY]))
    app.router.add_get(HEALTH_PATH, health)
    add_chat_routes(app)
    add_inbox_routes(app)
    app.router.add_static("/static", STATIC_DIR)
    return app


def serve(settings: Settings | None = None) -> None:
    settings = settings or load_settings()
    web.run_app(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        access_log_class=QuietAccessLogger,
        print=None,  # the launcher says where everything runs
    )
