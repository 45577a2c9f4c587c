"""A campaign as a coordinator writes it in the inbox: the form read into a draft (a
pure function, with Dutch error keys), its audience counted, its text checked for B1,
and the campaign stored once the coordinator schedules it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_coordinator_change
from bot.campaigns.audience import RISK_CHOICES, AudienceRules, candidates, recipients_of
from bot.campaigns.calendar import route_calendar
from bot.campaigns.limits import opted_out
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import Campaign, Coordinator, School
from bot.escalation.routing import REGION_LEVEL
from bot.readability import B1Check, check_b1
from bot.vocabulary import CampaignStatus, CampaignTask, Recipients

MAX_BODY_CHARS = 600
MAX_BUTTON_CHARS = 60
REPEAT_CHOICES = (0, 7, 14, 28)
MAX_QUIET_WEEKS = 52


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    recipients: Recipients
    rules: AudienceRules
    task: CampaignTask
    task_button: str | None
    calendar_key: str | None
    starts_at: datetime
    ends_at: datetime
    repeat_days: int
    b1_checked: bool = False  # the coordinator read the B1 remarks and sends it anyway

    @property
    def task_key(self) -> str | None:
        """Campaigns about one calendar entry share their task ("said they registered");
        a campaign with a text of its own has its own (set from its id when stored)."""
        return f"calendar:{self.calendar_key}" if self.calendar_key else None


@dataclass(frozen=True)
class DraftResult:
    draft: Draft | None
    errors: tuple[str, ...] = field(default=())


def _local(day: str, clock: str, fallback: time) -> datetime:
    moment = time.fromisoformat(clock) if clock else fallback
    return datetime.combine(date.fromisoformat(day), moment, tzinfo=SCHOOL_TIMEZONE)


def _whole(value: str | None, limit: int = 10_000) -> int | None:
    """A small whole number typed in a form, or None ("²" is a digit to Python, not to us)."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return None
    return min(int(value), limit)


def read_form(
    form: Mapping[str, str], lists: Mapping[str, Sequence[str]], *, now: datetime
) -> DraftResult:
    """The campaign form as a draft, or the keys of what is wrong (messages.yml,
    campaigns errors). `lists` holds the fields that may be given more than once."""
    errors = []
    title = form.get("title", "").strip()[:200]
    body = form.get("body", "").strip()
    if not title:
        errors.append("title")
    if not body:
        errors.append("body")
    elif len(body) > MAX_BODY_CHARS:
        errors.append("body_long")
    try:
        recipients = Recipients(form.get("recipients", "students"))
        task = CampaignTask(form.get("task", "none"))
    except ValueError:
        return DraftResult(None, ("choice",))
    button = form.get("task_button", "").strip()
    if task is CampaignTask.CONFIRM and not button:
        errors.append("button")
    if len(button) > MAX_BUTTON_CHARS:
        errors.append("button_long")
    if task is CampaignTask.CHECK_IN and recipients is Recipients.GUARDIANS:
        errors.append("check_in_students")
    calendar_key = form.get("calendar_key", "").strip() or None
    if calendar_key is not None and calendar_key not in route_calendar():
        calendar_key = None
    quiet_weeks = _whole(form.get("quiet_weeks"), limit=MAX_QUIET_WEEKS)
    risk = form.get("risk", "include")
    repeat = _whole(form.get("repeat_days")) or 0
    if risk not in RISK_CHOICES or repeat not in REPEAT_CHOICES:
        return DraftResult(None, ("choice",))
    try:
        starts_at = _local(form.get("start_date", ""), form.get("start_time", ""), time(16, 0))
        ends_at = _local(form.get("end_date", ""), "", time(23, 59))
    except ValueError:
        errors.append("dates")
        starts_at = ends_at = now
    else:
        starts_at = max(starts_at, now)
        if ends_at <= starts_at:
            errors.append("dates")
    if errors:
        return DraftResult(None, tuple(errors))
    rules = AudienceRules(
        phases=tuple(sorted(set(lists.get("phases", ())))),
        school_ids=tuple(
            sorted(
                {
                    number
                    for each in lists.get("school_ids", ())
                    if (number := _whole(each, 2**31 - 1))
                }
            )
        ),
        quiet_weeks=quiet_weeks or None,
        risk=risk,
        without_task_done=form.get("without_task_done") == "on",
    )
    return DraftResult(
        Draft(
            title=title,
            body=body,
            recipients=recipients,
            rules=rules,
            task=task,
            task_button=button if task is CampaignTask.CONFIRM else None,
            calendar_key=calendar_key,
            starts_at=starts_at,
            ends_at=ends_at,
            repeat_days=repeat,
            b1_checked=form.get("b1_checked") == "on",
        )
    )


def scope_of(coordinator: Coordinator) -> tuple[int, int | None]:
    """(region, school) a coordinator's campaigns reach: a school coordinator their
    own school, a region coordinator the whole region."""
    if coordinator.ladder_level == REGION_LEVEL:
        return coordinator.region_id, None
    return coordinator.region_id, coordinator.school_id


def schools_in_scope(session: Session, coordinator: Coordinator) -> list[School]:
    region_id, school_id = scope_of(coordinator)
    query = select(School).where(School.region_id == region_id)
    if school_id is not None:
        query = query.where(School.id == school_id)
    return list(session.scalars(query.order_by(School.name)))


@dataclass(frozen=True)
class Preview:
    reach: int  # who the next run would reach
    opted_out: int  # picked by the rules, but said "stop met berichten"
    b1: B1Check


def preview(session: Session, coordinator: Coordinator, draft: Draft, *, now: datetime) -> Preview:
    region_id, school_id = scope_of(coordinator)
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    picked = recipients_of(
        candidates(
            session, region_id=region_id, school_id=school_id, task_key=draft.task_key, today=today
        ),
        draft.rules,
        draft.recipients,
        today,
    )
    stopped = opted_out(session, picked)
    return Preview(
        reach=len(picked) - len(stopped), opted_out=len(stopped), b1=check_b1(draft.body)
    )


def schedule(
    session: Session, coordinator: Coordinator, draft: Draft, *, now: datetime
) -> Campaign:
    """Stores the campaign; the campaign job sends its first run from starts_at."""
    region_id, school_id = scope_of(coordinator)
    campaign = Campaign(
        region_id=region_id,
        school_id=school_id,
        created_by_id=coordinator.id,
        title=draft.title,
        body=draft.body,
        recipients=draft.recipients,
        audience=draft.rules.to_json(),
        task=draft.task,
        task_button=draft.task_button,
        # A campaign of its own: a key of its own, made unique below.
        task_key=draft.task_key or f"pending:{now.timestamp()}",
        calendar_key=draft.calendar_key,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        repeat_days=draft.repeat_days,
        next_run_at=draft.starts_at,
        runs=0,
        held_opted_out=0,
        held_by_cap=0,
        status=CampaignStatus.SCHEDULED,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    if draft.task_key is None:
        campaign.task_key = f"campaign:{campaign.id}"
    record_coordinator_change(
        session,
        coordinator.id,
        "campaign_scheduled",
        subject_type="campaign",
        subject_id=campaign.id,
    )
    return campaign


def stop(session: Session, coordinator: Coordinator, campaign: Campaign, *, now: datetime) -> None:
    """No more runs; messages not yet shown are not shown either."""
    if campaign.status is CampaignStatus.SCHEDULED:
        campaign.status = CampaignStatus.STOPPED
        campaign.stopped_at = now
        campaign.next_run_at = None
        record_coordinator_change(
            session,
            coordinator.id,
            "campaign_stopped",
            subject_type="campaign",
            subject_id=campaign.id,
        )


def draft_from_calendar(key: str, recipients: Recipients, *, now: datetime) -> dict[str, str]:
    """The form's first values for a campaign about a calendar entry."""
    entry = route_calendar()[key]
    today = now.astimezone(SCHOOL_TIMEZONE).date()
    start, end = entry.window(today)
    if recipients not in entry.messages:
        recipients = next(iter(entry.messages))
    return {
        "title": entry.title,
        "body": entry.messages[recipients],
        "recipients": recipients.value,
        "task": entry.task.value,
        "task_button": entry.button or "",
        "calendar_key": entry.key,
        "start_date": start.isoformat(),
        "start_time": "16:00",
        "end_date": end.isoformat(),
        "repeat_days": "7",
        "risk": "include",
        "without_task_done": "on",
        "phases": ",".join(entry.phases),
    }


def campaign_in_scope(
    session: Session, coordinator: Coordinator, campaign_id: int
) -> Campaign | None:
    """A campaign this coordinator may see: of their region, and for a school
    coordinator, of their school."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.region_id != coordinator.region_id:
        return None
    _, school_id = scope_of(coordinator)
    if school_id is not None and campaign.school_id != school_id:
        return None
    return campaign


def campaigns_in_scope(session: Session, coordinator: Coordinator) -> list[Campaign]:
    region_id, school_id = scope_of(coordinator)
    query = select(Campaign).where(Campaign.region_id == region_id)
    if school_id is not None:
        query = query.where(Campaign.school_id == school_id)
    return list(session.scalars(query.order_by(Campaign.created_at.desc(), Campaign.id.desc())))
