"""The chat page: the rasa-webchat widget, and logging in with a koppelcode.

The page never decides who someone is. It sends the code to `/chat/login`; the server
checks it (wrong tries are limited per browser and per address) and answers with a short-lived
signed chat token. The widget passes that token in its customData, and the chat's
session start links the conversation (bot/identity/linking.py::link_with_token).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from bot import clock
from bot.content.catalog import text
from bot.identity.linking import (
    CODE_LIFETIME,
    RedeemOutcome,
    RedeemResult,
    Trier,
    redeem_code_for_login,
)
from bot.identity.throttle import client_address, private_key
from bot.identity.tokens import TOKEN_LIFETIME, ChatClaims, issue_token
from infra.db.session import session_scope
from web.cookies import secure_cookies
from web.keys import SETTINGS_KEY
from web.templating import STATIC_DIR, TEMPLATES
from web.urls import url_for, urls

logger = logging.getLogger(__name__)

WIDGET_BUNDLE = STATIC_DIR / "vendor" / "rasa-webchat.js"
MAX_CODE_LENGTH = 40
# A random name for this browser, only to count its wrong codes apart from the rest of
# the school behind the same address. It proves nothing about who someone is.
DEVICE_COOKIE = "toptraject_device"
DEVICE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def login_failure_message(result: RedeemResult) -> str:
    """What the login box says about a code that did not work (messages.yml, chat_login)."""
    return text(
        "chat_login",
        result.outcome.value,
        tries_left=result.tries_left or 0,
        days=CODE_LIFETIME.days,
    )


def chat_content_security_policy(socket_url: str) -> str:
    """Scripts only from this site; the socket only to the chat server. The widget puts
    its styles in <style> tags, hence 'unsafe-inline' for styles (never for scripts).
    Fonts only from here or inside the bundle (data:): the widget's import of a web
    font from Google is blocked, so nothing leaves the site."""
    parts = urlsplit(socket_url)
    websocket = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; "
        f"connect-src 'self' {parts.scheme}://{parts.netloc} {websocket}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


async def chat_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    socket_url = settings.public_socket_url
    html = TEMPLATES.get_template("chat.html").render(
        socket_url=socket_url,
        widget_ready=WIDGET_BUNDLE.exists(),
        token_minutes=int(TOKEN_LIFETIME.total_seconds() // 60),
        url=urls(request),
    )
    response = web.Response(text=html, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = chat_content_security_policy(socket_url)
    # The page holds a login token in sessionStorage: never serve it from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _same_origin(request: web.Request) -> bool:
    """Browsers send Origin on a POST; another site's page must not log anyone in here.
    Only the host is compared: behind a proxy that ends TLS the scheme differs."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def login(request: web.Request) -> web.Response:
    """JSON {"code": "..."} in; a chat token, or a Dutch message why not, out."""
    if request.content_type != "application/json" or not _same_origin(request):
        return web.json_response({"message": text("chat_login", "refused")}, status=403)
    try:
        body = await request.json()
    except ValueError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.strip():
        return web.json_response({"message": text("chat_login", "empty")}, status=400)
    settings = request.app[SETTINGS_KEY]
    now = clock.now()
    device = request.cookies.get(DEVICE_COOKIE, "")
    if not DEVICE_PATTERN.fullmatch(device):
        device = secrets.token_urlsafe(16)
    address = client_address(
        request.remote, request.headers.get("X-Forwarded-For"), settings.trusted_proxies
    )
    trier = Trier(
        f"web:{device}",
        private_key("address", address, settings.secret_key),
        settings.code_tries_per_address,
    )

    def check() -> tuple[RedeemResult, ChatClaims | None]:
        with session_scope(settings.database_url) as session:
            return redeem_code_for_login(
                session, trier, code[:MAX_CODE_LENGTH], secret_key=settings.secret_key, now=now
            )

    try:
        result, claims = await asyncio.to_thread(check)
    except Exception:
        logger.exception("The database could not be reached for a chat login.")
        return web.json_response({"message": text("chat_login", "unavailable")}, status=503)
    if claims is None:
        status = 429 if result.outcome is RedeemOutcome.LOCKED else 400
        response = web.json_response({"message": login_failure_message(result)}, status=status)
    else:
        token = issue_token(claims, secret_key=settings.secret_key, now=now)
        response = web.json_response(
            {"token": token, "first_name": result.first_name, "role": claims.role.value},
            headers={"Cache-Control": "no-store"},
        )
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
        path=url_for(request, "chat_login"),
    )
    return response
