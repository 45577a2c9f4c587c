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


def test_quiet_job_runs_and_health_checks_leave_the_log_alone():
    from bot.web.scheduler import _did_something

    assert _did_something("1 delivered, 0 to retry, 0 failed")
    assert not _did_something("0 delivered, 0 to retry, 0 failed")
    assert not _did_something("no NOTIFY_WEBHOOK_URL set; notifications wait in the outbox")


def test_aiohttp_s_own_error_pages_carry_the_security_headers(database_url):
    status, headers, _ = _request(load_settings({"DATABASE_URL": database_url}), "/no-such-page")
    assert status == 404
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
