"""The inbox's campaign pages over HTTP (aiohttp's test server) on a seeded database:
from the route calendar to a scheduled campaign, its report, its CSV and stopping it."""

import csv
import io
import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.campaigns.schedule import MessagePolicy
from bot.campaigns.sending import run_due_campaigns
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import Campaign, CampaignDelivery, Student
from bot.vocabulary import CampaignStatus
from infra.db.session import session_scope
from tests.conftest import person_id
from tests.unit.test_inbox import NOORDIK, REGION, ROC, run

HARD = (
    "Overeenkomstig de toepasselijke bepalingen inzake de studiefinancieringsregelgeving "
    "dient de aanvrager gedurende de volledige inschrijvingsperiode onverwijld wijzigingen "
    "te rapporteren."
)


def form_fields(page: str) -> list[tuple[str, str]]:
    """The campaign form's values as a browser would send them back."""
    fields = []
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        kind = kind.group(1) if kind else "text"
        value = re.search(r'value="([^"]*)"', tag)
        value = value.group(1) if value else "on"
        if kind in ("checkbox", "radio") and "checked" not in tag:
            continue
        fields.append((name.group(1), value))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields.append((name, body))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'value="([^"]*)" selected', options) or re.search(
            r'value="([^"]*)"', options
        )
        fields.append((name, chosen.group(1)))
    return fields


def replace(fields, name, value):
    return [(key, value if key == name else old) for key, old in fields]


def test_a_coordinator_plans_a_campaign_from_the_calendar_and_reads_its_report(
    seeded_database_url,
):
    today = datetime.now(SCHOOL_TIMEZONE).date()

    async def plan(browser):
        await browser.login(REGION)
        status, body, _ = await browser.get("/inbox/campaigns")
        assert status == 200 and "Aanmelden voor het mbo" in body
        assert "/inbox/campaigns/new?from=mbo_registration&amp;for=students" in body
        status, body, _ = await browser.get("/inbox/campaigns/new?from=mbo_registration")
        # The calendar's text, counted and checked at once: Sanne is the one vmbo 4 pupil.
        assert status == 200 and "uiterlijk 1 april" in body
        assert "<strong>1</strong> persoon" in body and "goed te lezen (B1)" in body
        fields = form_fields(body)
        assert ("phases", "vmbo4") in fields and (
            "task_button",
            "Ja, ik heb me aangemeld",
        ) in fields
        fields = replace(fields, "start_date", today.isoformat())
        fields = replace(fields, "start_time", "00:00")
        fields = replace(fields, "end_date", (today + timedelta(days=30)).isoformat())
        # A hard text: the B1 check says why, and scheduling waits for the tick.
        hard = [*replace(fields, "body", HARD), ("csrf", browser.csrf), ("do", "check")]
        response = await browser.client.post("/inbox/campaigns/new", data=hard)
        body = await response.text()
        assert "meer dan 15 woorden" in body and "Kies kortere woorden" in body
        hard = replace(hard, "do", "schedule")
        response = await browser.client.post(
            "/inbox/campaigns/new", data=hard, allow_redirects=False
        )
        assert response.status == 400
        assert "vink aan dat je hem hebt nagekeken" in await response.text()
        good = [*fields, ("csrf", browser.csrf), ("do", "schedule")]
        response = await browser.client.post(
            "/inbox/campaigns/new", data=good, allow_redirects=False
        )
        assert response.status == 302
        return response.headers["Location"]

    location = run(seeded_database_url, plan)
    assert re.fullmatch(r"/inbox/campaigns/\d+\?done=campaign_scheduled", location)
    with session_scope(seeded_database_url) as session:
        campaign = session.scalar(select(Campaign))
        assert campaign.task_key == "calendar:mbo_registration"
        # A pupil whose name a spreadsheet would run as a formula.
        sanne = session.get(Student, person_id(session, Student, "Sanne"))
        sanne.first_name = "=HYPERLINK(1)"
        # No quiet hours (start = end): the test runs at any time of day.
        no_quiet = MessagePolicy(quiet_start=time(0, 0), quiet_end=time(0, 0))
        reports = run_due_campaigns(session, now=datetime.now(SCHOOL_TIMEZONE), policy=no_quiet)
        assert [len(report.delivered) for report in reports] == [1]
        campaign_id = campaign.id

    async def read(browser):
        await browser.login(REGION)
        status, body, _ = await browser.get(f"/inbox/campaigns/{campaign_id}")
        assert status == 200 and "Gepland" in body and 'class="funnel"' in body
        assert (
            'aria-label="Resultaat: Bereikt: 1, Gezien: 0, Gereageerd: 0, Taak gedaan: 0"' in body
        )
        response = await browser.client.get(f"/inbox/campaigns/{campaign_id}/export")
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(await response.text())))
        assert rows[1][2] == "'=HYPERLINK(1) de Vries"
        # Another school's coordinator does not see it, nor stop it.
        await browser.client.post("/inbox/logout", data={"csrf": browser.csrf})
        await browser.login(ROC)
        status, _, _ = await browser.get(f"/inbox/campaigns/{campaign_id}")
        assert status == 404
        await browser.get("/inbox/campaigns")
        status, _, _ = await browser.post(f"/inbox/campaigns/{campaign_id}/stop", {})
        assert status == 404
        await browser.client.post("/inbox/logout", data={"csrf": browser.csrf})
        await browser.login(REGION)
        await browser.get(f"/inbox/campaigns/{campaign_id}")
        status, _, headers = await browser.post(f"/inbox/campaigns/{campaign_id}/stop", {})
        assert status == 302
        _, body, _ = await browser.get(headers["Location"])
        assert "Gestopt" in body and "De campagne is gestopt" in body

    run(seeded_database_url, read)
    with session_scope(seeded_database_url) as session:
        assert session.scalar(select(Campaign.status)) is CampaignStatus.STOPPED
        assert session.scalar(select(CampaignDelivery.student_id)) is not None


def test_a_school_coordinator_counts_and_plans_for_their_own_school_only(seeded_database_url):
    async def scenario(browser):
        await browser.login(NOORDIK)
        status, body, _ = await browser.get("/inbox/campaigns/new?from=mbo_registration")
        assert status == 200 and "School: CSG Het Noordik" in body
        assert 'name="school_ids"' not in body
        assert "<strong>1</strong> persoon" in body
        status, body, _ = await browser.get(
            "/inbox/campaigns/new?from=mbo_registration&for=guardians"
        )
        assert "Je kind moet zich uiterlijk 1 april aanmelden" in body

    run(seeded_database_url, scenario)
