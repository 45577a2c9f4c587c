"""The web app: the chat page with the widget, the coordinator inbox, a health check,
and the background jobs (nudges, escalation, outbox, purges)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_log import AccessLogger

from bot.settings import Settings, load_settings
from web.keys import SETTINGS_KEY
from web.routes import HEALTH_PATH, STATIC_PREFIX, setup_routes
from web.scheduler import run_scheduled_jobs

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


# One short line a request: what was asked, the answer's status, how long it took.
ACCESS_LOG_FORMAT = '"%r" %s %Tfs'


def worth_logging(path: str, status: int) -> bool:
    """Not the launcher's health checks (one every three seconds), nor the page's static
    files and icon that came with a page already logged (unless they failed)."""
    if path in (HEALTH_PATH, "/favicon.ico"):
        return False
    return not path.startswith(STATIC_PREFIX) or status >= 400


class QuietAccessLogger(AccessLogger):
    """The access log for a person reading `make run`: one short line a request that
    is worth it, without client addresses or browser names."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if worth_logging(request.path, response.status):
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
        access_log_format=ACCESS_LOG_FORMAT,
        print=None,  # the launcher says where everything runs
    )
