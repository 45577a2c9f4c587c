"""A URL of the web app by its route's name (the names are in web/routes.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from aiohttp import web


def url_for(
    request: web.Request, name: str, *, query: Mapping[str, str] | None = None, **parts: str
) -> str:
    """url_for(request, "handoff", reference="H-ABC234") -> "/inbox/handoffs/H-ABC234"."""
    url = request.app.router[name].url_for(**parts)
    return str(url.with_query(query) if query else url)


def urls(request: web.Request) -> Callable[..., str]:
    """url_for for a template: {{ url("handoff", reference=h.reference) }}."""
    return partial(url_for, request)
