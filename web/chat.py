"""The chat page: the rasa-webchat widget, and logging in with a koppelcode.

The page never decides who someone is. It sends the code to `/chat/login`; the server
checks it (wrong tries are limited per browser and per address) and answers with a short-lived
signed chat token. The widget passes that token in its customData, and the chat's
session start links the conversation (bot/identity/linking.py::link_with_token).

"Onthoud mij op dit apparaat" adds a device login (bot/identity/devices.py) in an
HttpOnly cookie: `/chat/session` turns it into a fresh token in a new tab or after a
restart, and tells the page on every load whether its login still holds (a typed
"uitloggen" ends it). `/chat/logout` ends the device's login, or all of the person's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web

from bot import clock
from bot.content.catalog import text
from bot.identity import devices
from bot.identity.linking import (
    CODE_LIFETIME,
    RedeemOutcome,
    RedeemResult,
    Trier,
    redeem_code_for_login,
)
from bot.identity.proof import address_proof, token_proof
from bot.identity.throttle import client_key
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
# The device login's secret ("onthoud mij"); only the chat's own requests carry it.
REMEMBER_COOKIE = "toptraject_remember"


def _remember_path(request: web.Request) -> str:
    """The folder of the chat's login requests (/chat/): the cookie goes nowhere else."""
    return url_for(request, "chat_session").rsplit("/", 1)[0] + "/"


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
    trier = Trier(f"web:{device}", _address_key(request), settings.code_tries_per_address)

    remember = body.get("remember") is True

    def check() -> tuple[RedeemResult, ChatClaims | None, str | None, str | None]:
        with session_scope(settings.database_url) as session:
            result, claims = redeem_code_for_login(
                session, trier, code[:MAX_CODE_LENGTH], secret_key=settings.secret_key, now=now
            )
            token = cookie = None
            if claims is not None:
                token = issue_token(claims, secret_key=settings.secret_key, now=now)
                if remember:
                    proof = token_proof(token, secret_key=settings.secret_key)
                    cookie = devices.remember(session, claims, token_proof=proof, now=now)
            return result, claims, token, cookie

    try:
        result, claims, token, cookie = await asyncio.to_thread(check)
    except Exception:
        logger.exception("The database could not be reached for a chat login.")
        return web.json_response({"message": text("chat_login", "unavailable")}, status=503)
    if claims is None:
        status = 429 if result.outcome is RedeemOutcome.LOCKED else 400
        response = web.json_response({"message": login_failure_message(result)}, status=status)
    else:
        response = web.json_response(
            {
                "token": token,
                "first_name": result.first_name,
                "role": claims.role.value,
                "remembered": cookie is not None,
            },
            headers={"Cache-Control": "no-store"},
        )
        if cookie is not None:
            _keep_device(request, response, cookie, now)
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


def _keep_device(
    request: web.Request, response: web.StreamResponse, cookie: str, now: datetime
) -> None:
    response.set_cookie(
        REMEMBER_COOKIE,
        cookie,
        max_age=max(0, int((devices.school_year_end(now) - now).total_seconds())),
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
        path=_remember_path(request),
    )


async def _json_body(request: web.Request) -> dict | None:
    """The JSON object of a same-site request from the chat page; None otherwise."""
    if request.content_type != "application/json" or not _same_origin(request):
        return None
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _token_of(body: dict) -> str | None:
    token = body.get("token")
    return token if isinstance(token, str) and len(token) < 4096 else None


def _address_key(request: web.Request) -> str:
    """The keyed hash of the client's address: the same the chat channel stamps on each
    message (channels/guarded.py), so a link a koppelcode made from here is proven."""
    settings = request.app[SETTINGS_KEY]
    return client_key(
        request.remote,
        request.headers.get("X-Forwarded-For"),
        trusted=settings.trusted_proxies,
        secret_key=settings.secret_key,
    )


async def _login_request(request: web.Request) -> tuple[dict, str | None, str | None]:
    """The page's JSON body, its token and the device's cookie; a 403 when the request
    is not a JSON object from the chat page itself."""
    body = await _json_body(request)
    if body is None:
        raise web.HTTPForbidden(
            text=json.dumps({"message": text("chat_login", "refused")}),
            content_type="application/json",
        )
    return body, _token_of(body), request.cookies.get(REMEMBER_COOKIE)


async def session_state(request: web.Request) -> web.Response:
    """Whether the page is logged in, asked at every load and after the bot spoke.
    JSON {"token": ...} in (the page's token, if any). A token whose login did not end
    keeps holding its conversation; without one, a remembered device gets a fresh token
    (and its next secret); otherwise the page is logged out."""
    _, token, cookie = await _login_request(request)
    settings = request.app[SETTINGS_KEY]
    now = clock.now()

    def check() -> tuple[dict, str | None]:
        with session_scope(settings.database_url) as session:
            proof = token_proof(token, secret_key=settings.secret_key) if token else None
            if proof is not None and not devices.token_ended(session, proof):
                return {"logged_in": True}, None
            resumed = devices.resume(session, cookie, now=now) if cookie else None
            if resumed is None:
                return {"logged_in": False}, None
            fresh = issue_token(resumed.claims, secret_key=settings.secret_key, now=now)
            if not devices.bind_token(
                session,
                resumed.device_id,
                token_proof(fresh, secret_key=settings.secret_key),
                now=now,
            ):
                return {"logged_in": False}, None  # logged out meanwhile, in another tab
            answer = {
                "logged_in": True,
                "token": fresh,
                "first_name": resumed.first_name,
                "role": resumed.claims.role.value,
                "remembered": True,
            }
            return answer, resumed.cookie

    try:
        answer, new_cookie = await asyncio.to_thread(check)
    except Exception:
        logger.exception("The database could not be reached to check a chat login.")
        return web.json_response({"message": text("chat_login", "unavailable")}, status=503)
    response = web.json_response(answer, headers={"Cache-Control": "no-store"})
    if new_cookie is not None:
        _keep_device(request, response, new_cookie, now)
    elif cookie and not answer.get("remembered") and not answer["logged_in"]:
        response.del_cookie(REMEMBER_COOKIE, path=_remember_path(request))
    return response


async def logout(request: web.Request) -> web.Response:
    """Ends this device's login, the page's token, every conversation that token opened
    and the page's own conversation (when the request proves it); with
    {"everywhere": true}, every login and conversation of the person too. The page
    starts a new conversation only after this answer."""
    body, token, cookie = await _login_request(request)
    settings = request.app[SETTINGS_KEY]
    now = clock.now()
    everywhere = body.get("everywhere") is True
    from_here = address_proof(_address_key(request))

    def end() -> int:
        with session_scope(settings.database_url) as session:
            proof = token_proof(token, secret_key=settings.secret_key) if token else None
            person = devices.person_of(session, cookie, now=now) if cookie else None
            person = person or devices.person_of_token(session, proof)
            devices.forget(session, cookie, now=now)
            devices.end_token(session, proof, now=now, actor="web")
            devices.end_links_of_token(session, proof, actor="web")
            # A link its token proved ended just above; one a typed code made remains.
            devices.end_conversation_link(session, body.get("conversation"), from_here, actor="web")
            if everywhere and person is not None:
                return devices.forget_all(session, person, now=now, actor="web")
            return 0

    try:
        ended = await asyncio.to_thread(end)
    except Exception:
        logger.exception("The database could not be reached to end a chat login.")
        return web.json_response({"message": text("chat_login", "unavailable")}, status=503)
    response = web.json_response(
        {"logged_in": False, "devices_ended": ended}, headers={"Cache-Control": "no-store"}
    )
    response.del_cookie(REMEMBER_COOKIE, path=_remember_path(request))
    return response
