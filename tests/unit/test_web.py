"""The web app, served for real on a loopback port by aiohttp's test server."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bot.settings import load_settings
from bot.web.app import create_app


def _request(settings, path):
    async def go():
        async with TestClient(TestServer(create_app(settings))) as client:
            response = await client.get(path)
            return response.status, dict(response.headers), await response.text()

    return asyncio.run(go())


def test_start_page_is_dutch_and_locked_down(database_url):
    status, headers, body = _request(load_settings({"DATABASE_URL": database_url}), "/")
    assert status == 200
    assert '<html lang="nl">' in body
    assert "Toptraject" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_health_reports_the_database(database_url, tmp_path):
    status, _, body = _request(load_settings({"DATABASE_URL": database_url}), "/healthz")
    assert status == 200
    assert '"ok"' in body

    # A directory is not a database file: every query fails.
    unreachable = f"sqlite:///{tmp_path}"
    status, _, body = _request(load_settings({"DATABASE_URL": unreachable}), "/healthz")
    assert status == 503
    assert "unreachable" in body
