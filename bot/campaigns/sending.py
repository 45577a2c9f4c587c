"""The campaign job's database work: each due run picks its audience, leaves out who
said "stop met berichten" or had their messages of the week, and stores one delivery
per person, with a mail in the outbox for parents who gave an address, in one
transaction. What is shown in a chat is read from the deliveries (bot/campaigns/showing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.campaigns.audience import AudienceRules, candidates, recipients_of
from bot.campaigns.limits import CAP_SPAN, at_cap, messages_since, opted_out
from bot.campaigns.recipients import parse_recipient_key
from bot.campaigns.schedule import MessagePolicy, Step, following_run, next_step
from bot.clock import SCHOOL_TIMEZONE
from bot.content.catalog import text
from bot.db.models import Campaign, CampaignDelivery, Guardian
from bot.escalation.mail import MAIL_TOPIC
from bot.outbox import enqueue_once
from bot.vocabulary import CampaignStatus, PersonRole

# The chat page, relative to the web app's public address: where a mail sends people.
CHAT_PATH = "/"


@dataclass(frozen=True)
class RunReport:
    campaign_id: int
    run: int
    delivered: tuple[str, ...]  # recipient keys
    opted_out: int
    capped: int


def _mail(session: Session, campaign: Campaign, delivery: CampaignDelivery, now: datetime) -> bool:
    guardian = session.get(Guardian, delivery.guardian_id)
    if guardian is None or not guardian.email:
        return False
    enqueue_once(
        session,
        MAIL_TOPIC,
        {
            "to": guardian.email,
            "subject": text("campaigns", "mail_subject", title=campaign.title),
            "body": campaign.body,
            "path": CHAT_PATH,
            "audience": "campaign",
        },
        key=f"mail:campaign:{delivery.id}",
        now=now,
    )
    return True


def send_run(
    session: Session, campaign: Campaign, *, now: datetime, policy: MessagePolicy
) -> RunReport:
    """One run of a campaign: the audience now, minus opt-outs and capped people."""
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    rules = AudienceRules.from_json(campaign.audience)
    picked = recipients_of(
        candidates(
            session,
            region_id=campaign.region_id,
            school_id=campaign.school_id,
            task_key=campaign.task_key,
            today=today,
        ),
        rules,
        campaign.recipients,
        today,
    )
    stopped = opted_out(session, picked)
    counts = messages_since(session, picked, now - CAP_SPAN)
    run = campaign.runs + 1
    delivered, capped = [], 0
    for key in picked:
        if key in stopped:
            continue
        if at_cap(counts, key, policy.weekly_cap):
            capped += 1
            continue
        role, person_id = parse_recipient_key(key)
        delivery = CampaignDelivery(
            campaign_id=campaign.id,
            run=run,
            recipient_key=key,
            role=role,
            student_id=person_id if role is PersonRole.STUDENT else None,
            guardian_id=person_id if role is PersonRole.GUARDIAN else None,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        if role is PersonRole.GUARDIAN:
            delivery.mailed = _mail(session, campaign, delivery, now)
        delivered.append(key)
    campaign.runs = run
    campaign.held_opted_out += len(stopped)
    campaign.held_by_cap += capped
    record_change(
        session,
        actor_type="job",
        actor_id="campaigns",
        action="campaign_run",
        subject_type="campaign",
        subject_id=campaign.id,
        detail=f"run {run}: {len(delivered)} reached, {len(stopped)} opted out, {capped} capped",
    )
    return RunReport(campaign.id, run, tuple(delivered), len(stopped), capped)


def run_due_campaigns(session: Session, *, now: datetime, policy: MessagePolicy) -> list[RunReport]:
    """Sends every campaign whose run is due, and finishes those whose window closed.
    A run is booked (runs, next_run_at) in the same transaction as its deliveries, so
    a second job at once, or a retry after a crash, never sends it twice."""
    reports = []
    due = session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.SCHEDULED)
        .order_by(Campaign.next_run_at, Campaign.id)
        .with_for_update(skip_locked=True)
    ).all()
    for campaign in due:
        step = next_step(campaign.next_run_at, campaign.ends_at, now, policy)
        if step is Step.WAIT:
            continue
        if step is Step.SEND:
            reports.append(send_run(session, campaign, now=now, policy=policy))
            campaign.next_run_at = following_run(
                campaign.starts_at, campaign.repeat_days, campaign.ends_at, now
            )
        if campaign.next_run_at is None or step is Step.FINISH:
            campaign.status = CampaignStatus.DONE
            campaign.next_run_at = None
    session.flush()
    return reports
