"""A campaign end to end with the running assistant (issue 19): scheduled in the
database as the inbox does, sent by the campaign job, shown at the next visit, the
task button answered over REST with the real model, "stop met berichten" typed,
the cap held, a parent mailed through the real SMTP server, and the report's numbers
checked against the database."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import clock
from bot.campaigns import drafting
from bot.campaigns.report import campaign_report
from bot.db.models import (
    Campaign,
    CampaignDelivery,
    Coordinator,
    Guardian,
    GuardianStudent,
    School,
    Student,
)
from bot.vocabulary import PersonRole, Recipients
from infra import jobs
from infra.db.session import session_scope

pytestmark = pytest.mark.integration

REGION_COORDINATOR = "e.nijhuis@toptraject-twente.example.org"
# A school no other test puts students in: the campaign reaches this test's people only.
SCHOOL = "Het Assink Lyceum"


def student_at_school(assistant, conversation_id: str, first_name: str) -> int:
    student = assistant.new_student(first_name)
    with session_scope(assistant.database_url) as session:
        school = session.scalar(select(School).where(School.name == SCHOOL))
        session.get(Student, student).school_id = school.id
    assistant.link(conversation_id, student_id=student)
    return student


def schedule(assistant, recipients: Recipients) -> int:
    now = clock.now()
    form = drafting.draft_from_calendar("mbo_registration", recipients, now=now)
    phases = form.pop("phases").split(",")
    today = now.date()
    form.update(start_date=today.isoformat(), start_time="00:00")
    form.update(end_date=(today + timedelta(days=20)).isoformat())
    with session_scope(assistant.database_url) as session:
        school = session.scalar(select(School).where(School.name == SCHOOL))
        result = drafting.read_form(
            form, {"phases": phases, "school_ids": [str(school.id)]}, now=now
        )
        assert result.errors == ()
        coordinator = session.scalar(
            select(Coordinator).where(Coordinator.email == REGION_COORDINATOR)
        )
        return drafting.schedule(session, coordinator, result.draft, now=now).id


def run_job(assistant, job) -> str:
    """Runs a background job in this process against the running assistant, with no
    quiet hours (the test runs at any time of day)."""
    settings = dataclasses.replace(assistant.settings, nudge_quiet_hours="00:00-00:00")
    return asyncio.run(job(settings, clock.now()))


def stop_campaign(assistant, campaign_id: int) -> None:
    """Stopped: a message not yet shown is not shown in another test's conversation."""
    with session_scope(assistant.database_url) as session:
        campaign = session.get(Campaign, campaign_id)
        by = session.get(Coordinator, campaign.created_by_id)
        drafting.stop(session, by, campaign, now=clock.now())


def deliveries(assistant, campaign_id: int) -> list[CampaignDelivery]:
    with session_scope(assistant.database_url) as session:
        return list(
            session.scalars(
                select(CampaignDelivery).where(CampaignDelivery.campaign_id == campaign_id)
            )
        )


def test_a_campaign_is_sent_shown_answered_capped_and_counted(assistant):
    asks = student_at_school(assistant, "it-camp-asks", "Camp")
    stops = student_at_school(assistant, "it-camp-stops", "Stopt")
    busy = student_at_school(assistant, "it-camp-busy", "Druk")
    # Stopt says so in the chat, with the real model reading it.
    (off,) = assistant.say("it-camp-stops", "stop met berichten")
    assert off.startswith("Oké. Je krijgt geen berichten meer van ons.")
    # Druk had two messages this week already (an earlier campaign).
    earlier = schedule(assistant, Recipients.STUDENTS)
    with session_scope(assistant.database_url) as session:
        for run in (1, 2):
            session.add(
                CampaignDelivery(
                    campaign_id=earlier,
                    run=run,
                    recipient_key=f"student:{busy}",
                    role=PersonRole.STUDENT,
                    student_id=busy,
                    created_at=clock.now() - timedelta(days=run),
                )
            )
    stop_campaign(assistant, earlier)
    campaign = schedule(assistant, Recipients.STUDENTS)
    summary = run_job(assistant, jobs.campaigns)
    assert "campaign runs reached 1 people" in summary, summary
    reached = [d.student_id for d in deliveries(assistant, campaign)]
    assert reached == [asks] and stops not in reached and busy not in reached
    # Run again at once: nothing more.
    assert "0 campaign runs" in run_job(assistant, jobs.campaigns)

    # Camp opens the chat: the message with its two buttons, then the greeting.
    message, *_ = assistant.send("it-camp-asks", "hoi")
    assert "Meld je uiterlijk 1 april aan" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        "/campaign_task_done",
        "/campaign_task_not_yet",
    ]
    assert message["buttons"][0]["title"] == "Ja, ik heb me aangemeld"
    assert "Meld je" not in " ".join(assistant.say("it-camp-asks", "hoi"))  # once
    # The button is pressed.
    assert assistant.say("it-camp-asks", "/campaign_task_done") == [
        "Top, goed gedaan! Ik heb het genoteerd."
    ]
    # A typed answer later counts as a reply too (the job reads the conversation).
    time.sleep(2.5)
    assistant.say("it-camp-asks", "dankje")
    run_job(assistant, jobs.campaigns)
    (delivery,) = deliveries(assistant, campaign)
    assert delivery.shown_at and delivery.replied_at and delivery.task_done_at
    with session_scope(assistant.database_url) as session:
        report = campaign_report(session, session.get(Campaign, campaign))
        assert report.total.as_tuple() == (1, 1, 1, 1)
        stored = session.get(Campaign, campaign)
        assert (stored.held_opted_out, stored.held_by_cap) == (1, 1)
    # The data summary says messages are off for Stopt.
    summary = "\n".join(assistant.say("it-camp-stops", "welke gegevens hebben jullie van mij"))
    assert "Berichten van ons: uit" in summary
    assert assistant.say("it-camp-stops", "berichten aan")[0].startswith("Fijn! Je krijgt weer")
    stop_campaign(assistant, campaign)


def test_a_parent_campaign_is_mailed_through_the_smtp_server(assistant):
    child = student_at_school(assistant, "it-camp-child", "Kindje")
    with session_scope(assistant.database_url) as session:
        parent = Guardian(first_name="Ouder", last_name="Test", email="ouder.test@example.org")
        session.add(parent)
        session.flush()
        session.add(GuardianStudent(guardian_id=parent.id, student_id=child))
    campaign = schedule(assistant, Recipients.GUARDIANS)
    run_job(assistant, jobs.campaigns)
    assert [d.mailed for d in deliveries(assistant, campaign)] == [True]
    run_job(assistant, jobs.deliver_outbox)
    (mail,) = assistant.mailbox.wait_for(lambda m: m["To"] == "ouder.test@example.org")
    body = mail.get_content()
    assert mail["Subject"].startswith("Toptraject: Aanmelden voor het mbo")
    assert "Je kind moet zich uiterlijk 1 april aanmelden" in body
    assert "stop met berichten" in body and assistant.web_url in body
    stop_campaign(assistant, campaign)


def test_a_message_pushed_into_an_open_chat_can_be_answered_with_its_button(assistant):
    """Rasa's execute API runs the showing action alone; the bot then listens, so the
    button under the pushed message is answered (before, the turn fell silent)."""
    student = student_at_school(assistant, "it-camp-open", "Open")
    assistant.say("it-camp-open", "hoi")  # the chat is open
    campaign = schedule(assistant, Recipients.STUDENTS)
    run_job(assistant, jobs.campaigns)
    assert assistant.say("it-camp-open", "/campaign_task_not_yet")[0].startswith(
        "Oké. Doe het wel op tijd."
    )
    (delivery,) = [d for d in deliveries(assistant, campaign) if d.student_id == student]
    assert delivery.shown_in_conversation_id == "it-camp-open"
    assert delivery.shown_at and delivery.replied_at and delivery.task_done_at is None
    stop_campaign(assistant, campaign)
