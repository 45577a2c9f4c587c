"""What a campaign achieved: reached, seen, replied and task done, in all and per run,
counted from its deliveries; and the rows of its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_read
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import Campaign, CampaignDelivery, Coordinator, Guardian, Student
from bot.vocabulary import CampaignTask, PersonRole

STAGES = ("reached", "seen", "replied", "task_done")


@dataclass(frozen=True)
class Counts:
    reached: int = 0
    seen: int = 0
    replied: int = 0
    task_done: int = 0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.reached, self.seen, self.replied, self.task_done)


def count(deliveries: list[CampaignDelivery]) -> Counts:
    return Counts(
        reached=len(deliveries),
        seen=sum(1 for each in deliveries if each.shown_at is not None),
        replied=sum(1 for each in deliveries if each.replied_at is not None),
        task_done=sum(1 for each in deliveries if each.task_done_at is not None),
    )


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    total: Counts
    per_run: tuple[tuple[int, Counts], ...]
    mailed: int
    measures_task: bool


def _deliveries(session: Session, campaign: Campaign) -> list[CampaignDelivery]:
    return list(
        session.scalars(
            select(CampaignDelivery)
            .where(CampaignDelivery.campaign_id == campaign.id)
            .order_by(CampaignDelivery.run, CampaignDelivery.id)
        )
    )


def campaign_report(session: Session, campaign: Campaign) -> CampaignReport:
    """Numbers only: nothing personal is read."""
    deliveries = _deliveries(session, campaign)
    runs = sorted({each.run for each in deliveries})
    return CampaignReport(
        campaign=campaign,
        total=count(deliveries),
        per_run=tuple((run, count([d for d in deliveries if d.run == run])) for run in runs),
        mailed=sum(1 for each in deliveries if each.mailed),
        measures_task=campaign.task is not CampaignTask.NONE,
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(SCHOOL_TIMEZONE).strftime("%Y-%m-%d %H:%M")


CSV_HEADER = ("run", "role", "name", "school", "reached", "seen", "replied", "task_done", "mailed")


def export_rows(
    session: Session, coordinator: Coordinator, campaign: Campaign
) -> list[tuple[str, ...]]:
    """One row per delivery for the CSV export; each person's row is a logged read."""
    rows: list[tuple[str, ...]] = [CSV_HEADER]
    for delivery in _deliveries(session, campaign):
        if delivery.role is PersonRole.STUDENT:
            person = session.get(Student, delivery.student_id)
            name = f"{person.first_name} {person.last_name}"
            school = person.school.name
            subject = ("student", delivery.student_id)
        else:
            guardian = session.get(Guardian, delivery.guardian_id)
            name = f"{guardian.first_name} {guardian.last_name}"
            school = ""
            subject = ("guardian", delivery.guardian_id)
        record_read(
            session,
            conversation_id=None,
            subject_type=subject[0],
            subject_id=subject[1],
            what="campaign_export",
            actor_type="coordinator",
            actor_id=str(coordinator.id),
        )
        rows.append(
            (
                str(delivery.run),
                delivery.role.value,
                name,
                school,
                _when(delivery.created_at),
                _when(delivery.shown_at),
                _when(delivery.replied_at),
                _when(delivery.task_done_at),
                "ja" if delivery.mailed else "nee",
            )
        )
    return rows
