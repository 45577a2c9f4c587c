"""The web app: the chat page with the widget, the coordinator inbox, a health check,
and the background jobs (nudges, escalation, outbox, purges)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_log import AccessLogger

from bot.settings import Settings, load_settings
from bot.web.keys import SETTINGS_KEY
from bot.web.routes import HEALTH_PATH, setup_routes
from bot.web.scheduler import run_scheduled_jobs

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


def create_app(settings: Settings | None = None, *, scheduled_jobs: bool = True) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SETTINGS_KEY] = settings or load_settings()
    if scheduled_jobs:
        app.cleanup_ctx.append(run_scheduled_jobs(app[SETTINGS_KEY]))
    setup_routes(app)
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
