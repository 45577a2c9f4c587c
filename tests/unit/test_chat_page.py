"""The chat page and its koppelcode login, served for real by aiohttp's test server."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot import clock
from bot.db.models import AuditEntry, ConversationLink, LinkCode, Student
from bot.identity.linking import issue_code, link_with_token
from bot.identity.links import link_conversation
from bot.identity.throttle import client_address, private_key
from bot.identity.tokens import verify_token
from bot.settings import ConfigurationError, load_settings
from bot.vocabulary import LinkMethod, PersonRole
from bot.welcome import welcome_buttons
from infra.db.session import session_scope
from tests.conftest import TEST_SECRET
from web import chat
from web.app import create_app


def settings_for(database_url: str, **extra: str):
    return load_settings({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, **extra})


def call(settings, method: str, path: str, **kwargs):
    async def go():
        app = create_app(settings, scheduled_jobs=False)
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path, **kwargs)
            return response.status, dict(response.headers), await response.text()

    return asyncio.run(go())


def login(settings, code: str, **kwargs):
    status, _, body = call(settings, "POST", "/chat/login", json={"code": code}, **kwargs)
    return status, body


@pytest.fixture
def student_code(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        sanne = session.scalar(select(Student).where(Student.first_name == "Sanne"))
        code = issue_code(session, secret_key=TEST_SECRET, now=clock.now(), student_id=sanne.id)
        return code, sanne.id


def test_the_page_points_the_widget_at_the_chat_server_and_allows_nothing_else(database_url):
    status, headers, body = call(settings_for(database_url, RASA_PORT="5105"), "GET", "/")
    assert status == 200 and '<html lang="nl">' in body
    assert 'data-socket-url="http://127.0.0.1:5105"' in body
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert "connect-src 'self' http://127.0.0.1:5105 ws://127.0.0.1:5105;" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["Cache-Control"] == "no-store"


def test_behind_a_proxy_the_socket_address_is_configured_and_checked(database_url):
    settings = settings_for(database_url, CHAT_SOCKET_URL="https://chat.school.example/")
    _, headers, body = call(settings, "GET", "/")
    assert 'data-socket-url="https://chat.school.example"' in body
    assert "wss://chat.school.example" in headers["Content-Security-Policy"]
    with pytest.raises(ConfigurationError):
        settings_for(database_url, CHAT_SOCKET_URL="javascript:alert(1)")


def test_without_the_widget_bundle_the_page_says_what_to_do(database_url, tmp_path, monkeypatch):
    monkeypatch.setattr(chat, "WIDGET_BUNDLE", tmp_path / "missing.js")
    _, _, body = call(settings_for(database_url), "GET", "/")
    assert "De chat is nog niet klaar." in body
    assert "rasa-webchat.js" not in body


def test_a_valid_code_gives_a_signed_token_once(seeded_database_url, student_code):
    code, sanne = student_code
    settings = settings_for(seeded_database_url)
    status, body = login(settings, code.lower())  # typed in small letters: still fine
    assert status == 200
    answer = json.loads(body)
    assert (answer["first_name"], answer["role"]) == ("Sanne", "student")
    claims = verify_token(answer["token"], secret_key=TEST_SECRET, now=clock.now())
    assert (claims.role, claims.person_id) == (PersonRole.STUDENT, sanne)
    # The token is short-lived, and the code is spent.
    later = clock.now() + timedelta(minutes=31)
    assert verify_token(answer["token"], secret_key=TEST_SECRET, now=later) is None
    status, body = login(settings, code)
    assert status == 400 and "al gebruikt" in body
    with session_scope(seeded_database_url) as session:
        spent = session.scalars(
            select(LinkCode).where(LinkCode.student_id == sanne, LinkCode.used_at.is_not(None))
        ).all()
        assert len(spent) == 1
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "login_with_code"))
        assert (audit.subject_type, audit.subject_id) == ("student", str(sanne))


def logins(settings, browsers: list[list[str]]) -> list[list[tuple[int, str]]]:
    """Codes tried from several browsers (each keeps its cookies) at one address."""

    async def go():
        app = create_app(settings, scheduled_jobs=False)
        answers = []
        async with TestClient(TestServer(app)) as client:
            for codes in browsers:
                client.session.cookie_jar.clear()  # another browser
                tried = []
                for code in codes:
                    response = await client.post("/chat/login", json={"code": code})
                    tried.append((response.status, await response.text()))
                answers.append(tried)
        return answers

    return asyncio.run(go())


def test_wrong_codes_get_dutch_answers_and_lock_the_browser_after_five(seeded_database_url):
    settings = settings_for(seeded_database_url)
    [answers] = logins(settings, [["hallo", *["TT-ZZZ-999"] * 4]])
    status, body = answers[0]
    assert status == 400 and "Dat lijkt geen goede koppelcode." in body and "4 keer" in body
    for (status, body), tries_left in zip(answers[1:4], (3, 2, 1), strict=True):
        assert status == 400 and f"nog {tries_left} keer" in body
    status, body = answers[4]
    assert status == 429 and "te vaak een verkeerde code" in body


def test_a_school_behind_one_address_has_twenty_tries_an_hour_then_cools_down(
    seeded_database_url, student_code
):
    settings = settings_for(seeded_database_url)
    code, _ = student_code
    # Four pupils each mistype four times: each browser may go on, the address too.
    answers = logins(settings, [["TT-ZZZ-999"] * 4] * 4 + [["TT-ZZZ-999"] * 4 + [code]])
    assert all(status == 400 for browser in answers[:4] for status, _ in browser)
    # The twentieth wrong try from the address locks it, even for a new browser.
    assert answers[4][3][0] == 429 and answers[4][4][0] == 429
    [later] = logins(settings, [[code]])
    assert later[0][0] == 429 and "te vaak" in later[0][1]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": {"code": "TT-7KQ-2MV"}}, 403),  # a plain form post: not from our page
        ({"json": {"code": "TT-7KQ-2MV"}, "headers": {"Origin": "https://evil.example"}}, 403),
        ({"json": {"code": ""}}, 400),
        ({"json": {"code": ["TT-7KQ-2MV"]}}, 400),
        ({"json": {"code": "x" * 10_000}}, 400),
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400),
    ],
)
def test_odd_login_requests_are_refused_without_an_error(seeded_database_url, kwargs, status):
    got, _, body = call(settings_for(seeded_database_url), "POST", "/chat/login", **kwargs)
    assert got == status
    assert '"message"' in body and "Traceback" not in body


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address():
    proxy = ("10.0.0.5",)
    assert client_address("10.0.0.5", "203.0.113.7", proxy) == "203.0.113.7"
    # The client may send its own header; the proxy appends the real address last.
    assert client_address("10.0.0.5", "1.2.3.4, 203.0.113.7", proxy) == "203.0.113.7"
    # Without a trusted proxy the header is ignored: it could name anyone.
    assert client_address("198.51.100.9", "203.0.113.7", proxy) == "198.51.100.9"
    assert client_address("10.0.0.5", None, proxy) == "10.0.0.5"
    assert client_address(None, None, ()) == "unknown"
    with pytest.raises(ConfigurationError):
        load_settings({"TRUSTED_PROXIES": "10.0.0.5, proxy.local"})
    assert load_settings({"TRUSTED_PROXIES": "10.0.0.5, ::1"}).trusted_proxies == (
        "10.0.0.5",
        "::1",
    )


def test_a_login_through_a_tls_proxy_is_not_taken_for_another_site(
    seeded_database_url, student_code
):
    code, _ = student_code

    async def go():
        app = create_app(settings_for(seeded_database_url), scheduled_jobs=False)
        async with TestClient(TestServer(app)) as client:
            # The page was served over https by the proxy; the app itself speaks http.
            origin = f"https://{client.server.host}:{client.server.port}"
            response = await client.post(
                "/chat/login", json={"code": code}, headers={"Origin": origin}
            )
            return response.status

    assert asyncio.run(go()) == 200


def test_the_welcome_buttons_fit_who_is_talking():
    titles = {role: [b["title"] for b in welcome_buttons(role)] for role in (None, *PersonRole)}
    assert titles[None] == [
        "Wat is het Toptraject?",
        "Reizen en OV",
        "Examens",
        "Inchecken op mijn doelen",
        "Met een mens praten",
    ]
    assert titles[PersonRole.STUDENT][0] == "Mijn route"
    assert "Hoe gaat het met mijn kind?" in titles[PersonRole.GUARDIAN]
    payloads = [b["payload"] for b in welcome_buttons(None)]
    assert payloads[-1] == "/request_human" and payloads[3] == "/checkin"


def test_a_remembered_device_gets_a_new_token_until_it_logs_out(seeded_database_url, student_code):
    code, sanne = student_code
    settings = settings_for(seeded_database_url)

    async def go():
        app = create_app(settings, scheduled_jobs=False)
        async with TestClient(TestServer(app)) as client:
            login = await client.post("/chat/login", json={"code": code, "remember": True})
            answer = await login.json()
            assert answer["remembered"] is True
            cookie = login.cookies[chat.REMEMBER_COOKIE]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
            assert cookie["path"] == "/chat/"
            # The page's own token still holds: nothing changes.
            same = await client.post("/chat/session", json={"token": answer["token"]})
            assert await same.json() == {"logged_in": True}
            # A new tab (no token): the device's cookie gives a fresh token.
            fresh = await (await client.post("/chat/session", json={})).json()
            assert fresh["first_name"] == "Sanne" and fresh["token"] != answer["token"]
            claims = verify_token(fresh["token"], secret_key=TEST_SECRET, now=clock.now())
            assert claims.person_id == sanne
            # Logging out ends the device and the token; the next load is logged out.
            out = await client.post("/chat/logout", json={"token": fresh["token"]})
            assert (await out.json())["logged_in"] is False
            after = await client.post("/chat/session", json={"token": fresh["token"]})
            assert await after.json() == {"logged_in": False}

    asyncio.run(go())


@pytest.mark.parametrize("path", ["/chat/session", "/chat/logout"])
@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": {"token": "x"}}, 403),
        ({"json": {"token": "x"}, "headers": {"Origin": "https://evil.example"}}, 403),
        ({"json": ["x"]}, 403),
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 403),
        ({"json": {"token": 5, "everywhere": "yes"}}, 200),
        ({"json": {"token": "x" * 5000}}, 200),
        ({"json": {"token": "x" * 100_000}}, 413),  # over the web app's body limit
        ({"json": {}, "cookies": {"toptraject_remember": "1.forged"}}, 200),
        ({"json": {}, "cookies": {"toptraject_remember": "\u00e9" * 300}}, 200),
    ],
)
def test_odd_session_requests_are_refused_or_logged_out_without_an_error(
    seeded_database_url, path, kwargs, status
):
    got, _, body = call(settings_for(seeded_database_url), "POST", path, **kwargs)
    assert got == status and "Traceback" not in body
    if status == 200:
        assert json.loads(body)["logged_in"] is False


def test_the_logout_button_ends_every_conversation_its_token_opened_at_once(
    seeded_database_url, student_code
):
    """The page starts a fresh conversation only after the web app answers: by then the
    old conversations of that login are no longer linked (a shared school computer)."""
    code, sanne = student_code
    settings = settings_for(seeded_database_url)
    with session_scope(seeded_database_url) as session:
        other = session.scalar(select(Student).where(Student.id != sanne))
        other_code = issue_code(
            session, secret_key=TEST_SECRET, now=clock.now(), student_id=other.id
        )

    def link(logins: dict[str, dict]) -> None:
        with session_scope(seeded_database_url) as session:
            for conversation, answer in logins.items():
                linked = link_with_token(
                    session, conversation, answer["token"], secret_key=TEST_SECRET, now=clock.now()
                )
                assert linked is not None

    async def go():
        app = create_app(settings, scheduled_jobs=False)
        async with TestClient(TestServer(app)) as client:
            mine = await (await client.post("/chat/login", json={"code": code})).json()
            theirs = await (await client.post("/chat/login", json={"code": other_code})).json()
            await asyncio.to_thread(link, {"tab-1": mine, "tab-2": mine, "someone-else": theirs})
            out = await client.post("/chat/logout", json={"token": mine["token"]})
            assert out.status == 200

    asyncio.run(go())
    with session_scope(seeded_database_url) as session:
        assert session.get(ConversationLink, "tab-1") is None
        assert session.get(ConversationLink, "tab-2") is None
        assert session.get(ConversationLink, "someone-else").student_id != sanne
        ended = session.scalars(
            select(AuditEntry.conversation_id).where(
                AuditEntry.action == "unlink", AuditEntry.actor_type == "web"
            )
        ).all()
    assert sorted(ended) == ["tab-1", "tab-2"]


def test_the_logout_button_ends_the_page_s_conversation_linked_by_a_typed_code(
    seeded_database_url, student_code
):
    """A koppelcode typed in the chat links with the address, not the token: the page
    names its conversation and the request's address proves it. Naming someone else's
    conversation ends nothing."""
    _, sanne = student_code
    settings = settings_for(seeded_database_url)
    here = private_key(
        "address", client_address("127.0.0.1", None, settings.trusted_proxies), TEST_SECRET
    )
    with session_scope(seeded_database_url) as session:
        for conversation, proof in (("typed-here", here), ("elsewhere", "another-address")):
            link_conversation(
                session, conversation, via=LinkMethod.CODE, student_id=sanne, proof=proof
            )
    for conversation in ("typed-here", "elsewhere", 7, "x" * 300):
        status, _, _ = call(
            settings, "POST", "/chat/logout", json={"token": None, "conversation": conversation}
        )
        assert status == 200
    with session_scope(seeded_database_url) as session:
        assert session.get(ConversationLink, "typed-here") is None
        assert session.get(ConversationLink, "elsewhere") is not None
