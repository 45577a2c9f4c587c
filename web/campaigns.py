"""The inbox's campaigns: the list with each campaign's numbers, a new campaign (from
the route calendar or blank) with its audience counted, a B1 check and a preview, a
campaign's report with a chart, its CSV export, and stopping it. Thin views: the
decisions are in bot/campaigns."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime

from aiohttp import web
from sqlalchemy import select

from bot import clock
from bot.campaigns import drafting
from bot.campaigns.calendar import route_calendar, upcoming
from bot.campaigns.report import STAGES, campaign_report, export_rows
from bot.clock import SCHOOL_TIMEZONE
from bot.content.catalog import catalog, text
from bot.db.models import Coordinator, Route, RoutePhase
from bot.vocabulary import CampaignStatus, Recipients
from infra.db.session import session_scope
from web.inbox import (
    PageContent,
    checked_post,
    coordinator_page,
    id_in_path,
    render,
    signed_in,
)
from web.keys import SETTINGS_KEY
from web.urls import url_for

# Cells a spreadsheet would run as a formula start with one of these.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _phase_choices(database, coordinator: Coordinator) -> list[tuple[str, str]]:  # noqa: ANN001
    rows = database.execute(
        select(RoutePhase.code, RoutePhase.name)
        .join(Route, RoutePhase.route_id == Route.id)
        .where(Route.region_id == coordinator.region_id)
        .order_by(Route.id, RoutePhase.position)
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return list(seen.items())


def _campaign_id(request: web.Request) -> int:
    return id_in_path(request, "campaign_id")


def _stage_labels() -> dict[str, str]:
    return {stage: text("inbox", "campaign_stages", stage) for stage in STAGES}


async def list_page(request: web.Request) -> web.Response:
    today = clock.today()

    def build(database, coordinator: Coordinator) -> PageContent:  # noqa: ANN001
        reports = [
            campaign_report(database, campaign)
            for campaign in drafting.campaigns_in_scope(database, coordinator)
        ]
        return text("inbox", "titles", "campaigns"), {
            "reports": reports,
            "calendar": [
                (entry, entry.next_date(today))
                for entry in upcoming(today, coordinator.region.code)
            ],
            "stages": _stage_labels(),
            "status_labels": catalog().messages["inbox"]["campaign_statuses"],
        }

    return await coordinator_page(request, "campaigns.html", build)


def _form_page(
    request: web.Request,
    values: dict[str, str],
    lists: dict[str, list[str]],
    *,
    now: datetime,
    check: bool,
    scheduling: bool = False,
    status: int = 200,
) -> web.Response:
    """The new-campaign form with these values; with check, also the audience count,
    the B1 remarks and the preview, or what is wrong."""

    def page() -> web.Response:
        with session_scope(request.app[SETTINGS_KEY].database_url) as database:
            session, coordinator = signed_in(request, database)
            errors: tuple[str, ...] = ()
            preview = None
            if check:
                result = drafting.read_form(values, lists, now=now)
                errors = result.errors
                if result.draft is not None:
                    preview = drafting.preview(database, coordinator, result.draft, now=now)
                    if scheduling and not preview.b1.passes and not result.draft.b1_checked:
                        errors = ("b1",)
            return render(
                request,
                "campaign_new.html",
                session,
                status=status,
                coordinator=coordinator,
                title=text("inbox", "titles", "new_campaign"),
                values=values,
                lists=lists,
                errors=[text("campaigns", "errors", key) for key in errors],
                preview=preview,
                b1_remarks=_b1_remarks(preview),
                phases=_phase_choices(database, coordinator),
                schools=drafting.schools_in_scope(database, coordinator),
                region_wide=drafting.scope_of(coordinator)[1] is None,
                cap=request.app[SETTINGS_KEY].messages_per_week,
            )

    return page()


def _b1_remarks(preview: drafting.Preview | None) -> list[str]:
    if preview is None:
        return []
    if preview.b1.passes:
        return [text("campaigns", "b1", "passes")]
    return [
        text("campaigns", "b1", problem, sentence=preview.b1.longest_sentence)
        for problem in preview.b1.problems
    ]


async def new_page(request: web.Request) -> web.Response:
    now = clock.now()
    key = request.query.get("from", "")
    try:
        recipients = Recipients(request.query.get("for", "students"))
    except ValueError:
        recipients = Recipients.STUDENTS
    values: dict[str, str] = {"recipients": recipients.value, "repeat_days": "0", "risk": "include"}
    lists: dict[str, list[str]] = {}
    if key in route_calendar():
        values = drafting.draft_from_calendar(key, recipients, now=now)
        lists = {"phases": values.pop("phases").split(",")}
    else:
        today = now.astimezone(SCHOOL_TIMEZONE).date()
        values.update(start_date=today.isoformat(), start_time="16:00", end_date="")
        values["without_task_done"] = "on"
    check = key in route_calendar()
    return await asyncio.to_thread(_form_page, request, values, lists, now=now, check=check)


async def create(request: web.Request) -> web.Response:
    """Check (preview) or schedule: scheduling needs a valid form and a text that
    passes the B1 check, or the coordinator's tick that they read the remarks."""
    now = clock.now()
    posted = await checked_post(request)
    values = {key: str(posted[key]) for key in posted if key not in ("phases", "school_ids")}
    lists = {
        key: [str(each) for each in posted.getall(key, [])] for key in ("phases", "school_ids")
    }
    if posted.get("do") != "schedule":
        return await asyncio.to_thread(_form_page, request, values, lists, now=now, check=True)

    def store() -> int | None:
        with session_scope(request.app[SETTINGS_KEY].database_url) as database:
            _, coordinator = signed_in(request, database)
            result = drafting.read_form(values, lists, now=now)
            if result.draft is None:
                return None
            schools = {school.id for school in drafting.schools_in_scope(database, coordinator)}
            if not set(result.draft.rules.school_ids) <= schools:
                return None
            b1 = drafting.preview(database, coordinator, result.draft, now=now).b1
            if not b1.passes and not result.draft.b1_checked:
                return None
            return drafting.schedule(database, coordinator, result.draft, now=now).id

    campaign_id = await asyncio.to_thread(store)
    if campaign_id is None:
        return await asyncio.to_thread(
            _form_page, request, values, lists, now=now, check=True, scheduling=True, status=400
        )
    raise web.HTTPFound(
        url_for(
            request,
            "campaign",
            campaign_id=str(campaign_id),
            query={"done": "campaign_scheduled"},
        )
    )


def _in_scope(database, coordinator: Coordinator, request: web.Request):  # noqa: ANN001, ANN202
    campaign = drafting.campaign_in_scope(database, coordinator, _campaign_id(request))
    if campaign is None:
        raise web.HTTPNotFound(text=text("inbox", "campaign_not_found"))
    return campaign


async def report_page(request: web.Request) -> web.Response:
    def build(database, coordinator: Coordinator) -> PageContent:  # noqa: ANN001
        campaign = _in_scope(database, coordinator, request)
        report = campaign_report(database, campaign)
        stages = _stage_labels()
        points = [
            (stages[stage], value)
            for stage, value in zip(STAGES, report.total.as_tuple(), strict=True)
        ]
        if not report.measures_task:
            points = points[:-1]
        return text("inbox", "titles", "campaign", title=campaign.title), {
            "report": report,
            "c": campaign,
            "stages": stages,
            "points": points,
            "described": ", ".join(f"{label}: {value}" for label, value in points),
            "status_label": catalog().messages["inbox"]["campaign_statuses"][campaign.status.value],
            "can_stop": campaign.status is CampaignStatus.SCHEDULED,
            "tz": SCHOOL_TIMEZONE,
        }

    return await coordinator_page(request, "campaign.html", build)


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


async def export(request: web.Request) -> web.Response:
    """The CSV of a campaign: one row per person reached (each a logged read)."""

    def rows() -> tuple[int, list[tuple[str, ...]]]:
        with session_scope(request.app[SETTINGS_KEY].database_url) as database:
            _, coordinator = signed_in(request, database)
            campaign = _in_scope(database, coordinator, request)
            return campaign.id, export_rows(database, coordinator, campaign)

    campaign_id, lines = await asyncio.to_thread(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([_cell(cell) for cell in line])
    response = web.Response(text=buffer.getvalue(), content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="campagne-{campaign_id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


async def stop(request: web.Request) -> web.Response:
    now = clock.now()
    await checked_post(request)

    def do() -> int:
        with session_scope(request.app[SETTINGS_KEY].database_url) as database:
            _, coordinator = signed_in(request, database)
            campaign = _in_scope(database, coordinator, request)
            drafting.stop(database, coordinator, campaign, now=now)
            return campaign.id

    campaign_id = await asyncio.to_thread(do)
    raise web.HTTPFound(
        url_for(
            request, "campaign", campaign_id=str(campaign_id), query={"done": "campaign_stopped"}
        )
    )
