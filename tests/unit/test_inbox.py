"""The coordinator inbox over HTTP (aiohttp's test server) on a seeded SQLite database."""

import asyncio
import re
from datetime import datetime, timedelta, timezone

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import (
    AuditEntry,
    CheckIn,
    ConversationLink,
    Handoff,
    HandoffMessage,
    InterimGoal,
    LoginAttempt,
    Student,
)
from bot.demo.seed import DEMO_COORDINATOR_PASSWORD
from bot.escalation import handover
from bot.escalation.deadlines import DeadlinePolicy
from bot.escalation.handoffs import HandoffRequest, create_handoff
from bot.identity.devices import end_link
from bot.identity.links import link_conversation
from bot.identity.passwords import hash_password, verify_password
from bot.settings import load_settings
from bot.vocabulary import (
    CheckInStatus,
    HandoffPriority,
    HandoffStatus,
    LinkMethod,
    ThreadAuthor,
)
from infra.db.session import session_scope
from tests.conftest import TEST_SECRET, person_id
from web.app import create_app
from web.auth import decode_session, encode_session, new_session

ROC = "i.wolters@rocvantwente.example.org"
NOORDIK = "m.hofman@noordik.example.org"
REGION = "e.nijhuis@toptraject-twente.example.org"
NOW = datetime.now(timezone.utc)


def test_passwords_are_salted_scrypt_hashes():
    stored = hash_password("een lang wachtwoord")
    assert stored.startswith("scrypt$") and "een lang" not in stored
    assert stored != hash_password("een lang wachtwoord")
    assert verify_password("een lang wachtwoord", stored)
    assert not verify_password("fout", stored)
    assert not verify_password("x", None) and not verify_password("x", "plain")


def test_a_session_cookie_cannot_be_forged_or_used_after_it_expires():
    session = new_session(7, now=NOW)
    cookie = encode_session(session, TEST_SECRET)
    assert decode_session(cookie, TEST_SECRET, now=NOW) == session
    assert decode_session(cookie, "another-secret", now=NOW) is None
    assert decode_session(cookie, TEST_SECRET, now=NOW + timedelta(hours=9)) is None
    token, signature = cookie.rsplit(".", 1)
    assert decode_session(f"{token[:-2]}xx.{signature}", TEST_SECRET, now=NOW) is None
    assert decode_session("garbage", TEST_SECRET, now=NOW) is None


def make_handoff(
    database_url,
    conversation,
    student_name=None,
    summary="Gebruiker: hulp graag",
    reason="asked_for_person",
    category="general",
    now=NOW,
):
    with session_scope(database_url) as session:
        if student_name:
            student = person_id(session, Student, student_name)
            link_conversation(session, conversation, via=LinkMethod.CODE, student_id=student)
        view = create_handoff(
            session,
            conversation,
            HandoffRequest(reason, category, HandoffPriority.NORMAL, summary),
            now=now,
            policy=DeadlinePolicy(),
            default_region="twente",
        )
    return view.reference


class Browser:
    """A logged-in (or not) client that keeps cookies and finds the CSRF token."""

    def __init__(self, client: TestClient):
        self.client = client
        self.csrf = ""

    async def get(self, path):
        response = await self.client.get(path, allow_redirects=False)
        text = await response.text()
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return response.status, text, response.headers

    async def post(self, path, data, csrf=True):
        form = dict(data, csrf=self.csrf) if csrf else dict(data)
        response = await self.client.post(path, data=form, allow_redirects=False)
        return response.status, await response.text(), response.headers

    async def login(self, email, password=DEMO_COORDINATOR_PASSWORD):
        await self.get("/inbox/login")
        return await self.post("/inbox/login", {"email": email, "password": password})


def run(database_url, scenario):
    settings = load_settings(
        {"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "RASA_PORT": "9"}
    )

    async def go():
        app = create_app(settings, scheduled_jobs=False)
        async with TestClient(TestServer(app)) as client:
            return await scenario(Browser(client))

    return asyncio.run(go())


def test_login_needs_the_right_password_and_a_csrf_token(seeded_database_url):
    async def scenario(browser):
        status, _, headers = await browser.get("/inbox")
        assert (status, headers["Location"]) == (302, "/inbox/login")
        status, body, _ = await browser.login(ROC, "wrong password")
        assert status == 401 and "klopt niet" in body
        await browser.get("/inbox/login")
        status, _, _ = await browser.post(
            "/inbox/login", {"email": ROC, "password": DEMO_COORDINATOR_PASSWORD}, csrf=False
        )
        assert status == 403
        status, _, headers = await browser.login(ROC)
        assert (status, headers["Location"]) == (302, "/inbox")
        assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
        status, body, _ = await browser.get("/inbox")
        assert status == 200 and "Ingrid Wolters" in body
        status, _, _ = await browser.post("/inbox/logout", {})
        assert status == 302
        status, _, _ = await browser.get("/inbox")
        assert status == 302

    run(seeded_database_url, scenario)


def test_a_coordinator_sees_only_their_own_school(seeded_database_url):
    roc = make_handoff(seeded_database_url, "c-lotte", "Lotte")
    noordik = make_handoff(seeded_database_url, "c-sanne", "Sanne")

    async def scenario(browser):
        await browser.login(ROC)
        _, body, _ = await browser.get("/inbox")
        assert roc in body and noordik not in body
        status, body, _ = await browser.get(f"/inbox/handoffs/{roc}")
        assert status == 200 and "Lotte Bakker (leerling)" in body
        status, _, _ = await browser.get(f"/inbox/handoffs/{noordik}")
        assert status == 404
        status, _, _ = await browser.post(f"/inbox/handoffs/{noordik}/claim", {})
        assert status == 404

    run(seeded_database_url, scenario)
    with session_scope(seeded_database_url) as session:
        noordik_handoff = session.scalar(select(Handoff).where(Handoff.reference == noordik))
        assert noordik_handoff.status is HandoffStatus.OPEN
        reads = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.actor_type == "coordinator")
        ).all()
        assert f"handoff {roc}" in reads and f"handoff {noordik}" not in reads


def test_the_regional_coordinator_sees_the_whole_region(seeded_database_url):
    roc = make_handoff(seeded_database_url, "c-lotte", "Lotte")
    anonymous = make_handoff(seeded_database_url, "c-anon")

    async def scenario(browser):
        await browser.login(REGION)
        _, body, _ = await browser.get("/inbox?filter=all")
        assert roc in body and anonymous in body

    run(seeded_database_url, scenario)


def test_user_text_is_escaped_in_the_inbox(seeded_database_url):
    reference = make_handoff(
        seeded_database_url, "c-xss", "Lotte", summary='Gebruiker: <script>alert("x")</script>'
    )

    async def scenario(browser):
        await browser.login(ROC)
        _, body, headers = await browser.get(f"/inbox/handoffs/{reference}")
        assert "<script>" not in body
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]

    run(seeded_database_url, scenario)


def test_claim_reply_resolve_and_hand_back(seeded_database_url):
    first = make_handoff(seeded_database_url, "c-lotte", "Lotte")

    async def scenario(browser):
        await browser.login(ROC)
        await browser.get(f"/inbox/handoffs/{first}")
        status, _, headers = await browser.post(f"/inbox/handoffs/{first}/claim", {})
        assert (status, headers["Location"]) == (302, f"/inbox/handoffs/{first}?done=claimed")
        _, body, _ = await browser.get("/inbox?filter=mine")
        assert first in body
        # Rasa is not running here: the reply is kept for later, and the page says so.
        status, _, headers = await browser.post(
            f"/inbox/handoffs/{first}/reply", {"body": "Ik bel je morgen."}
        )
        assert headers["Location"].endswith("done=reply_saved")
        status, _, _ = await browser.post(f"/inbox/handoffs/{first}/resolve", {"note": ""})
        assert status == 400
        status, _, _ = await browser.post(f"/inbox/handoffs/{first}/resolve", {"note": "Gebeld"})
        assert status == 302

    run(seeded_database_url, scenario)
    with session_scope(seeded_database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.reference == first))
        assert handoff.status is HandoffStatus.RESOLVED and handoff.resolution_note == "Gebeld"
        # The thread: the conversation went live, the reply, and back to the bot.
        thread = session.scalars(select(HandoffMessage).order_by(HandoffMessage.id)).all()
        assert [(m.author, m.body, m.delivered_at) for m in thread] == [
            (ThreadAuthor.NOTICE, handover.STARTED, None),
            (ThreadAuthor.COORDINATOR, "Ik bel je morgen.", None),
            (ThreadAuthor.NOTICE, handover.ENDED, None),
        ]
        assert handoff.live_since is None

    second = make_handoff(seeded_database_url, "c-lotte", "Lotte")

    async def hand_back(browser):
        await browser.login(ROC)
        await browser.get(f"/inbox/handoffs/{second}")
        await browser.post(f"/inbox/handoffs/{second}/return", {})

    run(seeded_database_url, hand_back)
    with session_scope(seeded_database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.reference == second))
        assert handoff.status is HandoffStatus.RETURNED


def test_a_reply_to_a_person_who_logged_out_is_kept_and_the_page_says_so(seeded_database_url):
    reference = make_handoff(seeded_database_url, "c-lotte-left", "Lotte")
    with session_scope(seeded_database_url) as session:
        link = session.get(ConversationLink, "c-lotte-left")
        end_link(session, link, actor="web")  # "Uitloggen"

    async def scenario(browser):
        await browser.login(ROC)
        await browser.get(f"/inbox/handoffs/{reference}")
        _, _, headers = await browser.post(
            f"/inbox/handoffs/{reference}/reply", {"body": "Ik bel je morgen."}
        )
        assert headers["Location"].endswith("done=reply_left")
        _, body, _ = await browser.get(headers["Location"])
        assert "De persoon is uitgelogd" in body

    run(seeded_database_url, scenario)


def test_the_overview_shows_quiet_students_and_a_motivation_chart(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        lotte = session.scalar(select(Student).where(Student.first_name == "Lotte"))
        goal = session.scalar(select(InterimGoal).where(InterimGoal.phase_id == lotte.phase_id))
        for weeks, motivation in ((3, 2), (2, 3), (1, 4)):
            session.add(
                CheckIn(
                    student_id=lotte.id,
                    goal_id=goal.id,
                    status=CheckInStatus.IN_PROGRESS,
                    motivation=motivation,
                    created_at=NOW - timedelta(weeks=weeks),
                )
            )

    async def scenario(browser):
        await browser.login(ROC)
        status, body, _ = await browser.get("/inbox/overview")
        assert status == 200 and "ROC van Twente" in body
        quiet = body.split("Drie weken of langer geen check-in")[1].split("Motivatie per")[0]
        assert "Daan Jansen" in quiet and "Lotte Bakker" not in quiet
        # A chart per student: one point per check-in with its day, drawn by Chart.js
        # from this server (never a CDN), and the same in words for a screen reader.
        chart = body[body.index('<canvas class="motivation"') :]
        chart = chart[: chart.index("</canvas>")]
        days = [
            (NOW - timedelta(weeks=weeks)).astimezone(SCHOOL_TIMEZONE).date().isoformat()
            for weeks in (3, 2, 1)
        ]
        assert all(f"&#34;{day}&#34;" in chart or f"&quot;{day}&quot;" in chart for day in days)
        assert "Motivatie van Lotte Bakker" in chart and ": 4" in chart
        assert "/static/vendor/chart.umd.js" in body and "https://" not in body
        assert "Sanne" not in body  # another school

    run(seeded_database_url, scenario)


def test_ten_wrong_passwords_lock_the_account_for_a_quarter_and_the_right_one_waits(
    seeded_database_url,
):
    async def scenario(browser):
        for _ in range(10):
            status, body, _ = await browser.login(ROC, "wrong password")
            assert status == 401
        status, body, _ = await browser.login(ROC)  # the right password, too late
        assert status == 429 and "over een kwartier" in body
        status, _, _ = await browser.get("/inbox")
        assert status == 302

    run(seeded_database_url, scenario)


def test_a_stolen_cookie_stops_working_at_logout_and_cookies_are_secure_in_production(
    seeded_database_url,
):
    async def scenario(browser):
        await browser.login(ROC)
        cookie = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/"))
        stolen = cookie["toptraject_inbox"].value
        await browser.get("/inbox")  # the page with the logout form
        status, _, _ = await browser.post("/inbox/logout", {})
        assert status == 302
        browser.client.session.cookie_jar.update_cookies({"toptraject_inbox": stolen})
        status, body, headers = await browser.get("/inbox")
        assert status == 302, (status, body[:300], stolen[:20])
        assert headers["Location"] == "/inbox/login"
        # ...and the login page shows the form, not a redirect back (once a loop).
        status, body, _ = await browser.get("/inbox/login")
        assert status == 200 and 'name="password"' in body

    run(seeded_database_url, scenario)

    from aiohttp.test_utils import make_mocked_request

    from web.cookies import secure_cookies
    from web.keys import SETTINGS_KEY

    for environment, secure in (("production", True), ("development", False)):
        app = web.Application()
        app[SETTINGS_KEY] = load_settings(
            {
                "TOPTRAJECT_ENV": environment,
                "SECRET_KEY": TEST_SECRET,
                "RASA_TOKEN": "t" * 32,
            }
        )
        assert secure_cookies(make_mocked_request("GET", "/", app=app)) is secure


def test_an_unknown_address_costs_the_same_password_check_as_a_known_one(seeded_database_url):
    from bot.identity import coordinator_login

    checked = []
    real = coordinator_login.verify_password

    def counting(password, stored):
        checked.append(stored)
        return real(password, stored)

    with session_scope(seeded_database_url) as session:
        try:
            coordinator_login.verify_password = counting
            for email in (ROC, "nobody@example.nl"):
                result = coordinator_login.check_login(
                    session,
                    email,
                    "wrong password",
                    client_address="203.0.113.7",
                    secret_key=TEST_SECRET,
                    now=NOW,
                )
                assert result.coordinator_id is None
        finally:
            coordinator_login.verify_password = real
        assert len(checked) == 2 and all(stored.startswith("scrypt$") for stored in checked)
        tries = session.scalars(select(LoginAttempt)).all()
        assert len(tries) == 2 and all("@" not in t.account_key for t in tries)


def test_a_coordinator_reads_the_kind_of_question_in_dutch_never_a_code(seeded_database_url):
    risk = make_handoff(seeded_database_url, "c-risk", "Lotte", reason="risk", category="distress")
    general = make_handoff(seeded_database_url, "c-vraag", "Lotte")

    async def scenario(browser):
        await browser.login(ROC)
        _, risk_page, _ = await browser.get(f"/inbox/handoffs/{risk}")
        _, general_page, _ = await browser.get(f"/inbox/handoffs/{general}")
        return risk_page, general_page

    risk_page, general_page = run(seeded_database_url, scenario)
    assert "(Somber, angstig of verdrietig)" in risk_page and "distress" not in risk_page
    assert "Wil iemand spreken (Vraag)" in general_page and "general" not in general_page


def test_the_list_shows_who_it_is_about_a_preview_and_the_age_and_audits_the_names(
    seeded_database_url,
):
    named = make_handoff(
        seeded_database_url,
        "c-named",
        "Lotte",
        summary="Bot: Hoi!\nGebruiker: ik wil graag iemand spreken over mijn stage",
        # Made now, not when the module was imported: the page says "net binnen" for
        # two minutes, and the unit tests can run longer than that beside the training.
        now=datetime.now(timezone.utc),
    )
    anonymous = make_handoff(seeded_database_url, "c-anon", summary="Gebruiker: " + "lang " * 40)

    async def scenario(browser):
        await browser.login(REGION)
        _, body, _ = await browser.get("/inbox")
        row = body[body.index(named) - 400 : body.index(named) + 900]
        assert (
            "Lotte Bakker (leerling)" in row
            and "ik wil graag iemand spreken over mijn stage" in row
        )
        assert "net binnen" in row
        other = body[body.index(anonymous) - 400 : body.index(anonymous) + 900]
        assert "anoniem" in other and "lang lang" in other and "…" in other
        # Oppakken only while nobody took it; the actions come before the conversation.
        _, page, _ = await browser.get(f"/inbox/handoffs/{named}")
        assert page.index("Oppakken") < page.index("Samenvatting")
        await browser.post(f"/inbox/handoffs/{named}/claim", {})
        _, page, _ = await browser.get(f"/inbox/handoffs/{named}")
        assert "Oppakken" not in page and "Versturen" in page

    run(seeded_database_url, scenario)
    with session_scope(seeded_database_url) as session:
        lotte = person_id(session, Student, "Lotte")
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor_type == "coordinator", AuditEntry.detail == "inbox list"
            )
        ).all()
        assert {(entry.subject_type, entry.subject_id) for entry in reads} == {
            ("student", str(lotte))
        }
