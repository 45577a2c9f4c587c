"""A campaign in two real browsers: a region coordinator plans it in the inbox from
the route calendar, it is pushed into a student's open chat, the student presses its
button, and the coordinator reads the result, with its chart, and stops it."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot import clock
from bot.db.models import CampaignDelivery, School, Student
from infra import jobs
from infra.db.session import session_scope
from tests.browser.conftest import screenshot
from tests.browser.test_widget import coordinator_inbox, logged_in_student

pytestmark = [pytest.mark.integration, pytest.mark.browser]

REGION = "e.nijhuis@toptraject-twente.example.org"
# No other test puts students here (the integration tests use Het Assink Lyceum): the
# campaign reaches this test's student only.
SCHOOL = "Pius X College"


def run_campaign_job(assistant) -> str:
    """The web app's campaign job, from a thread of its own (Playwright's sync API runs
    an event loop in this one), with no quiet hours: the test runs at any hour."""
    settings = dataclasses.replace(assistant.settings, nudge_quiet_hours="00:00-00:00")
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, jobs.campaigns(settings, clock.now())).result(120)


def test_a_campaign_planned_in_the_inbox_reaches_an_open_chat_and_is_counted(
    chat_page, new_context, assistant
):
    student, chat = logged_in_student(chat_page, assistant, "Bente")
    with session_scope(assistant.database_url) as session:
        school = session.scalar(select(School).where(School.name == SCHOOL))
        session.get(Student, student).school_id = school.id

    inbox = coordinator_inbox(new_context, assistant, REGION)
    inbox.get_by_role("link", name="Campagnes").click()
    expect(inbox.get_by_role("heading", name="Belangrijke data in de route")).to_be_visible()
    row = inbox.get_by_role("row").filter(has_text="Aanmelden voor het mbo")
    row.get_by_role("link", name="voor leerlingen").click()
    # The calendar's text and task are filled in.
    expect(inbox.get_by_label("Tekst (kort en eenvoudig, B1)")).to_contain_text("uiterlijk 1 april")
    expect(inbox.get_by_label("Tekst van de knop")).to_have_value("Ja, ik heb me aangemeld")
    inbox.get_by_label("Vanaf").fill(clock.today().isoformat())
    inbox.get_by_label("Om").fill("00:00")
    inbox.get_by_label(SCHOOL).check()
    inbox.get_by_role("button", name="Bekijken en tellen").click()
    expect(inbox.locator("p.reach")).to_contain_text("1 persoon")
    expect(inbox.locator("ul.b1")).to_contain_text("goed te lezen (B1)")
    screenshot(inbox, "campaign-1-preview")
    inbox.get_by_role("button", name="Inplannen").click()
    expect(inbox.get_by_role("status")).to_contain_text("De campagne staat klaar")

    summary = run_campaign_job(assistant)
    assert "reached 1 people, 1 pushed" in summary, summary
    chat.wait_for_bot("Meld je uiterlijk 1 april aan", timeout=60_000)
    expect(chat.replies()).to_have_text(["Ja, ik heb me aangemeld", "Nog niet"])
    chat.shot("campaign-in-chat")
    chat.choose("Ja, ik heb me aangemeld")
    chat.wait_for_bot("Top, goed gedaan! Ik heb het genoteerd.")
    with session_scope(assistant.database_url) as session:
        (delivery,) = session.scalars(
            select(CampaignDelivery).where(CampaignDelivery.student_id == student)
        )
        assert delivery.shown_at and delivery.task_done_at

    # A second visit (the widget keeps the conversation on the page): the message is
    # there once, not shown a second time.
    chat.page.reload()
    chat.wait_for_bot("Hoi Bente!")
    chat.send("hoi")
    chat.wait_for_bot(re.compile("Waar kan ik je mee helpen"))
    expect(chat.bot_messages().filter(has_text="Meld je uiterlijk")).to_have_count(1)

    inbox.reload()
    totals = inbox.locator("tr.total td")
    expect(totals).to_have_text(["Totaal", "1", "1", "1", "1"])
    drawn = inbox.evaluate(
        "() => typeof Chart !== 'undefined'"
        " && !!Chart.getChart(document.querySelector('canvas.funnel'))"
    )
    assert drawn
    screenshot(inbox, "campaign-2-report")
    inbox.get_by_role("button", name="Campagne stoppen").click()
    expect(inbox.get_by_role("status")).to_contain_text("De campagne is gestopt")
