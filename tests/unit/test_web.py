"""The web app, served for real on a loopback port by aiohttp's test server."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bot.settings import load_settings
from web.app import ACCESS_LOG_FORMAT, create_app, worth_logging


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
    from web.scheduler import _did_something

    assert _did_something("1 delivered, 0 to retry, 0 failed")
    assert not _did_something("0 delivered, 0 to retry, 0 failed")
    assert not _did_something("no NOTIFY_WEBHOOK_URL set; notifications wait in the outbox")


def test_aiohttp_s_own_error_pages_carry_the_security_headers(database_url):
    status, headers, _ = _request(load_settings({"DATABASE_URL": database_url}), "/no-such-page")
    assert status == 404
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_the_access_log_keeps_what_a_person_wants_to_read():
    assert worth_logging("/inbox", 200) and worth_logging("/chat/login", 429)
    assert worth_logging("/static/chat.js", 404)
    assert not worth_logging("/healthz", 200)
    assert not worth_logging("/static/chat.js", 200) and not worth_logging("/favicon.ico", 404)
    # Short lines: no client address, no browser name.
    assert "%a" not in ACCESS_LOG_FORMAT and "User-Agent" not in ACCESS_LOG_FORMAT
