"""The web app. For now a plain Dutch start page and a health check; the chat widget
and the coordinator inbox come with their own issues."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from bot.db.session import get_engine
from bot.settings import Settings, load_settings
from bot.web.inbox import add_inbox_routes
from bot.web.keys import SETTINGS_KEY
from bot.web.scheduler import run_scheduled_jobs

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_START_PAGE = """<!doctype html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Toptraject chat</title>
</head>
<body>
  <main>
    <h1>Toptraject chat</h1>
    <p>Hier komt de chat van het Toptraject. Je kunt daar vragen stellen over de route
    van vmbo via mbo naar hbo, over reizen en over examens.</p>
    <p>De chat zelf is nog in aanbouw.</p>
  </main>
</body>
</html>
"""


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    response = await handler(request)
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def start_page(request: web.Request) -> web.Response:
    return web.Response(text=_START_PAGE, content_type="text/html", charset="utf-8")


async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    try:
        with get_engine(settings.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok"})


def create_app(settings: Settings | None = None, *, scheduled_jobs: bool = True) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SETTINGS_KEY] = settings or load_settings()
    if scheduled_jobs:
        app.cleanup_ctx.append(run_scheduled_jobs(app[SETTINGS_KEY]))
    app.router.add_get("/", start_page)
    app.router.add_get("/healthz", health)
    add_inbox_routes(app)
    return app


def serve(settings: Settings | None = None) -> None:
    settings = settings or load_settings()
    web.run_app(create_app(settings), host=settings.web_host, port=settings.web_port)
