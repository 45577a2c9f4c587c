"""When cookies get the Secure flag."""

from __future__ import annotations

from aiohttp import web

from web.keys import SETTINGS_KEY


def secure_cookies(request: web.Request) -> bool:
    """Secure (sent over HTTPS only) in production, where TLS ends at the proxy in front,
    and whenever this request itself came over HTTPS. Not on a laptop's plain
    http://127.0.0.1, where a Secure cookie would never come back."""
    return request.app[SETTINGS_KEY].is_production or request.secure
